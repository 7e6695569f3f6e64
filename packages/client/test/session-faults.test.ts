/**
 * The control connection dropped in the middle of a retrieve, a 421, and
 * `resumeRetrieve()` carrying the rest of the list over to new sessions.
 */

import { FtpReplyError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import {
  connect,
  type RetrievedFile,
  RetrieveInterruptedError,
  resumeRetrieve,
  type Session,
  type TraceEvent,
  type UsedMode,
} from "../src/index.ts";
import { equalBytes, ourServer, seedFiles } from "./helpers/our-server.ts";

const seed = seedFiles(8, (i) => 20_000 + i * 1000);
const names = Object.keys(seed);

/** Reads every file into `saved`; returns what the loop threw. */
async function save(
  files: AsyncIterable<RetrievedFile>,
  saved: Map<string, Uint8Array>,
  onFile?: (n: number) => void,
): Promise<unknown> {
  try {
    let n = 0;
    for await (const f of files) {
      saved.set(f.path, await f.bytes());
      onFile?.(++n);
    }
    return undefined;
  } catch (error) {
    return error;
  }
}

function intact(saved: Map<string, Uint8Array>): void {
  expect([...saved.keys()].sort()).toEqual([...names].sort());
  for (const name of names) expect(equalBytes(saved.get(name)!, seed[name]!), name).toBe(true);
}

describe("the control connection dropped during a transfer", () => {
  for (const mode of ["S", "B"] as UsedMode[]) {
    it(`MODE ${mode}: the body rejects with a RetrieveInterruptedError; resumeRetrieve finishes the list`, async () => {
      await using ours = await ourServer(seed);
      const open = (): Promise<Session> => connect(ours.url, { sockets: ours.sockets });
      const session = await open();
      const saved = new Map<string, Uint8Array>();
      // The server closes the control connection 5000 bytes into the fourth file (however
      // far ahead of the reader it is).
      ours.server.faults = {
        closeControl: {
          verb: "RETR",
          when: "transfer",
          afterBytes: 5000,
          paths: [`/${names[3]}`],
          times: 1,
        },
      };
      const error = await save(session.retrieve(names, { mode }), saved);
      expect(error).toBeInstanceOf(RetrieveInterruptedError);
      const e = error as RetrieveInterruptedError;
      expect(e.completed).toEqual(names.slice(0, 3));
      expect(e.remaining).toEqual(names.slice(3));
      expect(session.open).toBe(false);
      await session.close();
      const before = ours.server.log.sessions().length;
      for await (const f of resumeRetrieve(e, open, { mode })) saved.set(f.path, await f.bytes());
      intact(saved);
      // One new session, closed at the end.
      expect(ours.server.log.sessions().length).toBe(before + 1);
      await ours.server.log.waitFor((e) => e.kind === "disconnect" && e.session === before + 1);
    });
  }

  it("a body not read when the session ended: the loop throws it at the next file", async () => {
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    ours.server.faults = { closeControl: { verb: "RETR", when: "command", times: 1 } };
    const error = await save(session.retrieve(names, { mode: "S" }), new Map());
    expect(error).toBeInstanceOf(RetrieveInterruptedError);
    expect((error as RetrieveInterruptedError).completed).toEqual([]);
    expect((error as RetrieveInterruptedError).remaining).toEqual(names);
  });

  it("resumeRetrieve opens another session when the next one ends between files", async () => {
    await using ours = await ourServer(seed);
    const open = (): Promise<Session> => connect(ours.url, { sockets: ours.sockets });
    const session = await open();
    const saved = new Map<string, Uint8Array>();
    let n = 0;
    const first = (await save(session.retrieve(names, { mode: "S" }), saved, () => {
      // From the third file on, the next two RETRs (this session's and the first
      // resumed one's) end their session as they arrive.
      if (++n === 2)
        ours.server.faults = { closeControl: { verb: "RETR", when: "command", times: 2 } };
    })) as RetrieveInterruptedError;
    expect(first).toBeInstanceOf(RetrieveInterruptedError);
    expect(first.completed).toEqual(names.slice(0, 2));
    await session.close();
    const sessionsBefore = ours.server.log.sessions().length;
    for await (const f of resumeRetrieve(first, open, { mode: "S" }))
      saved.set(f.path, await f.bytes());
    intact(saved);
    expect(ours.server.log.count({ kind: "fault" })).toBe(2);
    // The first resumed session ended at once; the second carried the rest.
    expect(ours.server.log.sessions().length).toBe(sessionsBefore + 2);
  });

  it("a body cut by the end of a resumed session: its error covers the whole list; resume again", async () => {
    await using ours = await ourServer(seed);
    const open = (): Promise<Session> => connect(ours.url, { sockets: ours.sockets });
    const session = await open();
    const saved = new Map<string, Uint8Array>();
    let n = 0;
    const cut = (): void => {
      ours.server.faults = {
        closeControl: { verb: "RETR", when: "transfer", afterBytes: 3000, times: 1 },
      };
    };
    const first = (await save(session.retrieve(names, { mode: "S" }), saved, () => {
      if (++n === 2) cut();
    })) as RetrieveInterruptedError;
    await session.close();
    expect(first.completed).toEqual(names.slice(0, 2));
    let m = 0;
    const second = (await save(resumeRetrieve(first, open, { mode: "S" }), saved, () => {
      if (++m === 3) cut();
    })) as RetrieveInterruptedError;
    expect(second).toBeInstanceOf(RetrieveInterruptedError);
    expect(second.completed).toEqual(names.slice(0, 5));
    expect(second.remaining).toEqual(names.slice(5));
    for await (const f of resumeRetrieve(second, open, { mode: "S" }))
      saved.set(f.path, await f.bytes());
    intact(saved);
  });

  it("after the last allowed session, the error lists everything completed so far", async () => {
    await using ours = await ourServer(seed);
    const open = (): Promise<Session> => connect(ours.url, { sockets: ours.sockets });
    const session = await open();
    const saved = new Map<string, Uint8Array>();
    let n = 0;
    const first = (await save(session.retrieve(names, { mode: "S" }), saved, () => {
      if (++n === 2)
        ours.server.faults = { closeControl: { verb: "RETR", when: "command", times: 3 } };
    })) as RetrieveInterruptedError;
    await session.close();
    expect(first.completed).toEqual(names.slice(0, 2));
    const again = await save(resumeRetrieve(first, open, { mode: "S", sessions: 2 }), saved);
    expect(again).toBeInstanceOf(RetrieveInterruptedError);
    const e = again as RetrieveInterruptedError;
    expect(e.completed).toEqual(names.slice(0, 2));
    expect(e.remaining).toEqual(names.slice(2));
    expect(e.message).toContain("interrupted again");
    expect(ours.server.log.count({ kind: "fault" })).toBe(3);
  });

  it("a session that cannot be opened is a RetrieveInterruptedError with the cause", async () => {
    await using ours = await ourServer(seed);
    const interrupted = new RetrieveInterruptedError("ended", {
      completed: names.slice(0, 1),
      remaining: names.slice(1),
    });
    const open = (): Promise<Session> =>
      connect(ours.url.replace("u:p", "u:wrong"), { sockets: ours.sockets });
    const error = await save(resumeRetrieve(interrupted, open), new Map());
    expect(error).toBeInstanceOf(RetrieveInterruptedError);
    expect((error as RetrieveInterruptedError).cause).toBeInstanceOf(FtpReplyError);
    expect((error as RetrieveInterruptedError).remaining).toEqual(names.slice(1));
  });
});

describe("several lanes (concurrency) when control connections end", () => {
  it("a lane that ends hands its file to the other lanes: every file arrives, in list order", async () => {
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    let n = 0;
    const saved = new Map<string, Uint8Array>();
    const order: string[] = [];
    const error = await save(session.retrieve(names, { mode: "S", concurrency: 3 }), saved, () => {
      order.push([...saved.keys()].at(-1)!);
      if (++n === 1)
        ours.server.faults = { closeControl: { verb: "RETR", when: "command", times: 1 } };
    });
    expect(error).toBeUndefined();
    expect(order).toEqual(names);
    intact(saved);
    expect(ours.server.log.count({ kind: "fault" })).toBe(1);
  });

  it("the lane of the file you wait for ends while the other lane holds a later one: a new lane takes it", async () => {
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    // The first RETR to arrive (file 0 or 1) loses its lane; the other lane's file then
    // waits to be read, behind the handed-back one.
    ours.server.faults = { closeControl: { verb: "RETR", when: "command", times: 1 } };
    const saved = new Map<string, Uint8Array>();
    const order: string[] = [];
    const error = await save(session.retrieve(names, { mode: "S", concurrency: 2 }), saved, () => {
      order.push([...saved.keys()].at(-1)!);
    });
    expect(error).toBeUndefined();
    expect(order).toEqual(names);
    intact(saved);
    // Two lanes at the start, one in place of the lost one.
    expect(ours.server.log.count({ kind: "fault" })).toBe(1);
    expect(ours.server.log.commands().filter((c) => c === "USER")).toHaveLength(3);
  });

  it("no new lane can log in: the handed-back file fails, the others arrive, nothing hangs", async () => {
    await using ours = await ourServer(seed);
    const closeFirstRetr = { verb: "RETR", when: "command", times: 1 } as const;
    // Once both lanes are in (they log in before any RETR), nobody else gets in.
    let locked = false;
    const trace = (e: TraceEvent): void => {
      if (locked || e.type !== "command" || !e.line.startsWith("RETR ")) return;
      locked = true;
      ours.server.faults = {
        closeControl: closeFirstRetr,
        replies: [{ verb: "PASS", code: 530, text: "No more sessions" }],
      };
    };
    await using session = await connect(ours.url, { sockets: ours.sockets, trace });
    const results: { path: string; ok: boolean }[] = [];
    for await (const f of session.retrieve(names, { mode: "S", concurrency: 2 })) {
      if (f.ok) expect(equalBytes(await f.bytes(), seed[f.path]!), f.path).toBe(true);
      results.push({ path: f.path, ok: f.ok });
    }
    expect(results.map((r) => r.path)).toEqual(names);
    expect(results.filter((r) => !r.ok)).toHaveLength(1);
  });

  it("when every lane has ended: a RetrieveInterruptedError with what completed", async () => {
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    let n = 0;
    const saved = new Map<string, Uint8Array>();
    const error = await save(session.retrieve(names, { mode: "S", concurrency: 2 }), saved, () => {
      if (++n === 2) ours.server.faults = { closeControl: { verb: "RETR", when: "command" } };
    });
    expect(error).toBeInstanceOf(RetrieveInterruptedError);
    const e = error as RetrieveInterruptedError;
    expect([...e.completed, ...e.remaining].sort()).toEqual([...names].sort());
    expect(e.completed).toEqual(expect.arrayContaining([...saved.keys()]));
    expect(e.remaining.length).toBeGreaterThan(0);
    expect(session.open).toBe(false);
  });
});

describe("421: the server closes the session", () => {
  it("421 to a RETR mid-list: a typed error with the code, the session marked closed, no hang", async () => {
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const error = await save(session.retrieve(names, { mode: "S" }), new Map(), (n) => {
      if (n === 2)
        ours.server.faults = { replies: [{ verb: "RETR", code: 421, text: "Shutting down" }] };
    });
    expect(error).toBeInstanceOf(RetrieveInterruptedError);
    const e = error as RetrieveInterruptedError;
    expect(e.code).toBe(421);
    expect(e.completed).toEqual(names.slice(0, 2));
    expect(session.open).toBe(false);
    await expect(session.size(names[0]!)).rejects.toMatchObject({ code: 421 });
    await session.close();
  });

  it("421 while idle (the server's idle timeout) ends the session; the next call fails typed", async () => {
    await using ours = await ourServer(seed, { limits: { loginFailureDelay: 0, idleTimeout: 50 } });
    await using session = await connect(ours.url, { sockets: ours.sockets });
    await ours.server.log.waitFor({ kind: "reply", code: 421 });
    await expect(session.pwd()).rejects.toBeInstanceOf(FtpReplyError);
    expect(session.open).toBe(false);
  });

  it("421 as the greeting (too many sessions) is a FtpReplyError from connect", async () => {
    await using ours = await ourServer(seed, { limits: { loginFailureDelay: 0, maxSessions: 1 } });
    await using first = await connect(ours.url, { sockets: ours.sockets });
    await expect(connect(ours.url, { sockets: ours.sockets })).rejects.toMatchObject({
      code: 421,
    });
    expect(first.open).toBe(true);
  });
});
