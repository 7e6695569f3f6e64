import { closeSync, readdirSync, readlinkSync } from "node:fs";
import { mkdir, mkdtemp, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDecoder, type ModeEvent } from "@ftpkit/modes";
import type { Command } from "@ftpkit/reply";
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { DataConnection } from "../src/data-connection.ts";
import { folderStorage, type Storage } from "../src/index.ts";
import { READ_AHEAD_DEPTH, ReadAhead, ReadAheadBudget, readsAhead } from "../src/read-ahead.ts";
import { FileOpener } from "../src/storage/file-opener.ts";
import { readLength } from "../src/storage/folder-file.ts";
import {
  OPEN_FOR_READ,
  OPEN_NOW,
  type OpenedFile,
  type OpenNow,
} from "../src/storage/open-for-read.ts";
import type { RawControl, RawData } from "./support/raw-client.ts";
import { randomBytes, startServer, type TestServer } from "./support/test-server.ts";

/** Reads one file from a persistent B/C connection, up to its EOF. */
async function readFile(
  data: RawData,
  decoder: ReturnType<typeof createDecoder>,
  pending: ModeEvent[],
): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (;;) {
    while (pending.length > 0) {
      const ev = pending.shift()!;
      if (ev.type === "data") parts.push(ev.data.slice());
      if (ev.type === "eof") return Buffer.concat(parts);
    }
    const chunk = await data.readSome();
    if (chunk.length === 0) throw new Error("data connection ended inside a file");
    pending.push(...decoder.push(chunk));
  }
}

/** Every chunk of an opened file, joined. */
async function drain(file: OpenedFile): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of file.chunks()) parts.push(chunk);
  return Buffer.concat(parts);
}

const hasProcFd = ((): boolean => {
  try {
    return readdirSync("/proc/self/fd").length > 0;
  } catch {
    return false;
  }
})();
const openFds = (): number => readdirSync("/proc/self/fd").length;
/** What each open descriptor leads to (the one that listed them is gone by then). */
const fdTargets = (): Map<string, string> => {
  const targets = new Map<string, string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      targets.set(fd, readlinkSync(`/proc/self/fd/${fd}`));
    } catch {
      // The listing's own descriptor, closed already.
    }
  }
  return targets;
};

/** The folder storage with its RETR way in, as the server sees it. */
type OpeningStorage = Storage & {
  [OPEN_FOR_READ](p: string, o: number, opener?: FileOpener): Promise<OpenedFile | undefined>;
};
const openingStorage = (): OpeningStorage => folderStorage(root) as OpeningStorage;

