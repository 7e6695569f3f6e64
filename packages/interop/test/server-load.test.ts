import { Readable, Writable } from "node:stream";
import { type FtpServer, memoryStorage } from "@ftpkit/server";
import { Client } from "basic-ftp";
import { afterEach, describe, expect, it } from "vitest";
import { randomBytes, sha256, startServer } from "./server-support.ts";

// The full 200-session run is `pnpm --filter @ftpkit/server bench`; this is its small,
// quick sibling in the test suite.
const SESSIONS = 50;

describe("loopback load on @ftpkit/server", () => {
  let server: FtpServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it(`${SESSIONS} concurrent basic-ftp sessions download and upload, every byte checked`, async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 8; i++) files[`f${i}.bin`] = randomBytes(64 * 1024 + i * 1000, i + 1);
    const storage = memoryStorage(files);
    const started = await startServer({ storage, limits: { maxSessionsPerIp: SESSIONS } });
    server = started.server;
    let peak = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const uploads = new Map<string, string>();
    try {
      await Promise.all(
        Array.from({ length: SESSIONS }, async (_, i) => {
          const client = new Client(20_000);
          try {
            await client.access({
              host: "127.0.0.1",
              port: started.port,
              user: "anonymous",
              password: "x",
            });
            for (const name of [`f${i % 8}.bin`, `f${(i + 3) % 8}.bin`]) {
              const parts: Buffer[] = [];
              await client.downloadTo(
                new Writable({
                  write(chunk: Buffer, _e, done) {
                    parts.push(chunk);
                    done();
                  },
                }),
                name,
              );
              expect(sha256(Buffer.concat(parts))).toBe(sha256(files[name]!));
            }
            const body = randomBytes(32 * 1024 + i, 1000 + i);
            await client.uploadFrom(Readable.from([Buffer.from(body)]), `up-${i}.bin`);
            uploads.set(`/up-${i}.bin`, sha256(body));
          } finally {
            client.close();
          }
        }),
      );
    } finally {
      clearInterval(sampler);
    }
    for (const [path, hash] of uploads) expect(sha256(storage.readFile(path))).toBe(hash);
    expect(uploads.size).toBe(SESSIONS);
    const stats = server.log.stats();
    expect(stats.commands.RETR).toBe(SESSIONS * 2);
    expect(stats.commands.STOR).toBe(SESSIONS);
    console.log(
      `load: ${SESSIONS} sessions, ${stats.dataConnections} data connections, ` +
        `${(stats.bytesSent / 1e6).toFixed(1)} MB sent, ${(stats.bytesReceived / 1e6).toFixed(1)} MB received; ` +
        `peak RSS of this process (server and clients) ${(peak / 2 ** 20).toFixed(0)} MiB`,
    );
  });
});
