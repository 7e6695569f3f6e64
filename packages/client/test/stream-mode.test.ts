import { FtpReplyError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { connect, type RetrievedFile } from "../src/index.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { type Handler, ScriptedServer } from "./helpers/scripted-server.ts";

const enc = new TextEncoder();

async function texts(files: AsyncIterable<RetrievedFile>): Promise<(string | undefined)[]> {
  const out: (string | undefined)[] = [];
  for await (const f of files) out.push(f.ok ? await f.text() : undefined);
  return out;
}

describe("MODE S: a fresh data connection per file", () => {
  it("sends one EPSV per RETR and never reuses a data connection", async () => {
    const sockets = memoryAdapter();
    const files: Record<string, string> = {};
    for (let i = 0; i < 20; i++) files[`f${i}`] = `content ${i}`;
    await using server = await ScriptedServer.start(sockets, { files });
    await using session = await connect(server.url, { sockets });
    expect(await texts(session.retrieve(Object.keys(files), { mode: "S" }))).toEqual(
      Object.values(files),
    );
    const wire = server.commands.filter((c) => /^(EPSV|PASV|RETR)/.test(c));
    expect(wire).toHaveLength(40);
    for (let i = 0; i < wire.length; i += 2) {
      expect(wire[i]).toBe("EPSV");
      expect(wire[i + 1]).toBe(`RETR f${i / 2}`);
    }
    expect(server.dataConnections).toBe(20);
    expect(session.stats.dataConnections).toBe(20);
  });

  it("pipelines SIZE, EPSV and RETR in one write once EPSV has worked", async () => {
    const sockets = memoryAdapter();
    const files = { a: "1", b: "22", c: "333", d: "4444" };
    await using server = await ScriptedServer.start(sockets, { files });
    await using session = await connect(server.url, { sockets });
    const before = { ...session.stats };
    expect(await texts(session.retrieve(["a", "b", "c", "d"], { mode: "S" }))).toEqual([
      "1",
      "22",
      "333",
      "4444",
    ]);
    // File a: [SIZE, EPSV] then [RETR] (EPSV not yet proven); b, c, d: one write each.
    // (A server not known to hold commands during transfers: nothing is written ahead.)
    expect(session.stats.writes - before.writes).toBe(5);
    expect(session.stats.roundTrips - before.roundTrips).toBe(5);
  });

  it("logs in with one write after the greeting", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets);
    await using session = await connect(server.url, { sockets });
    expect(server.commands.slice(0, 4)).toEqual(["USER user", "PASS pass", "FEAT", "TYPE I"]);
    expect(session.stats.roundTrips).toBe(1);
    expect(server.controlChunks).toBe(1);
  });

  it("falls back from EPSV to PASV once and remembers it", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { a: "A", b: "B" },
      handlers: { EPSV: (_a, c) => c.reply(502, "EPSV not implemented") },
    });
    await using session = await connect(server.url, { sockets });
    expect(await texts(session.retrieve(["a", "b"], { mode: "S" }))).toEqual(["A", "B"]);
    expect(server.count("EPSV")).toBe(1);
    expect(server.count("PASV")).toBe(2);
  });

  it("ignores the host of a 227 reply unless told to trust it (CVE-2020-8284)", async () => {
    const sockets = memoryAdapter();
    const pasv: Handler = async (_a, c) => {
      const l = await c.listen();
      c.state.data = l.accept();
      (c.state.data as Promise<unknown>).catch(() => {});
      await c.reply(227, `Entering Passive Mode (127,0,0,2,${l.port >> 8},${l.port & 255}).`);
    };
    const retr: Handler = async (a, c) => {
      const data = (await c.state.data) as import("@ftpkit/socket").Socket;
      await c.reply(150, "go");
      const w = data.writable.getWriter();
      await w.write(enc.encode(`file ${a}`));
      await w.close();
      await c.reply(226, "done");
    };
    await using server = await ScriptedServer.start(sockets, {
      files: { a: "x" },
      handlers: { EPSV: (_a, c) => c.reply(500, "no"), PASV: pasv, RETR: retr },
    });
    {
      await using session = await connect(server.url, { sockets });
      expect(await texts(session.retrieve(["a"], { mode: "S", size: false }))).toEqual(["file a"]);
      expect(sockets.connectedHosts).not.toContain("127.0.0.2");
    }
    {
      // The named host refuses; the scripted server never answers RETR then, so the
      // session's reply timeout ends it.
      await using session = await connect(server.url, {
        sockets,
        trustPasvHost: true,
        timeout: 300,
      });
      const files = await collect(session.retrieve(["a"], { mode: "S", size: false })).catch(
        (e: unknown) => e,
      );
      expect(files).toBeInstanceOf(Error);
      expect(sockets.connectedHosts).toContain("127.0.0.2");
    }
  });

  it("reports a 550 for that file and goes on; errors: throw stops", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, { files: { a: "A", c: "C" } });
    await using session = await connect(server.url, { sockets });
    const results: RetrievedFile[] = [];
    for await (const f of session.retrieve(["a", "missing", "c"], { mode: "S" })) {
      results.push(f);
      if (f.ok) await f.bytes();
    }
    expect(results.map((f) => f.ok)).toEqual([true, false, true]);
    expect(results[1]!.error).toBeInstanceOf(FtpReplyError);
    expect(results[1]!.error!.code).toBe(550);
    await expect(results[1]!.bytes()).rejects.toBeInstanceOf(FtpReplyError);
    await expect(
      texts(session.retrieve(["a", "missing", "c"], { mode: "S", errors: "throw" })),
    ).rejects.toMatchObject({
      code: 550,
    });
    expect(await session.size("c")).toBe(1);
  });

  it("refuses CR, LF and NUL in a path before anything is sent", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, { files: { a: "A" } });
    await using session = await connect(server.url, { sockets });
    const seen = server.commands.length;
    const results = await collect(
      session.retrieve(["a\r\nDELE b", "x\ny", "nul\0", "a"], { mode: "S" }),
    );
    expect(results.map((f) => f.ok)).toEqual([false, false, false, true]);
    for (const f of results.slice(0, 3)) expect(f.error).toBeInstanceOf(FtpUsageError);
    const sent = server.commands.slice(seen);
    expect(sent.some((c) => c.includes("DELE"))).toBe(false);
    expect(sent.filter((c) => c.startsWith("RETR"))).toEqual(["RETR a"]);
    await expect(session.size("a\rb")).rejects.toBeInstanceOf(FtpUsageError);
    await expect(session.send("NOOP\r\nDELE a")).rejects.toBeInstanceOf(FtpUsageError);
    await expect(session.cd("x\0y")).rejects.toBeInstanceOf(FtpUsageError);
  });

  it("handles 125 as well as 150, and a 150 sent before the data connection opened", async () => {
    const sockets = memoryAdapter();
    const retr: Handler = async (a, c) => {
      // pyftpdlib: the 1xx comes at once, before the client connected.
      await c.reply(a === "a" ? 150 : 125, "File status okay. About to open data connection.");
      const data = await c.takeData();
      const w = data.writable.getWriter();
      await w.write(c.server.files.get(a)!);
      await w.close();
      await c.reply(226, "Transfer complete.");
    };
    await using server = await ScriptedServer.start(sockets, {
      files: { a: "AAA", b: "BB" },
      handlers: { RETR: retr },
    });
    await using session = await connect(server.url, { sockets });
    expect(await texts(session.retrieve(["a", "b"], { mode: "S" }))).toEqual(["AAA", "BB"]);
  });
});

