/**
 * Servers that mishandle pipelining: 500s to the commands after the first of a write,
 * replies out of order, replies missing. The session falls back to one command at a
 * time (on the same connection when the replies are still in step, on a new one when
 * they are not) without losing or duplicating a byte.
 */

import { FtpProtocolError, FtpReplyError } from "@ftpkit/errors";
import { createSocketPair } from "@ftpkit/socket";
import { describe, expect, it } from "vitest";
import { ControlConnection } from "../src/control-connection.ts";
import { connect, type RetrievedFile, RetrieveInterruptedError } from "../src/index.ts";
import { fitsTransfer } from "../src/per-file-transfer.ts";
import { createStats } from "../src/stats.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { equalBytes, ourServer, seedFiles } from "./helpers/our-server.ts";
import { type BurstFault, ScriptedServer } from "./helpers/scripted-server.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function pair(pipelining = true) {
  const [client, server] = createSocketPair();
  const control = new ControlConnection(client, await client.opened, {
    timeout: 5000,
    pipelining,
    stats: createStats(),
    trace: undefined,
    maxLineLength: undefined,
    maxReplyLines: undefined,
  });
  const writer = server.writable.getWriter();
  const reader = server.readable.getReader();
  const say = (text: string) => writer.write(enc.encode(text));
  let pending = "";
  const lines = async (n: number): Promise<string[]> => {
    while (pending.split("\r\n").length - 1 < n) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += dec.decode(value);
    }
    const all = pending.split("\r\n");
    pending = all.slice(n).join("\r\n");
    return all.slice(0, n);
  };
  await say("220 hi\r\n");
  await control.greeting;
  return { control, say, lines };
}

describe("ControlConnection: 500s after a burst", () => {
  it("writes commands answered 500 in a burst again, one at a time, once nothing after them ran", async () => {
    const { control, say, lines } = await pair();
    await Promise.all([
      control.send("NOOP"),
      control.send("PWD"),
      lines(2),
      say('200 a\r\n257 "/"\r\n'),
    ]);
    const a = control.send("NOOP");
    const b = control.send("PWD");
    const c = control.send("NOOP");
    expect(await lines(3)).toEqual(["NOOP", "PWD", "NOOP"]);
    // The server takes the first command of the write and chokes on the rest.
    await say("200 first\r\n500 Syntax error\r\n500 Syntax error\r\n");
    expect((await a).code).toBe(200);
    expect(control.serial).toBe(true);
    expect(await lines(1)).toEqual(["PWD"]);
    await say('257 "/"\r\n');
    expect((await b).code).toBe(257);
    expect(await lines(1)).toEqual(["NOOP"]);
    await say("200 again\r\n");
    expect((await c).message).toBe("again");
    expect(control.open).toBe(true);
  });

  it("keeps the 500 when a command written after it was carried out (resending would reorder them)", async () => {
    const { control, say, lines } = await pair();
    await Promise.all([control.send("NOOP"), lines(1), say("200 a\r\n")]);
    const a = control.send("NOOP");
    const b = control.send("NOOP");
    const c = control.send("CWD", "pub");
    await lines(3);
    await say("200 ok\r\n500 Syntax error\r\n250 OK\r\n");
    expect((await a).code).toBe(200);
    expect((await b).code).toBe(500);
    expect((await c).code).toBe(250);
    // Nothing was written again, and the session goes on one command at a time.
    const d = control.send("NOOP");
    expect(await lines(1)).toEqual(["NOOP"]);
    await say("200 d\r\n");
    expect((await d).code).toBe(200);
    expect(control.serial).toBe(true);
  });

  it("a 500 to a verb never carried out before is the server's answer, not a choke", async () => {
    const { control, say, lines } = await pair();
    const a = control.send("NOOP");
    const b = control.send("XCRC", "a");
    await lines(2);
    await say("200 ok\r\n500 XCRC not understood\r\n");
    expect((await b).code).toBe(500);
    expect(control.serial).toBe(false);
    expect((await a).code).toBe(200);
  });
});

describe("ControlConnection: replies out of step", () => {
  it("marks pipelining trouble when replies to a burst do not fit", async () => {
    const { control, say, lines } = await pair();
    const size = control.send("SIZE", "a", { fits: (c) => c === 213 });
    const epsv = control.send("EPSV", undefined, { fits: (c) => c === 229 });
    await lines(2);
    await say("229 Entering Extended Passive Mode (|||4000|)\r\n");
    await expect(size).rejects.toBeInstanceOf(FtpProtocolError);
    await expect(epsv).rejects.toBeInstanceOf(FtpProtocolError);
    expect(control.open).toBe(false);
    expect(control.pipeliningTrouble).toBe(true);
  });

  it("does not blame pipelining when the commands went one at a time", async () => {
    const { control, say, lines } = await pair(false);
    const size = control.send("SIZE", "a", { fits: (c) => c === 213 });
    await lines(1);
    await say("229 Entering Extended Passive Mode (|||4000|)\r\n");
    await expect(size).rejects.toBeInstanceOf(FtpProtocolError);
    expect(control.pipeliningTrouble).toBe(false);
  });
});

