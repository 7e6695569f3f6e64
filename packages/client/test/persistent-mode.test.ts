import { FtpProtocolError, FtpTimeoutError } from "@ftpkit/errors";
import { createEncoder } from "@ftpkit/modes";
import type { MemoryStorage } from "@ftpkit/server";
import type { Socket } from "@ftpkit/socket";
import { describe, expect, it } from "vitest";
import { connect, type RetrievedFile, RetrieveInterruptedError } from "../src/index.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { equalBytes, ourServer, seedFiles } from "./helpers/our-server.ts";
import { type Handler, ScriptedServer } from "./helpers/scripted-server.ts";

async function readAll(files: AsyncIterable<RetrievedFile>): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const f of files) {
    if (!f.ok) throw f.error;
    out.set(f.path, await f.bytes());
  }
  return out;
}

function expectSame(got: Map<string, Uint8Array>, seed: Record<string, Uint8Array>): void {
  expect([...got.keys()]).toEqual(Object.keys(seed));
  for (const [path, bytes] of got) expect(equalBytes(bytes, seed[path]!), path).toBe(true);
}

describe("MODE B and C over one persistent data connection (@ftpkit/server)", () => {
  for (const mode of ["B", "C"] as const) {
    it(`MODE ${mode}: 1000 files over one data connection`, async () => {
      const seed = seedFiles(1000, (i) => (i * 53) % 700);
      await using ours = await ourServer(seed);
      await using session = await connect(ours.url, { sockets: ours.sockets });
      expectSame(await readAll(session.retrieve(Object.keys(seed), { mode })), seed);
      const stats = ours.server.log.stats();
      expect(stats.dataConnections).toBe(1);
      expect(stats.reusedTransfers).toBe(999);
      expect(session.stats.dataConnections).toBe(1);
      expect(session.stats.filesRetrieved).toBe(1000);
      // RETRs are written ahead in batches of 1024 (half the default window of 2048).
      expect(session.stats.writes).toBeLessThan(20);
      expect(ours.server.log.count({ kind: "command", verb: "EPSV" })).toBe(1);
    });
  }

  it("a later retrieve over the kept connection writes its first RETRs ahead at once", async () => {
    const seed = seedFiles(100, (i) => 100 + i);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const paths = Object.keys(seed);
    expectSame(await readAll(session.retrieve(paths, { mode: "B" })), seed);
    const before = { ...session.stats };
    expectSame(await readAll(session.retrieve(paths, { mode: "B" })), seed);
    // One round trip: the first file does not go alone. The first 32 RETRs go in one
    // write, then batches that double (to 64 written, then the other 36), right behind.
    expect(session.stats.roundTrips - before.roundTrips).toBe(1);
    expect(session.stats.writes - before.writes).toBe(3);
    expect(session.stats.dataConnections).toBe(1);
  });

  it("asks SIZE only until the 1yz proved to name the same size", async () => {
    const seed = seedFiles(50, (i) => 100 + i);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    for await (const f of session.retrieve(Object.keys(seed), { mode: "B" })) {
      expect(f.size).toBe(seed[f.path]!.length);
      expect(equalBytes(await f.bytes(), seed[f.path]!)).toBe(true);
    }
    expect(ours.server.log.count({ kind: "command", verb: "SIZE" })).toBe(1);
  });

  it("keeps asking SIZE when the 1yz names another size than SIZE did", async () => {
    const sockets = memoryAdapter();
    const files: Record<string, string> = { a: "alpha", b: "beta", c: "gamma" };
    let data: Socket | undefined;
    const retr: Handler = async (name, c) => {
      data ??= await c.takeData();
      // A 1yz whose "(N bytes)" is not the file's size (it counts something else).
      await c.reply(150, `Opening data connection for ${name} (4096 bytes)`);
      const e = createEncoder("B");
      const w = data.writable.getWriter();
      for (const chunk of [...e.data(c.server.files.get(name)!), ...e.eof()]) await w.write(chunk);
      w.releaseLock();
      await c.reply(226, "Transfer complete");
    };
    await using server = await ScriptedServer.start(sockets, {
      files,
      handlers: { MODE: (_a, c) => c.reply(200, "mode"), RETR: retr },
    });
    await using session = await connect(server.url, { sockets });
    const got: string[] = [];
    for await (const f of session.retrieve(Object.keys(files), { mode: "B" })) {
      expect(f.size).toBe(files[f.path]!.length);
      got.push(await f.text());
    }
    expect(got).toEqual(Object.values(files));
    expect(server.count("SIZE")).toBe(3);
  });

  it('"auto" picks MODE B on a server that takes it', async () => {
    const seed = seedFiles(5);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const modes: string[] = [];
    for await (const f of session.retrieve(Object.keys(seed))) {
      modes.push(f.mode);
      await f.discard();
    }
    expect(modes).toEqual(["B", "B", "B", "B", "B"]);
    expect(session.autoMode).toBe("B");
  });

  it("resumes a file whose persistent connection broke, then goes on in MODE B", async () => {
    const seed = seedFiles(10, () => 5000);
    await using ours = await ourServer(seed, {
      faults: { dropData: { afterBytes: 2345, verbs: ["RETR"], times: 1 } },
    });
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const files: RetrievedFile[] = [];
    const got = new Map<string, Uint8Array>();
    for await (const f of session.retrieve(Object.keys(seed), { mode: "B" })) {
      files.push(f);
      got.set(f.path, await f.bytes());
    }
    expectSame(got, seed);
    expect(ours.server.log.count({ kind: "command", verb: "REST" })).toBe(1);
  });

  it("break in the middle leaves the session usable (written-ahead RETRs absorbed)", async () => {
    const seed = seedFiles(30, () => 200_000);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets, timeout: 5000 });
    let n = 0;
    for await (const f of session.retrieve(Object.keys(seed), { mode: "B" })) {
      n++;
      if (n < 4) {
        await f.bytes();
        continue;
      }
      for await (const _chunk of f.body) break;
      break;
    }
    expect(await session.size("f0001.bin")).toBe(200_000);
    expectSame(await readAll(session.retrieve(["f0005.bin", "f0006.bin"], { mode: "B" })), {
      "f0005.bin": seed["f0005.bin"]!,
      "f0006.bin": seed["f0006.bin"]!,
    });
  });

  it("a break between files drops the connection: the files written ahead are not read as the next ones", async () => {
    const seed = seedFiles(60, () => 3000);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets, timeout: 5000 });
    const paths = Object.keys(seed);
    let n = 0;
    for await (const f of session.retrieve(paths, { mode: "B" })) {
      expect(equalBytes(await f.bytes(), seed[f.path]!)).toBe(true);
      if (++n === 5) break;
    }
    // Same size, other bytes: only the bytes tell the files apart.
    const changed = new Uint8Array(3000).fill(0x5a);
    (ours.server.storage as MemoryStorage).writeFile(paths[5]!, changed);
    const again = await readAll(session.retrieve(paths.slice(5, 10), { mode: "B" }));
    expect(equalBytes(again.get(paths[5]!)!, changed)).toBe(true);
    for (const p of paths.slice(6, 10)) expect(equalBytes(again.get(p)!, seed[p]!), p).toBe(true);
    expect(ours.server.log.stats().dataConnections).toBe(2);
  });

  it("switching from MODE B to MODE C opens a connection for C, then keeps it", async () => {
    const seed = seedFiles(20);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const paths = Object.keys(seed);
    expectSame(
      await readAll(session.retrieve(paths.slice(0, 10), { mode: "B" })),
      Object.fromEntries(paths.slice(0, 10).map((p) => [p, seed[p]!])),
    );
    expectSame(
      await readAll(session.retrieve(paths.slice(10), { mode: "C" })),
      Object.fromEntries(paths.slice(10).map((p) => [p, seed[p]!])),
    );
    expect(ours.server.log.stats().dataConnections).toBe(2);
  });

  it("verifies files with HASH when asked", async () => {
    const seed = seedFiles(3);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    expectSame(
      await readAll(session.retrieve(Object.keys(seed), { mode: "B", verify: true })),
      seed,
    );
    expect(ours.server.log.count({ kind: "command", verb: "HASH" })).toBe(3);
  });
});

