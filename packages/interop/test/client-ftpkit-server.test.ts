// @ftpkit/client against @ftpkit/server over real loopback sockets: MODE B and MODE C
// carry 1000 files over one data connection (counted by the server's log), and MODE S
// opens one per file. Port 0: no port base needed.
import { connect } from "@ftpkit/client";
import { createServer, type FtpServer, memoryStorage } from "@ftpkit/server";
import { nodeSockets } from "@ftpkit/socket-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "./client-support.ts";

const sockets = nodeSockets();
const seed: Record<string, Uint8Array> = {};
for (let i = 0; i < 1000; i++) {
  const bytes = new Uint8Array(64 + ((i * 97) % 4000));
  for (let j = 0; j < bytes.length; j++) bytes[j] = (i * 131 + j * 17 + (j >> 7)) & 0xff;
  seed[`set/${String(i).padStart(4, "0")}.bin`] = bytes;
}
const digests = new Map(Object.entries(seed).map(([p, b]) => [p, sha256(b)]));
let server: FtpServer;
let url: string;

beforeAll(async () => {
  server = createServer({ sockets, storage: memoryStorage(seed), users: { u: "p" } });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  url = `ftp://u:p@127.0.0.1:${port}/`;
});
afterAll(async () => {
  await server.close();
});

describe("@ftpkit/client against @ftpkit/server (real sockets)", () => {
  for (const mode of ["B", "C"] as const) {
    it(`MODE ${mode}: 1000 files over one data connection`, async () => {
      const before = server.log.stats();
      await using session = await connect(url, { sockets });
      let n = 0;
      for await (const file of session.retrieve(Object.keys(seed), { mode })) {
        if (!file.ok) throw file.error;
        expect(file.mode).toBe(mode);
        expect(sha256(await file.bytes())).toBe(digests.get(file.path));
        n++;
      }
      expect(n).toBe(1000);
      const after = server.log.stats();
      expect(after.dataConnections - before.dataConnections).toBe(1);
      expect(after.reusedTransfers - before.reusedTransfers).toBe(999);
      expect(session.stats.dataConnections).toBe(1);
    }, 60_000);
  }

  it("MODE S: one data connection per file, never reused", async () => {
    const before = server.log.stats();
    await using session = await connect(url, { sockets });
    const paths = Object.keys(seed).slice(0, 200);
    for await (const file of session.retrieve(paths, { mode: "S" })) {
      expect(sha256(await file.bytes())).toBe(digests.get(file.path));
    }
    const after = server.log.stats();
    expect(after.dataConnections - before.dataConnections).toBe(200);
    expect(after.reusedTransfers - before.reusedTransfers).toBe(0);
  }, 60_000);

  it('"auto" picks MODE B, and 8 lanes keep list order', async () => {
    await using session = await connect(url, { sockets });
    const paths = Object.keys(seed);
    let i = 0;
    for await (const file of session.retrieve(paths, { concurrency: 8 })) {
      expect(file.path).toBe(paths[i++]);
      expect(file.mode).toBe("B");
      expect(sha256(await file.bytes())).toBe(digests.get(file.path));
    }
    expect(i).toBe(1000);
  }, 60_000);
});