let dir: string;
let root: string;
let outside: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ftpkit-read-ahead-"));
  root = join(dir, "root");
  outside = join(dir, "outside");
  await mkdir(join(root, "d"), { recursive: true });
  await mkdir(outside);
  await writeFile(join(outside, "f"), "secret outside the root");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("read-ahead of queued RETRs", () => {
  const command = (verb: string, argument = ""): Command =>
    ({ verb, argument, raw: `${verb} ${argument}` }) as Command;

  /** A storage that records the files it opens ahead and their release. */
  function countingStorage(): {
    storage: Storage;
    opened: string[];
    released: string[];
    finish: () => void;
  } {
    const opened: string[] = [];
    const released: string[] = [];
    let finish!: () => void;
    const gate = new Promise<void>((resolve) => {
      finish = resolve;
    });
    const storage = {
      [OPEN_FOR_READ]: async (path: string): Promise<OpenedFile> => {
        opened.push(path);
        await gate;
        return {
          entry: { name: path, kind: "file", size: 0, modified: new Date(0), mode: 0o644 },
          chunks: async function* () {},
          release: async () => {
            released.push(path);
          },
        };
      },
    } as unknown as Storage;
    return { storage, opened, released, finish };
  }

  it("opens the RETRs at the head of the queue, through SIZE and the like, up to the depth", async () => {
    const { storage, opened, finish } = countingStorage();
    const ahead = new ReadAhead(new ReadAheadBudget(100));
    const queue: Command[] = [];
    for (let i = 0; i < READ_AHEAD_DEPTH + 4; i++) {
      queue.push(command("SIZE", `f${i}`), command("RETR", `f${i}`));
    }
    ahead.fill(queue, storage, (a) => `/${a}`);
    expect(opened).toEqual(Array.from({ length: READ_AHEAD_DEPTH }, (_, i) => `/f${i}`));
    // Filling again opens nothing twice.
    ahead.fill(queue, storage, (a) => `/${a}`);
    expect(opened.length).toBe(READ_AHEAD_DEPTH);
    finish();
    await ahead.close();
  });

  it("stops at a command that may change what a RETR means", async () => {
    for (const verb of ["CWD", "REST", "DELE", "STOR", "RNFR", "REIN", "USER", "MFMT"]) {
      const { storage, opened, finish } = countingStorage();
      const ahead = new ReadAhead(new ReadAheadBudget(100));
      ahead.fill(
        [command("RETR", "a"), command(verb, "x"), command("RETR", "b")],
        storage,
        (a) => `/${a}`,
      );
      expect(opened, verb).toEqual(["/a"]);
      expect(readsAhead(verb), verb).toBe(false);
      finish();
      await ahead.close();
    }
    expect(readsAhead("RETR") && readsAhead("SIZE") && readsAhead("TYPE")).toBe(true);
  });

  it("keeps within the server's budget, and closes what it opened when the session ends", async () => {
    const { storage, opened, released, finish } = countingStorage();
    const budget = new ReadAheadBudget(3);
    const ahead = new ReadAhead(budget);
    const queue = ["a", "b", "c", "d", "e"].map((n) => command("RETR", n));
    ahead.fill(queue, storage, (a) => `/${a}`);
    expect(opened).toEqual(["/a", "/b", "/c"]);
    expect(budget.used).toBe(3);
    // Taking one (its RETR's turn) gives its room back; the RETR owns the file now.
    const first = ahead.take(queue[0]!);
    expect(first?.path).toBe("/a");
    expect(budget.used).toBe(2);
    expect(ahead.find(storage, "/b")?.path).toBe("/b");
    expect(budget.used).toBe(2);
    // Closing while the opens are still pending: each is released once open.
    const closed = ahead.close();
    finish();
    await closed;
    expect(released.sort()).toEqual(["/b", "/c"]);
    expect(budget.used).toBe(0);
    await ahead.release(first!);
    expect(released.sort()).toEqual(["/a", "/b", "/c"]);
  });
});

