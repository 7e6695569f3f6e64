/**
 * Read throughput of nodeSockets() against Node's raw `data` events, same machine, same
 * run, same sender (a child process). Rounds alternate raw and adapter so that load from
 * elsewhere hits both alike; the figures are medians. Also prints the reader's CPU time
 * per GiB, which the sender's speed does not distort.
 *
 * Run: pnpm --filter @ftpkit/socket-node bench
 */

import { spawn } from "node:child_process";
import { connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { testCertificate } from "../../conformance/src/certs.ts";
import { nodeSockets } from "../src/index.ts";

const MiB = 1024 * 1024;
const host = "127.0.0.1";
const sockets = nodeSockets();

interface Sample {
  mbps: number;
  cpuMsPerGiB: number;
}

interface Scenario {
  label: string;
  bytes: number;
  rounds: number;
  raw: (bytes: number) => Promise<number>;
  adapter: (bytes: number) => Promise<number>;
}

const sender = spawn(
  process.execPath,
  [new URL("./sender.mjs", import.meta.url).pathname, JSON.stringify(testCertificate)],
  { stdio: ["pipe", "pipe", "inherit"] },
);
const ports = await new Promise<{ plain: number; tls: number }>((resolve, reject) => {
  let text = "";
  sender.stdout.setEncoding("utf8");
  sender.stdout.on("data", (chunk: string) => {
    text += chunk;
    if (text.includes("\n")) resolve(JSON.parse(text));
  });
  sender.once("exit", () => reject(new Error("the sender exited")));
});

const request = (bytes: number): string => `${bytes}\n`;

function rawRead(bytes: number, secure: boolean): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tlsConnect({ host, port: ports.tls, ca: testCertificate.ca, servername: "localhost" })
      : netConnect({ host, port: ports.plain });
    let total = 0;
    socket.once(secure ? "secureConnect" : "connect", () => socket.write(request(bytes)));
    socket.on("data", (chunk: Buffer) => {
      total += chunk.byteLength;
    });
    socket.once("end", () => {
      socket.destroy();
      resolve(total);
    });
    socket.once("error", reject);
  });
}

async function adapterRead(bytes: number, secure: boolean): Promise<number> {
  await using socket = await sockets.connect({
    host,
    port: secure ? ports.tls : ports.plain,
    tls: secure ? { ca: testCertificate.ca, servername: "localhost" } : undefined,
  });
  const writer = socket.writable.getWriter();
  await writer.write(new TextEncoder().encode(request(bytes)));
  writer.releaseLock();
  const reader = socket.readable.getReader();
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return total;
    total += value.byteLength;
  }
}

async function measure(run: (bytes: number) => Promise<number>, bytes: number): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const got = await run(bytes);
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  if (got !== bytes) throw new Error(`Read ${got} of ${bytes} bytes`);
  return {
    mbps: bytes / MiB / seconds,
    cpuMsPerGiB: ((used.user + used.system) / 1000) * ((1024 * MiB) / bytes),
  };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const scenarios: Scenario[] = [
  {
    label: "plain TCP",
    bytes: 512 * MiB,
    rounds: 5,
    raw: (n) => rawRead(n, false),
    adapter: (n) => adapterRead(n, false),
  },
  {
    label: "TLS",
    bytes: 256 * MiB,
    rounds: 4,
    raw: (n) => rawRead(n, true),
    adapter: (n) => adapterRead(n, true),
  },
];

const rows: string[][] = [];
try {
  for (const scenario of scenarios) {
    // Warm both paths (JIT, TLS context) before measuring.
    await scenario.raw(16 * MiB);
    await scenario.adapter(16 * MiB);
    const raw: Sample[] = [];
    const adapter: Sample[] = [];
    for (let round = 0; round < scenario.rounds; round++) {
      raw.push(await measure(scenario.raw, scenario.bytes));
      adapter.push(await measure(scenario.adapter, scenario.bytes));
    }
    const rawMbps = median(raw.map((s) => s.mbps));
    const adapterMbps = median(adapter.map((s) => s.mbps));
    const rawCpu = median(raw.map((s) => s.cpuMsPerGiB));
    const adapterCpu = median(adapter.map((s) => s.cpuMsPerGiB));
    rows.push([
      scenario.label,
      `${((scenario.bytes * scenario.rounds) / MiB).toFixed(0)} MiB`,
      rawMbps.toFixed(0),
      adapterMbps.toFixed(0),
      `${(adapterMbps / rawMbps).toFixed(2)}x`,
      `${rawCpu.toFixed(0)} / ${adapterCpu.toFixed(0)}`,
    ]);
  }
} finally {
  sender.stdin.end();
}

const header = [
  "node",
  "read",
  "raw data MB/s",
  "adapter MB/s",
  "ratio",
  "reader CPU ms/GiB raw / adapter",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
console.log(line(header));
for (const row of rows) console.log(line(row));
console.log("goal: adapter >= 0.9x raw");