describe("ControlConnection: commands behind a running transfer", () => {
  const retr = { transfer: true, fits: fitsTransfer } as const;
  const noop = { duringTransfer: true, fits: (c: number) => c === 200 } as const;

  it("matches a NOOP answered during the transfer (pyftpdlib) and one answered after it", async () => {
    for (const order of ["during", "after"] as const) {
      const { control, say, lines } = await pair();
      const transfer = control.send("RETR", "a", retr);
      const probe = control.send("NOOP", undefined, noop);
      await lines(2);
      await say(
        order === "during"
          ? "150 go\r\n200 noop\r\n226 done\r\n"
          : "150 go\r\n226 done\r\n200 noop\r\n",
      );
      expect((await transfer).code).toBe(226);
      expect((await probe).code).toBe(200);
      expect(control.answeredDuringTransfer).toBe(order === "during" ? 1 : 0);
      expect(control.open).toBe(true);
    }
  });

  it("gives a 500 that comes during the transfer to the command behind it (pure-ftpd)", async () => {
    const { control, say, lines } = await pair();
    const transfer = control.send("RETR", "a", retr);
    const probe = control.send("NOOP", undefined, noop);
    await lines(2);
    await say("150 go\r\n500 Unknown command\r\n226 done\r\n");
    expect((await probe).code).toBe(500);
    expect((await transfer).code).toBe(226);
  });

  it("writes a keepalive NOOP during a transfer even one command at a time, and none without a transfer", async () => {
    const { control, say, lines } = await pair(false);
    expect(control.keepalive()).toBe(false);
    const transfer = control.send("RETR", "a", retr);
    const after = control.send("PWD");
    await lines(1);
    await say("150 go\r\n");
    await Promise.resolve();
    expect(control.keepalive()).toBe(true);
    // Written at once, before PWD, which waits for the transfer.
    expect(await lines(1)).toEqual(["NOOP"]);
    await say("226 done\r\n200 noop\r\n");
    expect((await transfer).code).toBe(226);
    expect(await lines(1)).toEqual(["PWD"]);
    await say('257 "/"\r\n');
    expect((await after).code).toBe(257);
  });
});

async function readAll(files: AsyncIterable<RetrievedFile>): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for await (const f of files) out.set(f.path, await f.bytes());
  return out;
}