describe("folder storage: opening for RETR", () => {
  it.each([
    ["inline", true],
    ["on the worker", false],
  ])(
    "reads in chunks sized from fstat: one read for a small file, whole files at every size (%s)",
    async (_, inline) => {
      expect(readLength(0, 16384)).toBe(16385);
      expect(readLength(0, 200_000)).toBe(65536);
      expect(readLength(16384, 16384)).toBe(1);
      expect(readLength(20_000, 16384)).toBe(65536);
      const storage = openingStorage();
      const opener = new FileOpener({ inline });
      try {
        for (const size of [0, 1, 16384, 65535, 65536, 65537, 200_000]) {
          const bytes = randomBytes(size, size + 1);
          await writeFile(join(root, "d", `s${size}`), bytes);
          for (const via of [undefined, opener]) {
            const file = await storage[OPEN_FOR_READ](`/d/s${size}`, 0, via);
            expect(file?.entry.size, `${size}`).toBe(size);
            expect(file?.entry.kind).toBe("file");
            expect((await drain(file!)).equals(bytes), `${size} bytes`).toBe(true);
            const tail = await storage[OPEN_FOR_READ](`/d/s${size}`, 1000, via);
            expect(
              (await drain(tail!)).equals(Buffer.from(bytes.subarray(1000))),
              `${size} from 1000`,
            ).toBe(true);
          }
        }
        // The opener read the small ones itself; a large one it leaves open for the
        // caller inline (on the worker it closes it: a descriptor stays in its thread).
        expect((await opener.read(join(root, "d", "s16384"), 0, root, 0))?.kind).toBe("whole");
        const large = await opener.read(join(root, "d", "s200000"), 0, root, 0);
        expect(large?.kind).toBe(inline ? "open" : "large");
        if (large?.kind === "open") {
          expect(large.stats.size).toBe(200_000);
          // Its chunks are read inline too, while reads are.
          const chunk = new Uint8Array(65_536);
          expect(opener.readChunkNow(large.fd, chunk, 100_000)).toBe(65_536);
          expect(
            Buffer.from(chunk).equals(randomBytes(200_000, 200_001).subarray(100_000, 165_536)),
          ).toBe(true);
          closeSync(large.fd);
        } else {
          expect(opener.readChunkNow(0, new Uint8Array(1), 0)).toBeUndefined();
        }
        // At once only while reading inline (and the storage, once its root is known).
        expect(opener.readNow(join(root, "d", "s16384"), 0, root, 0)?.kind).toBe(
          inline ? "whole" : undefined,
        );
        const openNow = (storage as Storage & { [OPEN_NOW]?: OpenNow })[OPEN_NOW];
        expect(openNow?.("/d/s16384", opener)?.whole?.chunk.length).toBe(
          inline ? 16384 : undefined,
        );
        const opened = openNow?.("/d/s200000", opener);
        expect(opened?.whole).toBeUndefined();
        if (inline) {
          // Left open: read on from the descriptor, and closed at the end.
          expect(opened?.entry.size).toBe(200_000);
          expect((await drain(opened!)).equals(randomBytes(200_000, 200_001))).toBe(true);
        } else expect(opened).toBeUndefined();
        expect(openNow?.("/d/missing", opener)).toBeUndefined();
        expect((folderStorage(root) as { [OPEN_NOW]?: OpenNow })[OPEN_NOW]).toBeUndefined();
        // Missing, a directory, the root: not opened directly (RETR then stats and says why).
        expect(await storage[OPEN_FOR_READ]("/d/missing", 0, opener)).toBeUndefined();
        expect(await storage[OPEN_FOR_READ]("/d", 0, opener)).toBeUndefined();
        expect(await storage[OPEN_FOR_READ]("/", 0, opener)).toBeUndefined();
      } finally {
        await opener.close();
        await opener.close();
      }
      expect(await opener.read(join(root, "d", "s1"), 0, root, 0)).toBeUndefined();
    },
  );

  it.skipIf(!hasProcFd).each([
    ["inline", true],
    ["on the worker", false],
  ])(
    "refuses a file that leads outside the root, also once a checked directory is swapped for a symlink (%s)",
    async (_, inline) => {
      const storage = openingStorage();
      const opener = new FileOpener({ inline });
      try {
        await writeFile(join(root, "d", "f"), "inside");
        for (const via of [undefined, opener]) {
          const file = await storage[OPEN_FOR_READ]("/d/f", 0, via);
          expect((await drain(file!)).toString()).toBe("inside");
        }
        // "/d" was seen free of symlinks; now it leads outside.
        await rename(join(root, "d"), join(root, "d.old"));
        await symlink(outside, join(root, "d"));
        for (const via of [opener, undefined, opener]) {
          expect(await storage[OPEN_FOR_READ]("/d/f", 0, via)).toBeUndefined();
        }
        // The last name a symlink out: not followed.
        await symlink(join(outside, "f"), join(root, "d.old", "link"));
        expect(await storage[OPEN_FOR_READ]("/d.old/link", 0, opener)).toBeUndefined();
        expect(await storage[OPEN_FOR_READ]("/d.old/link", 0)).toBeUndefined();
        // The opener checks the opened file itself, whatever the path said.
        expect(await opener.read(join(root, "d", "f"), 0, root, 0)).toEqual({
          kind: "refused",
          outside: true,
        });
        // And RETR's own way answers as before.
        expect(await storage.stat("/d/f").catch((e: Error) => e.message)).toMatch(
          /leads outside the root/,
        );
      } finally {
        await opener.close();
      }
    },
  );

  it.skipIf(!hasProcFd).each([
    ["inline", true],
    ["on the worker", false],
  ])(
    "opens a file directly in the root by its name in the root's descriptor, never a symlink (%s)",
    async (_, inline) => {
      const storage = openingStorage();
      const opener = new FileOpener({ inline });
      try {
        await writeFile(join(root, "top"), "top");
        await writeFile(join(outside, "f"), "outside");
        await symlink(join(outside, "f"), join(root, "out-link"));
        await symlink(join(root, "top"), join(root, "in-link"));
        const before = fdTargets();
        const opened = (): string[] =>
          [...fdTargets()]
            .filter(([fd, to]) => !before.has(fd) && to.startsWith(dir))
            .map(([, to]) => to);
        const file = await storage[OPEN_FOR_READ]("/top", 0, opener);
        expect((await drain(file!)).toString()).toBe("top");
        // The storage keeps one descriptor, the root's, and reads through it from now on.
        expect(opened()).toEqual([root]);
        const openNow = (storage as Storage & { [OPEN_NOW]?: OpenNow })[OPEN_NOW];
        const whole = openNow?.("/top", opener)?.whole;
        expect(whole && Buffer.from(whole.chunk).toString()).toBe(inline ? "top" : undefined);
        expect((await drain((await storage[OPEN_FOR_READ]("/top", 3, opener))!)).length).toBe(0);
        // A symlink, in or out, is not followed there (RETR's own way tells which it is).
        for (const name of ["/out-link", "/in-link", "/missing", "/"]) {
          expect(await storage[OPEN_FOR_READ](name, 0, opener), name).toBeUndefined();
          expect(openNow?.(name, opener), name).toBeUndefined();
        }
        expect(await storage.stat("/out-link").catch((e: Error) => e.message)).toMatch(
          /leads outside the root/,
        );
        expect(opened()).toEqual([root]);
      } finally {
        await opener.close();
      }
    },
  );
});

