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
for await (const file of session.retrieve(request.paths, {
  mode,
  concurrency: request.concurrency ?? 1,
  errors: "throw",
})) {
  for await (const chunk of file) clock.add(chunk.length);
  files++;
  modeUsed = file.mode;
}
timer.transferred();
const stats = { ...session.stats };
await session.close();
timer.closed(files, {
  roundTrips: stats.roundTrips,
  dataConnections: stats.dataConnections,
  commands: stats.commands,
  ...(modeUsed === undefined ? {} : { modeUsed }),
});