describe("a MODE B server that closes the data connection after each file (Hermes)", () => {
  it("opens a new connection per file and keeps block framing", async () => {
    const sockets = memoryAdapter();
    const files: Record<string, string> = { a: "alpha", b: "beta", c: "gamma" };
    const retr: Handler = async (name, c) => {
      if (!c.hasData()) {
        await c.reply(425, "Use PORT or PASV first.");
        return;
      }
      const data = await c.takeData();
      await c.reply(150, "Opening data connection");
      const e = createEncoder("B");
      const w = data.writable.getWriter();
      for (const chunk of [...e.data(c.server.files.get(name)!), ...e.eof()]) await w.write(chunk);
      await w.close();
      await data.close();
      await c.reply(226, "Transfer complete");
    };
    await using server = await ScriptedServer.start(sockets, {
      files,
      handlers: { MODE: (a, c) => c.reply(a === "B" ? 200 : 504, "mode"), RETR: retr },
    });
    await using session = await connect(server.url, { sockets });
    const got: string[] = [];
    for await (const f of session.retrieve(Object.keys(files), { mode: "B" }))
      got.push(await f.text());
    expect(got).toEqual(Object.values(files));
    expect(server.dataConnections).toBe(3);
  });
});

describe("a MODE B server that sends the EOF marker and never the final reply", () => {
  it("times the final reply out: FtpTimeoutError, session closed, nothing hangs", async () => {
    const sockets = memoryAdapter();
    let data: Socket | undefined;
    const retr: Handler = async (name, c) => {
      data ??= await c.takeData();
      await c.reply(150, "Opening data connection");
      const e = createEncoder("B");
      const w = data.writable.getWriter();
      for (const chunk of [...e.data(c.server.files.get(name)!), ...e.eof()]) await w.write(chunk);
      w.releaseLock(); // and no 226
    };
    await using server = await ScriptedServer.start(sockets, {
      files: { a: "alpha" },
      handlers: { MODE: (_a, c) => c.reply(200, "mode"), RETR: retr },
    });
    await using session = await connect(server.url, { sockets, timeout: 300 });
    const run = (async () => {
      for await (const f of session.retrieve(["a"], { mode: "B", errors: "throw" })) await f.text();
    })();
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    // The session ended with the timeout: the retrieve says so, the timeout is the cause.
    expect(error).toBeInstanceOf(RetrieveInterruptedError);
    expect((error as RetrieveInterruptedError).cause).toBeInstanceOf(FtpTimeoutError);
    expect(session.open).toBe(false);
  });
});

