/**
 * Start offsets and resumes over the persistent connection of modes B, C and E: `REST`
 * right before `RETR` on the kept connection (RFC 959 §3.5 restart markers in B and C;
 * a byte offset in E, as GridFTP takes it), and a file cut in the middle resumed over a
 * new connection in the same mode.
 */

import { getEventListeners } from "node:events";
import { createEncoder } from "@ftpkit/modes";
import type { CommandEntry } from "@ftpkit/server";
import type { Socket } from "@ftpkit/socket";
import { describe, expect, it } from "vitest";
import { connect, type RetrievedFile, type RetrieveOptions } from "../src/index.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { equalBytes, ourServer, seedFiles } from "./helpers/our-server.ts";
import { type Handler, ScriptedServer } from "./helpers/scripted-server.ts";

async function readAll(
  files: AsyncIterable<RetrievedFile>,
): Promise<{ bytes: Map<string, Uint8Array>; modes: string[] }> {
  const bytes = new Map<string, Uint8Array>();
  const modes: string[] = [];
  for await (const f of files) {
    if (!f.ok) throw f.error;
    modes.push(f.mode);
    bytes.set(f.path, await f.bytes());
  }
  return { bytes, modes };
}

const PERSISTENT = ["B", "C", "E"] as const;

describe("offsets over a persistent connection (@ftpkit/server)", () => {
  for (const mode of PERSISTENT) {
    it(`MODE ${mode}: REST <offset> right before RETR, every file on the one connection`, async () => {
      const seed = seedFiles(6, () => 5000);
      await using ours = await ourServer(seed);
      await using session = await connect(ours.url, { sockets: ours.sockets });
      const offsets = { "f0001.bin": 1234, "f0003.bin": 4999, "f0004.bin": 5000 };
      const paths = Object.keys(seed);
      const { bytes } = await readAll(session.retrieve(paths, { mode, offsets }));
      for (const path of paths) {
        const from = (offsets as Record<string, number>)[path] ?? 0;
        expect(equalBytes(bytes.get(path)!, seed[path]!.subarray(from)), path).toBe(true);
      }
      const rests = ours.server.log
        .filter({ kind: "command", verb: "REST" })
        .map((e) => (e as CommandEntry).argument);
      expect(rests).toEqual(["1234", "4999", "5000"]);
      // Each REST is the command right before its RETR.
      const verbs = ours.server.log.commands();
      for (let i = 0; i < verbs.length; i++)
        if (verbs[i] === "REST") expect(verbs[i + 1]).toBe("RETR");
      expect(ours.server.log.stats().dataConnections).toBe(1);
      expect(session.stats.filesRetrieved).toBe(6);
    });
  }

  it('mode "auto" (MODE B on @ftpkit/server) with offsets', async () => {
    const seed = seedFiles(4, () => 3000);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const offsets = new Map([["f0002.bin", 2999]]);
    const { bytes, modes } = await readAll(session.retrieve(Object.keys(seed), { offsets }));
    expect(modes).toEqual(["B", "B", "B", "B"]);
    expect(bytes.get("f0002.bin")).toEqual(seed["f0002.bin"]!.subarray(2999));
    expect(bytes.get("f0003.bin")).toEqual(seed["f0003.bin"]);
  });
});

describe("a file cut inside a persistent connection resumes in the same mode", () => {
  for (const mode of PERSISTENT) {
    it(`MODE ${mode}: REST over a new ${mode} connection, no MODE S, later files stay on it`, async () => {
      const seed = seedFiles(8, () => 6000);
      await using ours = await ourServer(seed, {
        faults: {
          dropData: { afterBytes: 2345, verbs: ["RETR"], paths: ["/f0002.bin"], times: 1 },
        },
      });
      await using session = await connect(ours.url, { sockets: ours.sockets });
      const paths = Object.keys(seed);
      const { bytes, modes } = await readAll(session.retrieve(paths, { mode }));
      for (const path of paths) expect(equalBytes(bytes.get(path)!, seed[path]!), path).toBe(true);
      expect(new Set(modes)).toEqual(new Set([mode]));
      const modeCommands = ours.server.log
        .filter({ kind: "command", verb: "MODE" })
        .map((e) => (e as CommandEntry).argument);
      expect(modeCommands).toEqual([mode]);
      const rests = ours.server.log
        .filter({ kind: "command", verb: "REST" })
        .map((e) => Number((e as CommandEntry).argument));
      expect(rests).toHaveLength(1);
      expect(rests[0]).toBeGreaterThan(0);
      expect(rests[0]).toBeLessThanOrEqual(2345);
      // The first connection, then one for the resumed file and every file after it.
      expect(ours.server.log.stats().dataConnections).toBe(2);
      expect(session.stats.dataConnections).toBe(2);
    });
  }
});

/**
 * A MODE B server that keeps the data connection (as @ftpkit/server does) but whose
 * restart markers are not offsets (RFC 959 §3.5 leaves their text to the sender): REST
 * takes only its own markers. Optionally cuts one transfer after `cutAfter` bytes.
 */
