import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { folderStorage, memoryStorage, type Storage, StorageError } from "../src/index.ts";

async function collect(source: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(c);
  return Buffer.concat(parts).toString("utf8");
}

async function put(
  storage: Storage,
  path: string,
  text: string,
  offset?: number,
  append?: boolean,
): Promise<void> {
  const w = await storage.write(path, { offset, append });
  await w.write(new TextEncoder().encode(text));
  await w.close();
}

async function reason(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (error) {
    expect(StorageError.isInstance(error)).toBe(true);
    return (error as StorageError).reason;
  }
  throw new Error("expected a StorageError");
}

function suite(name: string, make: () => Promise<Storage>): void {
  describe(name, () => {
    it("writes, reads, appends, restarts at an offset", async () => {
      const s = await make();
      await put(s, "/a.txt", "hello world");
      expect(await collect(s.read("/a.txt"))).toBe("hello world");
      expect(await collect(s.read("/a.txt", 6))).toBe("world");
      await put(s, "/a.txt", "!!", undefined, true);
      expect(await collect(s.read("/a.txt"))).toBe("hello world!!");
      await put(s, "/a.txt", "W", 6);
      expect(await collect(s.read("/a.txt"))).toBe("hello W");
      expect((await s.stat("/a.txt"))?.size).toBe(7);
    });

    it("makes, lists, renames and removes", async () => {
      const s = await make();
      await s.makeDirectory("/d");
      await put(s, "/d/b", "b");
      await put(s, "/d/a", "aa");
      expect((await s.list("/d")).map((e) => [e.name, e.kind, e.size])).toEqual([
        ["a", "file", 2],
        ["b", "file", 1],
      ]);
      expect(await reason(s.removeDirectory("/d"))).toBe("not-empty");
      expect(await reason(s.makeDirectory("/d"))).toBe("exists");
      await s.rename("/d/a", "/c");
      expect(await s.stat("/d/a")).toBeUndefined();
      expect((await s.stat("/c"))?.kind).toBe("file");
      await s.remove("/d/b");
      await s.removeDirectory("/d");
      expect(await s.stat("/d")).toBeUndefined();
      expect(await reason(s.remove("/nope"))).toBe("not-found");
      expect(await reason(s.list("/c"))).toBe("not-directory");
      expect(await reason(s.write("/missing/x"))).toBe("not-found");
      expect(await reason(s.removeDirectory("/"))).toBe("denied");
    });

    it("sets the modification time", async () => {
      const s = await make();
      await put(s, "/t", "x");
      const when = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
      await s.setModified("/t", when);
      expect((await s.stat("/t"))?.modified.getTime()).toBe(when.getTime());
    });

    it("keeps `..` inside the root", async () => {
      const s = await make();
      await put(s, "/inside", "in");
      expect(await collect(s.read("/../../inside"))).toBe("in");
      expect(await s.stat("/../../etc/passwd")).toBeUndefined();
    });
  });
}

suite("memoryStorage", async () => memoryStorage());

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ftpkit-storage-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
suite("folderStorage", async () => {
  const root = join(dir, `root${++n}`);
  await mkdir(root);
  return folderStorage(root);
});

describe("memoryStorage seed", () => {
  it("seeds files, directories and parents", async () => {
    const s = memoryStorage({ "a.txt": "A", "pub/deep/b.bin": Uint8Array.of(1, 2), "empty/": "" });
    expect(new TextDecoder().decode(s.readFile("/a.txt"))).toBe("A");
    expect(s.readFile("pub/deep/b.bin")).toEqual(Uint8Array.of(1, 2));
    expect((await s.stat("/empty"))?.kind).toBe("directory");
    expect((await s.list("/")).map((e) => e.name)).toEqual(["a.txt", "empty", "pub"]);
    expect(s.has("/pub/deep")).toBe(true);
    expect(() => s.readFile("/nope")).toThrow(/No such file/);
  });

  it("reads as views of the stored bytes, not copies", async () => {
    const data = new Uint8Array(200_000);
    const s = memoryStorage({ big: data });
    const chunks: Uint8Array[] = [];
    for await (const c of s.read("/big")) chunks.push(c);
    expect(chunks.length).toBe(4);
    expect(chunks.every((c) => c.buffer === data.buffer)).toBe(true);
  });
});

describe("folderStorage confinement", () => {
  it("refuses symlinks that lead outside the root, follows those inside", async () => {
    const root = join(dir, "confined");
    const outside = join(dir, "outside");
    await mkdir(root);
    await mkdir(outside);
    await writeFile(join(outside, "secret"), "secret");
    await writeFile(join(root, "ok"), "ok");
    await symlink(outside, join(root, "escape"));
    await symlink(join(outside, "secret"), join(root, "secret-link"));
    await symlink(join(root, "ok"), join(root, "inner-link"));
    const s = folderStorage(root);
    expect(await reason(collectAll(s.read("/escape/secret")))).toBe("denied");
    expect(await reason(collectAll(s.read("/secret-link")))).toBe("denied");
    expect(await reason(s.write("/escape/new"))).toBe("denied");
    expect(await reason(s.list("/escape"))).toBe("denied");
    expect(await reason(s.stat("/escape/secret"))).toBe("denied");
    expect(await collect(s.read("/inner-link"))).toBe("ok");
    const listed = await s.list("/");
    expect(listed.find((e) => e.name === "escape")?.kind).toBe("symlink");
    expect(listed.find((e) => e.name === "inner-link")?.kind).toBe("file");
    // Nothing was written outside.
    expect(await readFile(join(outside, "secret"), "utf8")).toBe("secret");
  });
});

async function collectAll(source: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of source) {
    // drain
  }
}