describe("MODE E (GridFTP): the server connects to our PORT and keeps the connection", () => {
  function gridftp(): Record<string, Handler> {
    let cached: Socket | undefined;
    let target: { port: number } | undefined;
    const connectData = async (c: Parameters<Handler>[1]): Promise<Socket> => {
      if (cached !== undefined) return cached;
      const sockets = c.state.sockets as ReturnType<typeof memoryAdapter>;
      cached = await sockets.connect({ host: "127.0.0.1", port: target!.port });
      c.server.dataConnections++;
      return cached;
    };
    return {
      MODE: (a, c) =>
        a === "E" || a === "S"
          ? c.reply(200, `Mode set to ${a}.`)
          : c.reply(501, `'MODE ${a}' unrecognized transfer mode.`),
      PORT: (a, c) => {
        const n = a.split(",").map(Number);
        target = { port: n[4]! * 256 + n[5]! };
        cached = undefined;
        return c.reply(200, "PORT Command successful.");
      },
      RETR: async (name, c) => {
        const file = c.server.files.get(name);
        if (file === undefined) return c.reply(550, "not found");
        const reuse = cached !== undefined;
        const data = await connectData(c);
        await c.reply(
          reuse ? 125 : 150,
          reuse ? "Begin transfer (reusing existing data connection)" : "Beginning transfer.",
        );
        const e = createEncoder("E");
        const w = data.writable.getWriter();
        for (const chunk of [...e.data(file, 0), ...e.eof()]) await w.write(chunk);
        w.releaseLock();
        await c.reply(226, "Transfer Complete.");
      },
    };
  }

  it("retrieves 100 files over one cached data connection in MODE E", async () => {
    const sockets = memoryAdapter();
    const files: Record<string, string> = {};
    for (let i = 0; i < 100; i++) files[`f${i}`] = `gridftp file ${i} `.repeat(i % 7);
    const handlers = gridftp();
    await using server = await ScriptedServer.start(sockets, {
      files,
      greeting: "vm GridFTP Server 13.24 (gcc64, 1653033972-1) [Grid Community Toolkit 6.2] ready.",
      features: [" PARALLEL", " SPAS", " ERET", " SIZE", " REST STREAM"],
      handlers: {
        ...handlers,
        USER: (_a, c) => {
          c.state.sockets = sockets;
          return c.reply(331, "Password required");
        },
      },
    });
    await using session = await connect(server.url.replace("user:pass", "anonymous:x"), {
      sockets,
    });
    const got: string[] = [];
    for await (const f of session.retrieve(Object.keys(files))) {
      expect(f.mode).toBe("E");
      got.push(await f.text());
    }
    expect(got).toEqual(Object.values(files));
    expect(server.dataConnections).toBe(1);
    expect(server.count("PORT")).toBe(1);
    expect(server.commands).toContain("OPTS RETR Parallelism=1,1,1;");
  });
});

describe("HASH mismatch", () => {
  it("fails the file when the server's hash differs", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { a: "hello\n" },
      features: [" EPSV", " SIZE", " HASH SHA-256*;CRC32"],
      handlers: { HASH: (a, c) => c.reply(213, `SHA-256 0-6 ${"0".repeat(64)} ${a}`) },
    });
    await using session = await connect(server.url, { sockets });
    for await (const f of session.retrieve(["a"], { mode: "S", verify: true })) {
      await expect(f.bytes()).rejects.toBeInstanceOf(FtpProtocolError);
    }
  });
});
