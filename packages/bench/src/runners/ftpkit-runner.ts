/**
 * Runner: retrieves the requested files with @ftpkit/client and counts their bytes.
 * Started by the bench in a process of its own; prints one JSON result line.
 *
 * @module
 */

import { connect } from "@ftpkit/client";
import { nodeSockets } from "@ftpkit/socket-node";
import { maxRssKiB, printResult, requestFromArgv, rssKiB } from "../runner-protocol.ts";

const request = requestFromArgv();
const baseRssKiB = rssKiB();
const started = performance.now();
const session = await connect(request.url, { sockets: nodeSockets() });
const connected = performance.now();
let files = 0;
let bytes = 0;
let modeUsed: string | undefined;
const mode = (request.mode ?? "auto") as "auto" | "S" | "B" | "C" | "Z" | "E";
for await (const file of session.retrieve(request.paths, {
  mode,
  concurrency: request.concurrency ?? 1,
  errors: "throw",
})) {
  for await (const chunk of file.body) bytes += chunk.length;
  files++;
  modeUsed = file.mode;
}
const transferred = performance.now();
const stats = { ...session.stats };
await session.close();
const closed = performance.now();
printResult({
  totalMs: closed - started,
  connectMs: connected - started,
  transferMs: transferred - connected,
  files,
  bytes,
  maxRssKiB: maxRssKiB(),
  baseRssKiB,
  roundTrips: stats.roundTrips,
  dataConnections: stats.dataConnections,
  commands: stats.commands,
  modeUsed,
});