function markerServer(options: {
  markerEvery: number;
  cutAfter?: number;
}): Record<string, Handler> {
  let kept: Socket | undefined;
  const markers = new Map<string, number>();
  let cuts = options.cutAfter === undefined ? 0 : 1;
  return {
    MODE: (a, c) => (a === "B" || a === "S" ? c.reply(200, `Mode ${a}`) : c.reply(504, "no")),
    EPSV: async (_a, c) => {
      kept = undefined;
      const l = await c.listen();
      c.state.data = l.accept();
      await c.reply(229, `Entering Extended Passive Mode (|||${l.port}|)`);
    },
    REST: (a, c) => {
      const at = markers.get(a);
      if (at === undefined) return c.reply(501, `Unknown restart marker "${a}"`);
      c.rest = at;
      return c.reply(350, `Restarting at marker ${a}`);
    },
    RETR: async (name, c) => {
      const file = c.server.files.get(name);
      if (file === undefined) return c.reply(550, "No such file");
      const reuse = kept !== undefined;
      kept ??= await (c.state.data as Promise<Socket>);
      await c.reply(reuse ? 125 : 150, reuse ? "Reusing the data connection" : "Opening");
      const from = c.rest;
      c.rest = 0;
      const e = createEncoder("B");
      const w = kept.writable.getWriter();
      for (let at = from; at < file.length; ) {
        const end = Math.min(file.length, at + options.markerEvery);
        if (cuts > 0 && options.cutAfter !== undefined && end > options.cutAfter) {
          cuts--;
          for (const chunk of e.data(file.subarray(at, options.cutAfter))) await w.write(chunk);
          w.releaseLock();
          await kept.close();
          kept = undefined;
          return c.reply(426, "Connection closed; transfer aborted");
        }
        for (const chunk of e.data(file.subarray(at, end))) await w.write(chunk);
        at = end;
        if (at < file.length) {
          const marker = `m${markers.size + 1}`;
          markers.set(marker, at);
          for (const chunk of e.restart(marker)) await w.write(chunk);
        }
      }
      for (const chunk of e.eof()) await w.write(chunk);
      w.releaseLock();
      await c.reply(250, "Transfer complete; data connection stays open");
    },
  };
}

describe("restart markers that are not offsets (scripted MODE B server)", () => {
  const file = new Uint8Array(10_000).map((_, i) => (i * 13) & 0xff);

  it("a cut file resumes at the server's last restart marker; the bytes since are skipped", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { a: file, b: "after" },
      handlers: markerServer({ markerEvery: 3000, cutAfter: 7500 }),
    });
    await using session = await connect(server.url, { sockets });
    const got = new Map<string, Uint8Array>();
    for await (const f of session.retrieve(["a", "b"], { mode: "B" }))
      got.set(f.path, await f.bytes());
    expect(equalBytes(got.get("a")!, file)).toBe(true);
    expect(new TextDecoder().decode(got.get("b"))).toBe("after");
    // Markers m1 (3000) and m2 (6000) came before the cut at 7500: REST m2, not a number.
    expect(server.commands.filter((c) => c.startsWith("REST"))).toEqual(["REST m2"]);
    expect(server.commands.filter((c) => c.startsWith("MODE"))).toEqual(["MODE B"]);
  });

  it("a refused REST (an offset the server does not take): the bytes before the offset are skipped", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { a: file, b: "after" },
      handlers: markerServer({ markerEvery: 4096 }),
    });
    await using session = await connect(server.url, { sockets });
    const got = new Map<string, Uint8Array>();
    const options: RetrieveOptions = { mode: "B", offsets: { a: 5000 } };
    for await (const f of session.retrieve(["a", "b"], options)) got.set(f.path, await f.bytes());
    expect(equalBytes(got.get("a")!, file.subarray(5000))).toBe(true);
    expect(new TextDecoder().decode(got.get("b"))).toBe("after");
    expect(server.commands.filter((c) => c.startsWith("REST"))).toEqual(["REST 5000"]);
    expect(server.dataConnections).toBe(1);
  });
});

describe("one abort listener per retrieve, however many commands are written ahead", () => {
  for (const mode of PERSISTENT) {
    it(`MODE ${mode}: 40 files with a signal add one listener to it, and no warning`, async () => {
      const seed = seedFiles(40, () => 3000);
      await using ours = await ourServer(seed);
      await using session = await connect(ours.url, { sockets: ours.sockets });
      const controller = new AbortController();
      const warnings: Error[] = [];
      const onWarning = (w: Error): void => {
        warnings.push(w);
      };
      process.on("warning", onWarning);
      let most = 0;
      let n = 0;
      try {
        for await (const f of session.retrieve(Object.keys(seed), {
          mode,
          signal: controller.signal,
        })) {
          most = Math.max(most, getEventListeners(controller.signal, "abort").length);
          expect((await f.bytes()).length).toBe(3000);
          n++;
        }
      } finally {
        process.off("warning", onWarning);
      }
      expect(n).toBe(40);
      expect(most).toBe(1);
      expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
      expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning")).toEqual([]);
    });
  }

  it("the signal still aborts the transfer in flight", async () => {
    const seed = seedFiles(20, () => 200_000);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets, timeout: 5000 });
    const controller = new AbortController();
    let seen = 0;
    const run = (async () => {
      for await (const f of session.retrieve(Object.keys(seed), {
        mode: "B",
        signal: controller.signal,
      })) {
        seen++;
        if (seen === 3) {
          const reader = f.body.getReader();
          await reader.read();
          controller.abort(new Error("stop"));
          await reader.read().catch(() => undefined);
        } else {
          await f.bytes();
        }
      }
    })();
    await expect(run).rejects.toThrow();
    expect(seen).toBe(3);
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
    expect(await session.size("f0001.bin")).toBe(200_000);
  });
});
