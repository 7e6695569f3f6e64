import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { testCertificate } from "@ftpkit/conformance";
import { type FtpServer, memoryStorage } from "@ftpkit/server";
import { Client } from "basic-ftp";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, sha256, startServer } from "./server-support.ts";

function sink(): { stream: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    stream: new Writable({
      write(chunk: Buffer, _enc, done) {
        parts.push(chunk);
        done();
      },
    }),
    bytes: () => Buffer.concat(parts),
  };
}

describe("basic-ftp (npm) against @ftpkit/server", () => {
  let dir: string;
  let server: FtpServer | undefined;
  let client: Client | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ftpkit-basic-ftp-"));
  });
  afterEach(async () => {
    client?.close();
    await server?.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lists, downloads, uploads, renames, removes", async () => {
    const storage = memoryStorage({ "pub/a.bin": randomBytes(80_000, 1), "pub/b.txt": "bee\n" });
    const started = await startServer({ storage, users: { anna: "pw" } });
    server = started.server;
    client = new Client(10_000);
    await client.access({ host: "127.0.0.1", port: started.port, user: "anna", password: "pw" });
    const list = await client.list("pub");
    expect(list.map((f) => [f.name, f.size, f.isDirectory])).toEqual([
      ["a.bin", 80_000, false],
      ["b.txt", 4, false],
    ]);
    const s = sink();
    await client.downloadTo(s.stream, "pub/a.bin");
    expect(sha256(s.bytes())).toBe(sha256(storage.readFile("/pub/a.bin")));
    const up = randomBytes(300_000, 2);
    await client.uploadFrom(Readable.from([Buffer.from(up)]), "pub/up.bin");
    expect(sha256(storage.readFile("/pub/up.bin"))).toBe(sha256(up));
    await client.appendFrom(Readable.from([Buffer.from("more")]), "pub/b.txt");
    expect(Buffer.from(storage.readFile("/pub/b.txt")).toString()).toBe("bee\nmore");
    expect(await client.size("pub/up.bin")).toBe(300_000);
    await client.rename("pub/up.bin", "pub/moved.bin");
    await client.ensureDir("/made/deeper");
    await client.cd("/");
    await client.remove("pub/moved.bin");
    expect(storage.has("/pub/moved.bin")).toBe(false);
    expect(storage.has("/made/deeper")).toBe(true);
    const local = join(dir, "a.bin");
    await client.downloadTo(local, "pub/a.bin");
    expect(sha256(await readFile(local))).toBe(sha256(storage.readFile("/pub/a.bin")));
    await writeFile(join(dir, "f.txt"), "from a file");
    await client.uploadFrom(join(dir, "f.txt"), "/f.txt");
    expect(Buffer.from(storage.readFile("/f.txt")).toString()).toBe("from a file");
  });

  it("explicit FTPS with a required, resumed TLS session", async () => {
    const storage = memoryStorage({ "s.bin": randomBytes(40_000, 4) });
    const started = await startServer({
      storage,
      tls: {
        cert: testCertificate.cert,
        key: testCertificate.key,
        require: true,
        requireSessionReuse: true,
      },
    });
    server = started.server;
    client = new Client(10_000);
    await client.access({
      host: "localhost",
      port: started.port,
      secure: true,
      secureOptions: { ca: testCertificate.ca },
    });
    const s = sink();
    await client.downloadTo(s.stream, "s.bin");
    expect(sha256(s.bytes())).toBe(sha256(storage.readFile("/s.bin")));
    await client.uploadFrom(Readable.from([Buffer.from("tls upload")]), "t.txt");
    expect(Buffer.from(storage.readFile("/t.txt")).toString()).toBe("tls upload");
    expect((await client.list()).map((f) => f.name)).toEqual(["s.bin", "t.txt"]);
    expect(
      server.log.filter({ kind: "data-open" }).every((e) => e.kind === "data-open" && e.resumed),
    ).toBe(true);
  });
});
