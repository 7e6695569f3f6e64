/**
 * Data-path speed of the server, beside a baseline measured in the same run:
 *   - one 256 MiB file in STREAM mode vs a plain node:net server writing the same
 *     buffer in 64 KiB views (the raw socket rate of this machine);
 *   - 1000 x 16 KiB files pipelined over one MODE B data connection (files/s).
 * Client side: a plain node:net socket that counts bytes.
 *
 *   pnpm --filter @ftpkit/server bench
 */

import { connect } from "node:net";
import { nodeSockets } from "@ftpkit/socket-node";
import { createServer, memoryStorage } from "../src/index.ts";
import { RawControl } from "../test/support/raw-client.ts";
import { startRawSender } from "./raw-sender.ts";

const SIZE = 256 * 2 ** 20;
const big = new Uint8Array(SIZE);
const small: Record<string, Uint8Array> = {};
for (let i = 0; i < 1000; i++) small[`s/${i}`] = new Uint8Array(16384).fill(i & 255);

function drain(port: number): Promise<{ bytes: number; seconds: number }> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    let bytes = 0;
    const s = connect(port, "127.0.0.1");
    s.on("data", (d: Buffer) => {
      bytes += d.length;
    });
    s.on("end", () => resolve({ bytes, seconds: (performance.now() - t0) / 1000 }));
  });
}

// Baseline: a raw socket server writing the same bytes with backpressure.
const { server: raw, port: rawPort } = await startRawSender(big);
const baseline = await drain(rawPort);
raw.close();

const server = createServer({ sockets: nodeSockets(), storage: memoryStorage({ big, ...small }) });
const { port } = await server.listen({});
const [c] = await RawControl.connect(port);
await c.login();
await c.cmd("TYPE I");
const epsv = await c.cmd("EPSV");
c.send("RETR big");
const stream = await drain(Number(/\|(\d+)\|/.exec(epsv.message)![1]));
await c.next();
await c.next();

await c.cmd("MODE B");
const epsvB = await c.cmd("EPSV");
const data = connect(Number(/\|(\d+)\|/.exec(epsvB.message)![1]), "127.0.0.1");
let wire = 0;
data.on("data", (d: Buffer) => {
  wire += d.length;
});
await new Promise((resolve) => data.once("connect", resolve));
const t0 = performance.now();
for (let i = 0; i < 1000; i++) c.send(`RETR s/${i}`);
for (let i = 0; i < 2000; i++) await c.next();
const blockSeconds = (performance.now() - t0) / 1000;
data.destroy();
c.close();
await server.close();

const mib = (b: number, s: number): number => b / 2 ** 20 / s;
console.log(
  `raw node:net socket, 256 MiB:        ${mib(baseline.bytes, baseline.seconds).toFixed(0)} MiB/s (baseline)`,
);
console.log(
  `server RETR, STREAM, 256 MiB:       ${mib(stream.bytes, stream.seconds).toFixed(0)} MiB/s (x${(mib(stream.bytes, stream.seconds) / mib(baseline.bytes, baseline.seconds)).toFixed(2)} baseline)`,
);
console.log(
  `server MODE B, 1000 x 16 KiB, one data connection, pipelined: ${(1000 / blockSeconds).toFixed(0)} files/s, ${mib(wire, blockSeconds).toFixed(0)} MiB/s`,
);