describe("MODE S integrity: SIZE, 426, resume with REST", () => {
  const body = enc.encode("0123456789".repeat(100));

  function cuttingRetr(cuts: number[], finalCode: number): Handler {
    return async (a, c) => {
      const file = c.server.files.get(a)!;
      const data = await c.takeData();
      await c.reply(150, "go");
      const start = c.rest;
      c.rest = 0;
      const cut = cuts.shift();
      const end = cut === undefined ? file.length : Math.min(file.length, start + cut);
      const w = data.writable.getWriter();
      await w.write(file.subarray(start, end));
      await w.close();
      await c.reply(
        end < file.length ? finalCode : 226,
        end < file.length ? "Connection closed; transfer aborted." : "OK",
      );
    };
  }

  it("resumes a transfer cut with 426 at the offset reached, without duplicated or missing bytes", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { big: body },
      handlers: { RETR: cuttingRetr([123, 456], 426) },
    });
    await using session = await connect(server.url, { sockets });
    const [file] = await collect(session.retrieve(["big"], { mode: "S" }), true);
    expect(file).toEqual(body);
    expect(server.commands.filter((c) => c.startsWith("REST"))).toEqual(["REST 123", "REST 579"]);
  });

  it("resumes when fewer bytes than SIZE arrived although the server said 226", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { big: body },
      handlers: { RETR: cuttingRetr([500], 226) },
    });
    await using session = await connect(server.url, { sockets });
    const [file] = await collect(session.retrieve(["big"], { mode: "S" }), true);
    expect(file).toEqual(body);
    expect(server.commands.filter((c) => c.startsWith("REST"))).toEqual(["REST 500"]);
  });

  it("skips the bytes it has when the server refuses REST", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { big: body },
      handlers: {
        RETR: cuttingRetr([300], 426),
        REST: (_a, c) => c.reply(502, "REST not implemented"),
      },
    });
    await using session = await connect(server.url, { sockets });
    const [file] = await collect(session.retrieve(["big"], { mode: "S" }), true);
    expect(file).toEqual(body);
  });

  it("gives up after the allowed resumes with a TruncatedTransferError", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { big: body, ok: "fine" },
      handlers: { RETR: cuttingRetr([10, 10, 10, 10, 10, 10, 10, 10], 426) },
    });
    await using session = await connect(server.url, { sockets });
    const it = session.retrieve(["big", "ok"], { mode: "S", retries: 2 });
    const first = await it.next();
    const file = first.value as RetrievedFile;
    const error = await file.bytes().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TruncatedTransferError);
    expect((error as TruncatedTransferError).bytesDelivered).toBe(30);
    expect(server.commands.filter((c) => c.startsWith("REST"))).toHaveLength(2);
    await it.return(undefined);
    expect(await session.size("ok")).toBe(4);
  });

  it("treats a huge SIZE as a claim, never as an allocation", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { a: "tiny" },
      handlers: { SIZE: (_a, c) => c.reply(213, String(2 ** 52)) },
    });
    await using session = await connect(server.url, { sockets });
    const [file] = await collect(session.retrieve(["a"], { mode: "S", retries: 1 }));
    expect(file!.size).toBe(2 ** 52);
    await expect(file!.bytes()).rejects.toBeInstanceOf(TruncatedTransferError);
  });
});

async function collect(files: AsyncIterable<RetrievedFile>): Promise<RetrievedFile[]>;
async function collect(files: AsyncIterable<RetrievedFile>, read: true): Promise<Uint8Array[]>;
async function collect(files: AsyncIterable<RetrievedFile>, read = false): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const f of files) {
    if (read) out.push(await f.bytes());
    else {
      out.push(f);
      if (f.ok) await f.discard();
    }
  }
  return out;
}
