/**
 * `keepalive: { intervalMs }`: NOOPs on the control connection while a transfer runs.
 * The ticks come from an injected timer and the server's data from a gate the test
 * opens, so nothing waits on real time.
 */

import type { Socket } from "@ftpkit/socket";
import { describe, expect, it } from "vitest";
import { deferred } from "../src/deferred.ts";
import { connect, type KeepaliveTimer, type TraceEvent } from "../src/index.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { equalBytes, ourServer, seedFiles } from "./helpers/our-server.ts";
import { type Handler, ScriptedServer } from "./helpers/scripted-server.ts";

/** A timer the test drives: `tick()` runs the keepalive's callback once. */
function manualTimer(): {
  timer: KeepaliveTimer;
  tick(): void;
  started: Promise<void>;
  readonly running: boolean;
} {
  let callback: (() => void) | undefined;
  let started = deferred<void>();
  const t = {
    timer: ((tick: () => void) => {
      callback = tick;
      started.resolve();
      return () => {
        if (callback === tick) callback = undefined;
        started = deferred<void>();
      };
    }) as KeepaliveTimer,
    tick: () => callback?.(),
    get started() {
      return started.promise;
    },
    get running() {
      return callback !== undefined;
    },
  };
  return t;
}

/** What happened on the wire, as short strings: "> NOOP", "< 226". */
function wire(): {
  events: string[];
  trace: (e: TraceEvent) => void;
  until(seen: (events: string[]) => boolean): Promise<void>;
} {
  const events: string[] = [];
  const waiters: { seen: (events: string[]) => boolean; done: () => void }[] = [];
  return {
    events,
    trace: (e) => {
      if (e.type === "command") events.push(`> ${e.line.split(" ")[0]}`);
      else if (e.type === "reply") events.push(`< ${e.reply.code}`);
      else return;
      for (const w of waiters.splice(0)) {
        if (w.seen(events)) w.done();
        else waiters.push(w);
      }
    },
    until: (seen) =>
      seen(events)
        ? Promise.resolve()
        : new Promise<void>((done) => {
            waiters.push({ seen, done });
          }),
  };
}

describe("keepalive NOOPs during a transfer", () => {
  it("against a server that answers them after the transfer (@ftpkit/server, like vsftpd)", async () => {
    const seed = seedFiles(2, () => 10_000);
    const [name] = Object.keys(seed);
    let holding = true;
    const held: (() => void)[] = [];
    const slowed = deferred<void>();
    await using ours = await ourServer(seed, {
      // The data goes 1000 bytes at a time; each pause waits for the test.
      faults: { slowData: { chunkBytes: 1000, delayMs: 1 } },
      sleep: () => {
        if (!holding) return Promise.resolve();
        slowed.resolve();
        return new Promise<void>((resolve) => held.push(resolve));
      },
    });
    const clock = manualTimer();
    const w = wire();
    await using session = await connect(ours.url, {
      sockets: ours.sockets,
      keepalive: { intervalMs: 30_000, timer: clock.timer },
      trace: w.trace,
    });
    for await (const file of session.retrieve([name!], { mode: "S" })) {
      const body = file.bytes();
      await Promise.all([slowed.promise, clock.started]);
      for (let i = 0; i < 3; i++) clock.tick();
      holding = false;
      for (const release of held.splice(0)) release();
      expect(equalBytes(await body, seed[name!]!)).toBe(true);
    }
    // Written while the transfer ran (between its 150 and its 226), answered after it.
    const from = w.events.indexOf("< 150");
    const to = w.events.indexOf("< 226");
    expect(w.events.slice(from, to).filter((e) => e === "> NOOP")).toHaveLength(3);
    // The ticks stop with the transfer; one more sends nothing.
    expect(clock.running).toBe(false);
    clock.tick();
    expect(await session.size(name!)).toBe(10_000);
    // The first replies after the 226 (SIZE's is queued behind them) are the NOOPs'.
    const after = w.events.slice(to + 1).filter((e) => e.startsWith("<"));
    expect(after.slice(0, 4)).toEqual(["< 200", "< 200", "< 200", "< 213"]);
    expect(ours.server.log.count({ kind: "command", verb: "NOOP" })).toBe(3);
  });

  for (const [server, code] of [
    ["pyftpdlib", 200],
    ["pure-ftpd", 500],
  ] as const) {
    it(`against a server that answers them during the transfer (${server}: ${code})`, async () => {
      const sockets = memoryAdapter();
      const body = new Uint8Array(50_000).map((_, i) => i % 251);
      const gate = deferred<void>();
      let transfer: Promise<void> | undefined;
      // The transfer runs on its own, so the next commands are answered at once.
      const retr: Handler = async (_a, c) => {
        const data: Socket = await c.takeData();
        await c.reply(150, "File status okay. About to open data connection.");
        transfer = (async () => {
          await gate.promise;
          const writer = data.writable.getWriter();
          await writer.write(body);
          await writer.close();
          await c.reply(226, "Transfer complete.");
        })();
      };
      const noop: Handler = (_a, c) =>
        code === 200
          ? c.reply(200, "I successfully did nothing'.")
          : c.reply(500, "Unknown command");
      await using scripted = await ScriptedServer.start(sockets, {
        files: { big: body },
        handlers: { RETR: retr, NOOP: noop },
      });
      const clock = manualTimer();
      const w = wire();
      await using session = await connect(scripted.url, {
        sockets,
        keepalive: { intervalMs: 30_000, timer: clock.timer },
        trace: w.trace,
      });
      for await (const file of session.retrieve(["big"], { mode: "S" })) {
        const read = file.bytes();
        await clock.started;
        clock.tick();
        clock.tick();
        // Both answered before the transfer's final reply.
        await w.until((events) => events.filter((e) => e === `< ${code}`).length >= 2);
        gate.resolve();
        expect(equalBytes(await read, body)).toBe(true);
      }
      await transfer;
      // Written and answered between the transfer's 150 and its 226.
      const window = w.events.slice(w.events.indexOf("< 150") + 1, w.events.indexOf("< 226"));
      expect(window.filter((e) => e === "> NOOP")).toHaveLength(2);
      expect(window.filter((e) => e === `< ${code}`)).toHaveLength(2);
      expect(w.events.at(-1)).toBe("< 226");
      expect(await session.size("big")).toBe(body.length);
      expect(session.open).toBe(true);
    });
  }

  it("refuses an interval that is not a positive number", async () => {
    const sockets = memoryAdapter();
    await expect(
      connect("ftp://127.0.0.1:1/", { sockets, keepalive: { intervalMs: 0 } }),
    ).rejects.toThrow(/keepalive\.intervalMs/);
    expect(sockets.connects).toBe(0);
  });
});