describe("server: RETRs pipelined over one MODE B connection, folder storage", () => {
  let t: TestServer;
  afterEach(async () => {
    await t?.close();
  });

  const N = 40;
  const contents = Array.from({ length: N }, (_, i) => randomBytes(1000 + i * 997, i + 7));

  async function seeded(): Promise<void> {
    for (let i = 0; i < N; i++) await writeFile(join(root, "d", `f${i}`), contents[i]!);
    t = await startServer({ storage: folderStorage(root) });
  }

  async function modeB(c: RawControl): Promise<RawData> {
    expect((await c.cmd("TYPE I")).code).toBe(200);
    expect((await c.cmd("MODE B")).code).toBe(200);
    return c.epsv();
  }

  it("answers and sends every file in order, SIZE before each RETR", async () => {
    await seeded();
    const c = await t.control();
    const data = await modeB(c);
    let burst = "";
    for (let i = 0; i < N; i++) burst += `SIZE d/f${i}\r\nRETR d/f${i}\r\n`;
    c.sendRaw(burst);
    const decoder = createDecoder("B");
    const pending: ModeEvent[] = [];
    for (let i = 0; i < N; i++) {
      const size = await c.next();
      expect(`${size.code} ${size.message}`).toBe(`213 ${contents[i]!.length}`);
      expect((await c.next()).code).toBe(i === 0 ? 150 : 125);
      expect((await readFile(data, decoder, pending)).equals(contents[i]!), `f${i}`).toBe(true);
      expect((await c.next()).code).toBe(250);
    }
    expect(t.server.log.stats().dataConnections).toBe(1);
  });

  it("serves what a command between RETRs changed: CWD, DELE, REST", async () => {
    await seeded();
    await mkdir(join(root, "e"));
    await writeFile(join(root, "e", "f1"), "the other f1");
    const c = await t.control();
    const data = await modeB(c);
    c.sendRaw(
      "RETR d/f0\r\nRETR d/f1\r\nCWD e\r\nRETR f1\r\nDELE /d/f2\r\nRETR /d/f2\r\nREST 500\r\nRETR /d/f3\r\n",
    );
    const decoder = createDecoder("B");
    const pending: ModeEvent[] = [];
    const file = async (): Promise<Buffer> => {
      expect((await c.next()).code).toBeLessThan(200);
      const bytes = await readFile(data, decoder, pending);
      expect((await c.next()).code).toBe(250);
      return bytes;
    };
    expect((await file()).equals(contents[0]!)).toBe(true);
    expect((await file()).equals(contents[1]!)).toBe(true);
    expect((await c.next()).code).toBe(250);
    expect((await file()).toString()).toBe("the other f1");
    expect((await c.next()).code).toBe(250);
    expect((await c.next()).code).toBe(550);
    expect((await c.next()).code).toBe(350);
    expect((await file()).equals(Buffer.from(contents[3]!.subarray(500)))).toBe(true);
  });

  it.skipIf(!hasProcFd)(
    "opens at most the depth ahead, and closes them all when the session ends with RETRs queued",
    async () => {
      // Larger than one chunk: held open ahead (small ones are read whole and closed).
      const big = Array.from({ length: N }, (_, i) => randomBytes(100_000, i + 1));
      for (let i = 0; i < N; i++) await writeFile(join(root, "d", `f${i}`), big[i]!);
      const storage = openingStorage();
      const open = storage[OPEN_FOR_READ].bind(storage);
      let opens = 0;
      storage[OPEN_FOR_READ] = (p, o, opener) => {
        opens++;
        return open(p, o, opener);
      };
      const before = openFds();
      t = await startServer({ storage });
      const c = await t.control();
      const data = await modeB(c);
      let burst = "";
      for (let i = 0; i < N; i++) burst += `RETR d/f${i}\r\n`;
      c.sendRaw(burst);
      // One file arrived; the server has opened files ahead behind it. Then the client goes.
      expect((await readFile(data, createDecoder("B"), [])).equals(big[0]!)).toBe(true);
      expect(opens).toBeGreaterThan(1);
      data.close();
      c.close();
      await t.close();
      // The files whose transfer started (done, or cut when the client left), the one
      // whose turn had come, and at most the depth ahead of them.
      const started = t.server.log.count({ kind: "transfer" });
      expect(opens).toBeLessThanOrEqual(started + 1 + READ_AHEAD_DEPTH);
      // Only the root stays open: the storage keeps it for files directly in it.
      expect(openFds()).toBeLessThanOrEqual(before + 1);
    },
  );

  it.skipIf(!hasProcFd)(
    "refuses a RETR through a directory swapped for a symlink out",
    async () => {
      await seeded();
      const c = await t.control();
      const data = await modeB(c);
      c.send("RETR d/f0");
      expect((await c.next()).code).toBe(150);
      expect((await readFile(data, createDecoder("B"), [])).equals(contents[0]!)).toBe(true);
      expect((await c.next()).code).toBe(250);
      await rename(join(root, "d"), join(root, "d.old"));
      await symlink(outside, join(root, "d"));
      const refused = await c.cmd("RETR d/f");
      expect(refused.code).toBe(550);
      expect(refused.message).toMatch(/outside the root/);
    },
  );

  it("sends the small files of a pipelined run at once, with the replies and log of the usual way", async () => {
    for (let i = 0; i < N; i++) await writeFile(join(root, "d", `f${i}`), contents[i]!);
    // Counts the files sent at once (their bytes gathered without a wait).
    const gatherNow = DataConnection.prototype.gatherNow;
    let sentNow = 0;
    DataConnection.prototype.gatherNow = function (pieces) {
      const taken = gatherNow.call(this, pieces);
      if (taken) sentNow++;
      return taken;
    };
    onTestFinished(() => {
      DataConnection.prototype.gatherNow = gatherNow;
    });
    t = await startServer({ storage: folderStorage(root) });
    const run = async (): Promise<string[]> => {
      t.server.log.clear();
      const c = await t.control();
      const data = await modeB(c);
      let burst = "";
      for (let i = 0; i < N; i++) burst += `RETR d/f${i}\r\n`;
      c.sendRaw(`${burst}NOOP\r\n`);
      const decoder = createDecoder("B");
      const pending: ModeEvent[] = [];
      for (let i = 0; i < N; i++) {
        expect((await c.next()).code).toBe(i === 0 ? 150 : 125);
        expect((await readFile(data, decoder, pending)).equals(contents[i]!), `f${i}`).toBe(true);
        expect((await c.next()).code).toBe(250);
      }
      expect((await c.next()).code).toBe(200);
      await c.cmd("QUIT");
      await t.server.log.waitFor({ kind: "disconnect" });
      // Commands, replies and transfers; the passive port aside.
      return t.server.log.entries
        .filter((e) => ["command", "reply", "transfer"].includes(e.kind))
        .map((e) => {
          const {
            time: _time,
            session: _session,
            connection: _connection,
            ...rest
          } = e as unknown as Record<string, unknown>;
          return JSON.stringify(rest).replace(/\|\|\|\d+\|/, "|||port|");
        });
    };
    const now = await run();
    // Most files went at once: all but the first (its connection was opened for it) and
    // those over 32 KiB, or when a gathered write was in flight, the usual way.
    expect(sentNow).toBeGreaterThan(N / 2);
    sentNow = 0;
    // A fault on transfers that never fires: every file goes the usual way.
    t.server.faults = { dropData: { paths: ["/nowhere"], afterBytes: 0 } };
    const usual = await run();
    expect(sentNow).toBe(0);
    expect(now).toEqual(usual);
    expect(now.filter((e) => e.includes('"kind":"transfer"')).length).toBe(N);
  });

  it.skipIf(!hasProcFd)(
    "refuses a pipelined RETR through a directory swapped for a symlink out, or of a symlink",
    async () => {
      await seeded();
      const c = await t.control();
      const data = await modeB(c);
      c.sendRaw("RETR d/f0\r\nRETR d/f1\r\nNOOP\r\n");
      const decoder = createDecoder("B");
      const pending: ModeEvent[] = [];
      for (const i of [0, 1]) {
        expect((await c.next()).code).toBeLessThan(200);
        expect((await readFile(data, decoder, pending)).equals(contents[i]!)).toBe(true);
        expect((await c.next()).code).toBe(250);
      }
      expect((await c.next()).code).toBe(200);
      await rename(join(root, "d"), join(root, "d.old"));
      await symlink(outside, join(root, "d"));
      await symlink(join(outside, "f"), join(root, "d.old", "link"));
      c.sendRaw("RETR d/f\r\nRETR d.old/link\r\nRETR d.old/f2\r\nNOOP\r\n");
      const refused = await c.next();
      expect(refused.code).toBe(550);
      expect(refused.message).toMatch(/outside the root/);
      expect((await c.next()).code).toBe(550);
      expect((await c.next()).code).toBe(125);
      expect((await readFile(data, decoder, pending)).equals(contents[2]!)).toBe(true);
      expect((await c.next()).code).toBe(250);
      expect((await c.next()).code).toBe(200);
      expect(t.server.log.filter({ kind: "transfer" }).length).toBe(3);
    },
  );

  it("sends a SIZE answer held for the next reply before the session closes", async () => {
    await seeded();
    t.server.faults = { closeControl: { verb: "NOOP", when: "command" } };
    const c = await t.control();
    c.sendRaw("SIZE d/f0\r\nNOOP\r\n");
    const size = await c.next();
    expect(`${size.code} ${size.message}`).toBe(`213 ${contents[0]!.length}`);
    expect(await c.closedByServer()).toBe(true);
  });
});
