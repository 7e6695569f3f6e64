/**
 * Runner: retrieves the requested files with basic-ftp (one connection, one file after
 * the other, as basic-ftp works) into a sink that counts bytes.
 *
 * @module
 */

import { Writable } from "node:stream";
import { Client } from "basic-ftp";
import { RunTimer, requestFromArgv } from "../runner-protocol.ts";

const request = requestFromArgv();
const url = new URL(request.url);
const timer = new RunTimer(request.steadyFromBytes);
const clock = timer.clock;
const client = new Client(30_000);
await client.access({
  host: url.hostname,
  port: Number(url.port || 21),
  user: decodeURIComponent(url.username),
  password: decodeURIComponent(url.password),
});
timer.connected();
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
timer.transferred();
client.close();
timer.closed(files);
