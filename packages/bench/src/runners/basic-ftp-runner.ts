/**
 * Runner: retrieves the requested files with basic-ftp (one connection, one file after
 * the other, as basic-ftp works) into a sink that counts bytes.
 *
 * @module
 */

import { Writable } from "node:stream";
import { Client } from "basic-ftp";
import {
  cpuMsSince,
  maxRssKiB,
  printResult,
  requestFromArgv,
  rssKiB,
  SteadyClock,
} from "../runner-protocol.ts";

const request = requestFromArgv();
const url = new URL(request.url);
const baseRssKiB = rssKiB();
const started = performance.now();
const client = new Client(30_000);
await client.access({
  host: url.hostname,
  port: Number(url.port || 21),
  user: decodeURIComponent(url.username),
  password: decodeURIComponent(url.password),
});
const connected = performance.now();
const cpuStart = process.cpuUsage();
const clock = new SteadyClock(request.steadyFromBytes);
let files = 0;
for (const path of request.paths) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback): void {
      clock.add(chunk.length);
      callback();
    },
  });
  await client.downloadTo(sink, path);
  files++;
}
const transferred = performance.now();
const cpuMs = cpuMsSince(cpuStart);
const steadyMBps = clock.rate();
client.close();
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
});
