/**
 * Runner: retrieves the requested files with @ftpkit/client and counts their bytes.
 * Started by the bench in a process of its own; prints one JSON result line.
 *
 * @module
 */

import { connect } from "@ftpkit/client";
import { nodeSockets } from "@ftpkit/socket-node";
import { RunTimer, requestFromArgv } from "../runner-protocol.ts";

const request = requestFromArgv();
const timer = new RunTimer(request.steadyFromBytes);
const clock = timer.clock;
const session = await connect(request.url, { sockets: nodeSockets() });
timer.connected();
let files = 0;
let modeUsed: string | undefined;
const mode = (request.mode ?? "auto") as "auto" | "S" | "B" | "C" | "Z" | "E";
const options = { mode, concurrency: request.concurrency ?? 1, errors: "throw" } as const;
const rounds = request.warmupRounds ?? 0;
// Counted from the measured round on: the warm-up rounds' commands are left out.
let before = { roundTrips: 0, commands: 0 };
if (rounds > 0) {
  for (let round = 0; round < rounds; round++) {
    // Read as the measured round reads, so that the same code gets compiled.
    for await (const file of session.retrieve(request.paths, options)) {
      for await (const chunk of file) void chunk;
    }
  }
  before = { roundTrips: session.stats.roundTrips, commands: session.stats.commands };
  timer.warmedUp();
}
for await (const file of session.retrieve(request.paths, options)) {
  for await (const chunk of file) clock.add(chunk.length);
  files++;
  modeUsed = file.mode;
}
timer.transferred();
const stats = { ...session.stats };
await session.close();
timer.closed(files, {
  roundTrips: stats.roundTrips - before.roundTrips,
  // All of the session's: one connection that carried the warm-up rounds too is one.
  dataConnections: stats.dataConnections,
  commands: stats.commands - before.commands,
  ...(modeUsed === undefined ? {} : { modeUsed }),
});
