/**
 * Runner: retrieves the requested files with @ftpkit/client and counts their bytes.
 * Started by the bench in a process of its own; prints one JSON result line.
 *
 * @module
 */

import { connect } from "../../client/src/index.ts";
import { nodeSockets } from "../src/index.ts";
import {
  cpuMsSince,
  maxRssKiB,
  printResult,
  requestFromArgv,
  rssKiB,
  SteadyClock,
} from "../../bench/src/runner-protocol.ts";

const request = requestFromArgv();
const baseRssKiB = rssKiB();
const started = performance.now();
const session = await connect(request.url, { sockets: nodeSockets() });
const connected = performance.now();
const cpuStart = process.cpuUsage();
let files = 0;
const clock = new SteadyClock(request.steadyFromBytes);
let modeUsed: string | undefined;
const mode = (request.mode ?? "auto") as "auto" | "S" | "B" | "C" | "Z" | "E";
for await (const file of session.retrieve(request.paths, {
  mode,
  concurrency: request.concurrency ?? 1,
  errors: "throw",
})) {
  for await (const chunk of file.body) clock.add(chunk.length);
  files++;
  modeUsed = file.mode;
}
const transferred = performance.now();
const cpuMs = cpuMsSince(cpuStart);
const steadyMBps = clock.rate();
const stats = { ...session.stats };
await session.close();
const closed = performance.now();
printResult({
  totalMs: closed - started,
  connectMs: connected - started,
  transferMs: transferred - connected,
  files,
  bytes: clock.bytes,
  maxRssKiB: maxRssKiB(),
  baseRssKiB,
  cpuMs,
  steadyMBps,
  roundTrips: stats.roundTrips,
  dataConnections: stats.dataConnections,
  commands: stats.commands,
  modeUsed,
});
