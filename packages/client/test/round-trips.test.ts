/**
 * Round trips per file in MODE S. `session.stats.roundTrips` counts writes made while no
 * reply was outstanding. On a server that holds commands until a transfer ends, the
 * next file's SIZE and EPSV are written while the current file's data flows, so their
 * replies follow its 226 at once: the only wait left per file is RETR's (its data
 * connection opens at the same time).
 */

import type { Socket } from "@ftpkit/socket";
import { describe, expect, it } from "vitest";
import { deferred } from "../src/deferred.ts";
import { connect, type TraceEvent } from "../src/index.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { equalBytes, ourServer, seedFiles } from "./helpers/our-server.ts";
import { type Handler, ScriptedServer } from "./helpers/scripted-server.ts";

const N = 50;

/** Commands written behind a RETR that had no final reply yet, by verb. */
function writtenBehindTransfers(): {
  trace: (e: TraceEvent) => void;
  count(verb: string): number;
} {
  let open = 0;
  const behind: string[] = [];
  return {
    trace: (e) => {
      if (e.type === "reply") {
        if ([226, 250, 425, 426, 451].includes(e.reply.code)) open = Math.max(0, open - 1);
      } else if (e.type === "command") {
        const verb = e.line.split(" ")[0]!;
        if (open > 0) behind.push(verb);
        if (verb === "RETR") open++;
      }
    },
    count: (verb) => behind.filter((v) => v === verb).length,
  };
}

/** Retrieves every file of `seed` in MODE S from a scripted server greeting as vsftpd does. */
async function retrieveFromVsftpdLike(
  sockets: ReturnType<typeof memoryAdapter>,
  seed: Record<string, Uint8Array>,
  handlers: Record<string, Handler>,
): Promise<ReturnType<typeof writtenBehindTransfers>> {
  await using server = await ScriptedServer.start(sockets, {
    files: seed,
    greeting: "(vsFTPd 3.0.3)",
    handlers,
  });
  const during = writtenBehindTransfers();
  await using session = await connect(server.url, { sockets, trace: during.trace });
  for await (const f of session.retrieve(Object.keys(seed), { mode: "S" })) {
    expect(equalBytes(await f.bytes(), seed[f.path]!), f.path).toBe(true);
  }
  return during;
}

describe("round trips per file in MODE S", () => {
  it(`against @ftpkit/server: ${N} files, at most one round trip each, EPSV written behind the previous RETR`, async () => {
    const seed = seedFiles(N, () => 1024);
    const names = Object.keys(seed);
    await using ours = await ourServer(seed);
    const during = writtenBehindTransfers();
    await using session = await connect(ours.url, { sockets: ours.sockets, trace: during.trace });
    const before = { ...session.stats };
    for await (const f of session.retrieve(names, { mode: "S" })) {
      expect(equalBytes(await f.bytes(), seed[f.path]!), f.path).toBe(true);
    }
    const roundTrips = session.stats.roundTrips - before.roundTrips;
    // File 1: [SIZE, EPSV] then [RETR, NOOP] (EPSV not proven yet; the NOOP finds out
    // that the server holds commands until a transfer ends); then each RETR goes out
    // with the next file's [SIZE, EPSV] behind it.
    // At most one wait per file (plus file 1's EPSV): RETR is written with nothing
    // outstanding when the replies written ahead arrived with the 226, behind them
    // otherwise (in-memory sockets often deliver them later).
    expect(roundTrips).toBeLessThanOrEqual(N + 1);
    expect(during.count("EPSV")).toBeGreaterThanOrEqual(N - 3);
    expect(during.count("NOOP")).toBe(1);
    // Still a fresh data connection per file, never a reused one.
    const stats = ours.server.log.stats();
    expect(stats.commands.EPSV).toBe(N);
    expect(stats.dataConnections).toBe(N);
    expect(stats.reusedTransfers).toBe(0);
    console.info(
      `MODE S, ${N} files against @ftpkit/server: ${(roundTrips / N).toFixed(2)} round trips per file (session.stats.roundTrips ${roundTrips}), ${during.count("EPSV")} EPSVs written behind the previous RETR`,
    );
  });

  it("never writes EPSV during a transfer on a server that answers commands during transfers (pyftpdlib)", async () => {
    const sockets = memoryAdapter();
    const seed = seedFiles(6, () => 2048);
    const names = Object.keys(seed);
    const noopAnswered = deferred<void>();
    // pyftpdlib: a transfer runs on its own and the next commands are answered at once
    // (a PASV/EPSV then closes the running data connection). Its greeting here claims
    // vsftpd, so only the probe can tell.
    const retr: Handler = async (a, c) => {
      const data: Socket = await c.takeData();
      await c.reply(150, "File status okay. About to open data connection.");
      void (async () => {
        if (a === names[0]) await noopAnswered.promise;
        const w = data.writable.getWriter();
        await w.write(c.server.files.get(a)!);
        await w.close();
        await c.reply(226, "Transfer complete.");
      })();
    };
    const noop: Handler = async (_a, c) => {
      await c.reply(200, "I successfully did nothing'.");
      noopAnswered.resolve();
    };
    const during = await retrieveFromVsftpdLike(sockets, seed, { RETR: retr, NOOP: noop });
    expect(during.count("NOOP")).toBe(1);
    expect(during.count("EPSV")).toBe(0);
    expect(during.count("SIZE")).toBe(0);
  });

  it("decides the probe when the 226 and the NOOP's 200 arrive in one read", async () => {
    const sockets = memoryAdapter();
    const seed = seedFiles(8, () => 2048);
    const names = Object.keys(seed);
    let first = true;
    // vsftpd's order, with both replies of the first transfer in a single write.
    const retr: Handler = async (a, c) => {
      const data = await c.takeData();
      await c.reply(150, "Opening BINARY mode data connection.");
      const w = data.writable.getWriter();
      await w.write(c.server.files.get(a)!);
      await w.close();
      await data.close();
      if (first) return; // the 226 goes out with the NOOP's reply
      await c.reply(226, "Transfer complete.");
    };
    const noop: Handler = async (_a, c) => {
      if (!first) return c.reply(200, "NOOP ok.");
      first = false;
      await c.raw("226 Transfer complete.\r\n200 NOOP ok.\r\n");
    };
    const during = await retrieveFromVsftpdLike(sockets, seed, { RETR: retr, NOOP: noop });
    // One probe, decided at once: every later file's EPSV went out behind a RETR.
    expect(during.count("NOOP")).toBe(1);
    expect(during.count("EPSV")).toBeGreaterThanOrEqual(names.length - 2);
  });

  it("writes nothing behind a transfer on a server not known to hold commands (no probe either)", async () => {
    const sockets = memoryAdapter();
    const seed = seedFiles(6, () => 2048);
    await using server = await ScriptedServer.start(sockets, {
      files: seed,
      greeting: "Welcome to Pure-FTPd",
    });
    const during = writtenBehindTransfers();
    await using session = await connect(server.url, { sockets, trace: during.trace });
    for await (const f of session.retrieve(Object.keys(seed), { mode: "S" })) await f.bytes();
    expect(server.count("NOOP")).toBe(0);
    expect(during.count("EPSV")).toBe(0);
  });
});