describe("a session over a server that mishandles pipelining mid-session", () => {
  const files = seedFiles(20);
  const names = Object.keys(files);

  async function run(fault: BurstFault, options: { timeout?: number } = {}) {
    const sockets = memoryAdapter();
    const server = await ScriptedServer.start(sockets, { files });
    const notices: string[] = [];
    const session = await connect(server.url, {
      sockets,
      ...options,
      trace: (e) => {
        if (e.type === "notice") notices.push(e.message);
      },
    });
    // One file while the server behaves (EPSV proven: the next ones go in one write).
    const first = await readAll(session.retrieve(names.slice(0, 1), { mode: "S" }));
    expect(session.pipelining).toBe(true);
    server.burst = fault;
    const rest = await readAll(session.retrieve(names.slice(1), { mode: "S" }));
    return { server, session, notices, got: new Map([...first, ...rest]) };
  }

  function checkAll(got: Map<string, Uint8Array>): void {
    expect([...got.keys()]).toEqual(names);
    for (const name of names) expect(equalBytes(got.get(name)!, files[name]!), name).toBe(true);
  }

  it("500 after the first command of each write: the same connection, one command at a time", async () => {
    const { server, session, got } = await run("500");
    await using _s = server;
    await using _c = session;
    checkAll(got);
    expect(session.pipelining).toBe(false);
    expect(server.mishandled.length).toBeGreaterThan(0);
    // Every RETR the server carried out was carried out once: no file twice.
    const carried = server.commands.filter((c) => c.startsWith("RETR")).length;
    const refused = server.mishandled.filter((c) => c.startsWith("RETR")).length;
    expect(carried - refused).toBe(names.length);
    expect(server.count("USER")).toBe(1);
  });

  it("replies missing after the first command of a write: a new connection, one command at a time", async () => {
    const { server, session, got, notices } = await run("drop", { timeout: 300 });
    await using _s = server;
    await using _c = session;
    checkAll(got);
    expect(session.pipelining).toBe(false);
    expect(server.count("USER")).toBe(2);
    expect(notices.some((n) => n.includes("reconnecting, one command at a time"))).toBe(true);
    expect(await session.size(names[3]!)).toBe(files[names[3]!]!.length);
  });

  it("replies out of order after a burst: a new connection, one command at a time", async () => {
    const { server, session, got } = await run("swap");
    await using _s = server;
    await using _c = session;
    checkAll(got);
    expect(session.pipelining).toBe(false);
    expect(server.count("USER")).toBe(2);
    expect(session.open).toBe(true);
  });

  it("single commands in one burst: the calls in it fail, the next call reconnects", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, { files });
    await using session = await connect(server.url, { sockets });
    await session.size(names[0]!);
    server.burst = "swap";
    const results = await Promise.allSettled([session.pwd(), session.size(names[1]!)]);
    expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(FtpProtocolError);
    expect(session.open).toBe(true);
    expect(await session.size(names[2]!)).toBe(files[names[2]!]!.length);
    expect(await session.pwd()).toBe("/");
    expect(server.count("USER")).toBe(2);
  });

  it("the working directory is replayed on the new connection", async () => {
    const sockets = memoryAdapter();
    const cwds: string[] = [];
    await using server = await ScriptedServer.start(sockets, {
      files,
      handlers: {
        CWD: (a, c) => {
          cwds.push(a);
          return c.reply(250, "OK");
        },
      },
    });
    await using session = await connect(`${server.url}pub`, { sockets });
    await session.cd("sub");
    server.burst = "swap";
    const burst = await Promise.allSettled([session.pwd(), session.size("f0000.bin")]);
    expect(burst.map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect(await session.pwd()).toBe("/");
    expect(cwds).toEqual(["pub", "sub", "pub", "sub"]);
  });

  it("a 421 after a burst is not retried: the session has ended, with a typed error", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files,
      handlers: {
        RETR: (_a, c) => c.reply(421, "Too many commands, closing control connection."),
      },
    });
    await using session = await connect(server.url, { sockets });
    const error = await readAll(session.retrieve(names.slice(0, 3), { mode: "S" })).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetrieveInterruptedError);
    expect((error as RetrieveInterruptedError).code).toBe(421);
    expect((error as RetrieveInterruptedError).remaining).toEqual(names.slice(0, 3));
    expect(session.open).toBe(false);
    await expect(session.pwd()).rejects.toBeInstanceOf(FtpReplyError);
    expect(server.count("USER")).toBe(1);
  });
});

describe("RETRs written ahead over a persistent connection, answered 500", () => {
  it("are written again one at a time, in order, and every file arrives intact (MODE B)", async () => {
    const seed = seedFiles(40);
    const names = Object.keys(seed);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    // The first window written ahead (files 2 to 9, behind file 1) is "not understood".
    ours.server.faults = {
      replies: [{ verb: "RETR", argument: /^f000[2-9]\.bin$/, code: 500, times: 8 }],
    };
    const got = new Map<string, Uint8Array>();
    for await (const f of session.retrieve(names, { mode: "B", lookahead: 8 })) {
      got.set(f.path, await f.bytes());
    }
    expect([...got.keys()]).toEqual(names);
    for (const name of names) expect(equalBytes(got.get(name)!, seed[name]!), name).toBe(true);
    expect(ours.server.log.count({ kind: "fault" })).toBe(8);
    expect(session.pipelining).toBe(false);
    // Still one data connection: the resent RETRs kept the order of the files on it.
    expect(ours.server.log.stats().dataConnections).toBe(1);
  });

  it("are not written again when a later RETR was carried out: those files fail, the rest is intact", async () => {
    const seed = seedFiles(20);
    const names = Object.keys(seed);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    ours.server.faults = { replies: [{ verb: "RETR", argument: "f0003.bin", code: 500 }] };
    const outcome = new Map<string, boolean>();
    for await (const f of session.retrieve(names, { mode: "B", lookahead: 8 })) {
      if (!f.ok) {
        outcome.set(f.path, false);
        continue;
      }
      expect(equalBytes(await f.bytes(), seed[f.path]!), f.path).toBe(true);
      outcome.set(f.path, true);
    }
    expect([...outcome].filter(([, ok]) => !ok).map(([p]) => p)).toEqual(["f0003.bin"]);
    expect(outcome.size).toBe(names.length);
  });
});
