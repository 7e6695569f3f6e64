// @ftpkit/client against @ftpkit/server serving a folder over real loopback sockets, in
// the modes that keep the data connection: most files small enough for the server to
// send at once (read whole, gathered, replies held), some over 32 KiB encoded and some
// over 64 KiB (the usual way, opened ahead), a few empty, one missing. Every byte is
// checked, over 8 lanes too, after a break in the middle, after a file changed between
// retrieves; a file swapped for a symlink out of the root is refused on its own.
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "@ftpkit/client";
import { createServer, type FtpServer, folderStorage } from "@ftpkit/server";
import { nodeSockets } from "@ftpkit/socket-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256 } from "./client-support.ts";

const sockets = nodeSockets();
const FILES = 600;

/** The size of file `i`: mostly small, every 50th 40 KB, every 75th 100 KB, every 90th empty. */
function sizeOf(i: number): number {
  if (i % 90 === 0) return 0;
  if (i % 75 === 0) return 100_000;
  if (i % 50 === 0) return 40_000;
  return 64 + ((i * 997) % 20_000);
}

function contentOf(i: number, size: number, salt = 0): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let j = 0; j < size; j++) bytes[j] = (i * 131 + j * 17 + (j >> 9) + salt) & 0xff;
  return bytes;
}

let root: string;
let server: FtpServer;
let url: string;
const paths: string[] = [];
const digests = new Map<string, string>();

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ftpkit-folder-"));
  await mkdir(join(root, "set", "sub"), { recursive: true });
  for (let i = 0; i < FILES; i++) {
    const path = `set/${i % 7 === 0 ? "sub/" : ""}${String(i).padStart(4, "0")}.bin`;
    const bytes = contentOf(i, sizeOf(i));
    await writeFile(join(root, path), bytes);
    paths.push(path);
    digests.set(path, sha256(bytes));
  }
  server = createServer({ sockets, storage: folderStorage(root), users: { u: "p" } });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  url = `ftp://u:p@127.0.0.1:${port}/`;
});
afterAll(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

describe("@ftpkit/client against @ftpkit/server serving a folder (real sockets)", () => {
  for (const mode of ["B", "C", "E"] as const) {
    it(`MODE ${mode}: ${FILES} files of mixed sizes and a missing one over one data connection`, async () => {
      const before = server.log.stats();
      await using session = await connect(url, { sockets });
      const list = [...paths.slice(0, 300), "set/missing.bin", ...paths.slice(300)];
      let n = 0;
      for await (const file of session.retrieve(list, { mode })) {
        if (file.path === "set/missing.bin") {
          expect(file.ok).toBe(false);
          expect(file.error?.code).toBe(550);
          continue;
        }
        if (!file.ok) throw file.error;
        expect(sha256(await file.bytes()), file.path).toBe(digests.get(file.path));
        n++;
      }
      expect(n).toBe(FILES);
      const after = server.log.stats();
      expect(after.dataConnections - before.dataConnections).toBe(1);
      expect(after.transfers - before.transfers).toBe(FILES);
    }, 60_000);
  }

  it("8 lanes in MODE B keep list order; a file swapped for a symlink out of the root is refused alone", async () => {
    const outside = await mkdtemp(join(tmpdir(), "ftpkit-outside-"));
    await writeFile(join(outside, "secret"), "not for FTP");
    const target = paths[123]!;
    const kept = join(root, `${target}.kept`);
    await rename(join(root, target), kept);
    await symlink(join(outside, "secret"), join(root, target));
    try {
      await using session = await connect(url, { sockets });
      let i = 0;
      for await (const file of session.retrieve(paths, { mode: "B", concurrency: 8 })) {
        expect(file.path).toBe(paths[i++]);
        if (file.path === target) {
          expect(file.ok).toBe(false);
          expect(file.error?.code).toBe(550);
          continue;
        }
        if (!file.ok) throw file.error;
        expect(sha256(await file.bytes()), file.path).toBe(digests.get(file.path));
      }
      expect(i).toBe(FILES);
    } finally {
      await rm(join(root, target));
      await rename(kept, join(root, target));
      await rm(outside, { recursive: true, force: true });
    }
  }, 60_000);

  it("MODE B: a break in the middle leaves the session usable; a changed file is sent as it is now", async () => {
    await using session = await connect(url, { sockets });
    let n = 0;
    for await (const file of session.retrieve(paths, { mode: "B" })) {
      expect(sha256(await file.bytes())).toBe(digests.get(file.path));
      if (++n === 40) break;
    }
    const changed = contentOf(41, 5000, 99);
    await writeFile(join(root, paths[41]!), changed);
    try {
      const rest = paths.slice(40, 200);
      let i = 0;
      for await (const file of session.retrieve(rest, { mode: "B" })) {
        if (!file.ok) throw file.error;
        const want = file.path === paths[41] ? sha256(changed) : digests.get(file.path);
        expect(sha256(await file.bytes()), file.path).toBe(want);
        expect(file.path).toBe(rest[i++]);
      }
      expect(i).toBe(rest.length);
    } finally {
      await writeFile(join(root, paths[41]!), contentOf(41, sizeOf(41)));
    }
  }, 60_000);

  it("MODE B: a break inside a file aborts it; the session goes on with the right bytes", async () => {
    await using session = await connect(url, { sockets });
    let n = 0;
    for await (const file of session.retrieve(paths, { mode: "B" })) {
      if (++n < 10) {
        expect(sha256(await file.bytes())).toBe(digests.get(file.path));
        continue;
      }
      for await (const _chunk of file.body) break;
      break;
    }
    const list = paths.slice(9, 60);
    let i = 0;
    for await (const file of session.retrieve(list, { mode: "B" })) {
      if (!file.ok) throw file.error;
      expect(file.path).toBe(list[i++]);
      expect(sha256(await file.bytes()), file.path).toBe(digests.get(file.path));
    }
    expect(i).toBe(list.length);
  }, 60_000);

  for (const mode of ["C", "E"] as const) {
    it(`MODE ${mode}: 4 lanes keep list order; an abort and a thrown error mid-run leave the session right`, async () => {
      await using session = await connect(url, { sockets });
      const some = paths.slice(0, 200);
      let i = 0;
      for await (const file of session.retrieve(some, { mode, concurrency: 4 })) {
        expect(file.path).toBe(some[i++]);
        expect(sha256(await file.bytes()), file.path).toBe(digests.get(file.path));
      }
      expect(i).toBe(some.length);
      const stop = new AbortController();
      let n = 0;
      const aborted = (async () => {
        for await (const file of session.retrieve(paths, { mode, signal: stop.signal })) {
          await file.bytes();
          if (++n === 50) stop.abort();
        }
      })();
      await expect(aborted).rejects.toThrow();
      const thrown = (async () => {
        const list = [...paths.slice(0, 20), "set/missing.bin", ...paths.slice(20, 40)];
        for await (const file of session.retrieve(list, { mode, errors: "throw" })) {
          await file.bytes();
        }
      })();
      await expect(thrown).rejects.toMatchObject({ code: 550 });
      const after = paths.slice(20, 80);
      let k = 0;
      for await (const file of session.retrieve(after, { mode })) {
        expect(sha256(await file.bytes()), file.path).toBe(digests.get(file.path));
        k++;
      }
      expect(k).toBe(after.length);
    }, 60_000);
  }

  it("4 lanes in MODE B: after a break, a changed file is sent as it is now", async () => {
    await using session = await connect(url, { sockets });
    let n = 0;
    for await (const file of session.retrieve(paths, { mode: "B", concurrency: 4 })) {
      expect(sha256(await file.bytes())).toBe(digests.get(file.path));
      if (++n === 30) break;
    }
    const changed = contentOf(31, 2000, 7);
    const original = contentOf(31, sizeOf(31));
    await writeFile(join(root, paths[31]!), changed);
    try {
      const list = paths.slice(30, 120);
      for await (const file of session.retrieve(list, { mode: "B", concurrency: 4 })) {
        if (!file.ok) throw file.error;
        const want = file.path === paths[31] ? sha256(changed) : digests.get(file.path);
        expect(sha256(await file.bytes()), file.path).toBe(want);
      }
    } finally {
      await writeFile(join(root, paths[31]!), original);
    }
  }, 60_000);
});
