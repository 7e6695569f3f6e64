/**
 * Runner: retrieves the requested files with @ftpkit/client and counts their bytes.
 * Started by the bench in a process of its own; prints one JSON result line.
 *
 * @module
 */

import { connect } from "@ftpkit/client";
import { nodeSockets } from "@ftpkit/socket-node";
import { RunTimer, requestFromArgv, SteadyClock } from "../runner-protocol.ts";

const request = requestFromArgv();
const timer = new RunTimer(request.steadyFromBytes);
const clock = timer.clock;
const session = await connect(request.url, { sockets: nodeSockets() });
timer.connected();
const mode = (request.mode ?? "auto") as "auto" | "S" | "B" | "C" | "Z" | "E";
const options = { mode, concurrency: request.concurrency ?? 1, errors: "throw" } as const;

/** One round over the list, each chunk counted on `counter`. */
async function round(counter: SteadyClock): Promise<{ files: number; modeUsed?: string }> {
  let files = 0;
  let modeUsed: string | undefined;
  for await (const file of session.retrieve(request.paths, options)) {
    for await (const chunk of file) counter.add(chunk.length);
    files++;
    modeUsed = file.mode;
  }
  return modeUsed === undefined ? { files } : { files, modeUsed };
}

const rounds = request.warmupRounds ?? 0;
// Counted from the measured round on: the warm-up rounds' commands are left out.
let before = { roundTrips: 0, commands: 0 };
if (rounds > 0) {
  // The same function as the measured round: it runs the code the warm-up compiled.
  for (let r = 0; r < rounds; r++) await round(new SteadyClock(undefined));
  before = { roundTrips: session.stats.roundTrips, commands: session.stats.commands };
  timer.warmedUp();
}
const measured = Math.max(1, request.measuredRounds ?? 1);
let last: { files: number; modeUsed?: string } = { files: 0 };
if (measured === 1) last = await round(clock);
else {
  for (let r = 0; r < measured; r++) {
    const roundClock = new SteadyClock(undefined);
    last = await round(roundClock);
    timer.roundDone(roundClock);
  }
}
timer.transferred();
const stats = { ...session.stats };
await session.close();
const { files, modeUsed } = last;
timer.closed(files, {
  roundTrips: (stats.roundTrips - before.roundTrips) / measured,
  // All of the session's: one connection that carried the warm-up rounds too is one.
  dataConnections: stats.dataConnections,
  commands: (stats.commands - before.commands) / measured,
  ...(modeUsed === undefined ? {} : { modeUsed }),
});
