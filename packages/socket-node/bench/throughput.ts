/**
 * Read throughput of nodeSockets() against Node's raw `data` events, same machine, same
 * run, same sender (a child process).
 *
 * On a shared machine the load from elsewhere moves a reader's figures by 2x within a
 * minute, so the bench measures in pairs: raw and adapter read one after the other
 * (alternating which goes first), each pair gives a ratio, and the table shows the
 * median of those ratios, for MB/s of wall time and for the reader's CPU time per GiB
 * (raw's over the adapter's: above 1 means the adapter costs less). The MB/s columns
 * are each reader's best round.
 *
 * Senders: a Node process writing 1 MiB blocks (`sender.mjs`), and a zero-copy one
 * (`sendfile-sender.py`) that sends the way vsftpd does: one `sendfile()`, page-cache
 * pages straight to the socket, almost no CPU on the sending side. The second is what
 * `@ftpkit/client` meets downloading from vsftpd: the reader is the bottleneck and data
 * is waiting in the kernel whenever it comes back for more, so every cost per chunk
 * shows. Those rows need `python3` (Node has no sendfile) and are skipped without it.
 * "consumer works" rows do a little work on every chunk (a light checksum), in the raw
 * reader's `data` handler alike.
 *
 * Run: pnpm --filter @ftpkit/socket-node bench (about 30 s)
 */

import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { testCertificate } from "../../conformance/src/certs.ts";
import { nodeSockets } from "../src/index.ts";

const MiB = 1024 * 1024;
const host = "127.0.0.1";
const sockets = nodeSockets();

interface Sample {
  mbps: number;
  cpuMsPerGiB: number;
  /** Mean chunk size in KiB. */
  chunkKiB: number;
}

/** Chunks the current reader got. */
let chunks = 0;

/** Something a consumer does with each chunk; both readers of a scenario run it. */
type Work = (chunk: Uint8Array) => void;

/** Where a reader connects: the Node sender (plain or TLS) or the zero-copy one. */
type Source = "node" | "node-tls" | "sendfile";

interface Scenario {
  label: string;
  bytes: number;
  rounds: number;
  source: Source;
  work: Work;
}

const idle: Work = () => {};

let folded = 0;
/** About 4 µs per 64 KiB chunk here: a light checksum, a parser skimming the bytes. */
const skim: Work = (chunk) => {
  let x = 0;
  for (let i = 0; i < chunk.length; i += 16) x ^= chunk[i]!;
  folded ^= x;
};

/** Starts a sender; resolves with the first JSON line it prints (its ports). */
function startSender<T>(
  command: string,
  args: string[],
): Promise<{ child: ChildProcess; ports: T }> {
  const child = spawn(command, args, { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    let text = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      text += chunk;
      if (text.includes("\n")) resolve({ child, ports: JSON.parse(text) as T });
    });
    child.once("error", reject);
    child.once("exit", () => reject(new Error(`${command} exited`)));
  });
}

const node = await startSender<{ plain: number; tls: number }>(process.execPath, [
  new URL("./sender.mjs", import.meta.url).pathname,
  JSON.stringify(testCertificate),
]);
// A sparse file: sendfile() reads zero pages from the page cache, nothing from disk.
const folder = mkdtempSync(join(tmpdir(), "socket-node-bench-"));
const sparse = join(folder, "zeros");
writeFileSync(sparse, "");
truncateSync(sparse, 64 * MiB);
const zeroCopy = await startSender<{ port: number }>("python3", [
  new URL("./sendfile-sender.py", import.meta.url).pathname,
  sparse,
]).catch((error: unknown) => {
  console.log(`[skip] sendfile rows: python3 did not start (${String(error)})`);
  return undefined;
});
const portOf = (source: Source): number | undefined =>
  source === "node"
    ? node.ports.plain
    : source === "node-tls"
      ? node.ports.tls
      : zeroCopy?.ports.port;

const request = (bytes: number): string => `${bytes}\n`;

function rawRead(port: number, bytes: number, secure: boolean, work: Work): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = secure
      ? tlsConnect({ host, port, ca: testCertificate.ca, servername: "localhost" })
      : netConnect({ host, port });
    let total = 0;
    socket.once(secure ? "secureConnect" : "connect", () => socket.write(request(bytes)));
    socket.on("data", (chunk: Buffer) => {
      total += chunk.byteLength;
      chunks++;
      work(chunk);
    });
    socket.once("end", () => {
      socket.destroy();
      resolve(total);
    });
    socket.once("error", reject);
  });
}

async function adapterRead(
  port: number,
  bytes: number,
  secure: boolean,
  work: Work,
): Promise<number> {
  await using socket = await sockets.connect({
    host,
    port,
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
    chunks++;
    work(value);
  }
}

async function measure(run: () => Promise<number>, bytes: number): Promise<Sample> {
  chunks = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  const got = await run();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  if (got !== bytes) throw new Error(`Read ${got} of ${bytes} bytes`);
  return {
    mbps: bytes / MiB / seconds,
    cpuMsPerGiB: ((used.user + used.system) / 1000) * ((1024 * MiB) / bytes),
    chunkKiB: bytes / 1024 / chunks,
  };
}

const scenarios: Scenario[] = [
  { label: "plain, Node sender", bytes: 128 * MiB, rounds: 16, source: "node", work: idle },
  { label: "plain, sendfile sender", bytes: 128 * MiB, rounds: 16, source: "sendfile", work: idle },
  {
    label: "plain, sendfile, consumer works",
    bytes: 128 * MiB,
    rounds: 16,
    source: "sendfile",
    work: skim,
  },
  { label: "TLS, Node sender", bytes: 64 * MiB, rounds: 12, source: "node-tls", work: idle },
];

const mean = (values: number[]): number => values.reduce((a, b) => a + b, 0) / values.length;
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const rows: string[][] = [];
const ratios: number[] = [];
try {
  for (const { label, bytes, rounds, source, work } of scenarios) {
    const port = portOf(source);
    if (port === undefined) continue;
    const secure = source === "node-tls";
    const raw = (n: number): Promise<number> => rawRead(port, n, secure, work);
    const adapter = (n: number): Promise<number> => adapterRead(port, n, secure, work);
    // Warm both paths (JIT, TLS context) before measuring.
    await raw(16 * MiB);
    await adapter(16 * MiB);
    const rawSamples: Sample[] = [];
    const adapterSamples: Sample[] = [];
    for (let round = 0; round < rounds; round++) {
      // raw-adapter, then adapter-raw: a load that rises or falls over a pair hits both.
      if (round % 2 === 0) {
        rawSamples.push(await measure(() => raw(bytes), bytes));
        adapterSamples.push(await measure(() => adapter(bytes), bytes));
      } else {
        adapterSamples.push(await measure(() => adapter(bytes), bytes));
        rawSamples.push(await measure(() => raw(bytes), bytes));
      }
    }
    const pairs = rawSamples.map((r, i) => [r, adapterSamples[i]!] as const);
    const rateRatio = median(pairs.map(([r, a]) => a.mbps / r.mbps));
    const cpuRatio = median(pairs.map(([r, a]) => r.cpuMsPerGiB / a.cpuMsPerGiB));
    ratios.push(rateRatio, cpuRatio);
    rows.push([
      label,
      `${rounds} x 2 x ${bytes / MiB} MiB`,
      Math.max(...rawSamples.map((s) => s.mbps)).toFixed(0),
      Math.max(...adapterSamples.map((s) => s.mbps)).toFixed(0),
      `${rateRatio.toFixed(2)}x`,
      `${median(rawSamples.map((s) => s.cpuMsPerGiB)).toFixed(0)} / ${median(adapterSamples.map((s) => s.cpuMsPerGiB)).toFixed(0)}`,
      `${cpuRatio.toFixed(2)}x`,
      `${mean(rawSamples.map((s) => s.chunkKiB)).toFixed(0)} / ${mean(adapterSamples.map((s) => s.chunkKiB)).toFixed(0)}`,
    ]);
  }
} finally {
  node.child.stdin?.end();
  zeroCopy?.child.stdin?.end();
  rmSync(folder, { recursive: true, force: true });
}

const header = [
  "node",
  "read",
  "raw MB/s",
  "adapter MB/s",
  "ratio (pairs)",
  "CPU ms/GiB raw / adapter",
  "ratio (pairs)",
  "chunk KiB",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
console.log(line(header));
for (const row of rows) console.log(line(row));
const worst = Math.min(...ratios);
console.log(
  `goal: adapter >= 0.9x raw (MB/s, and raw CPU over adapter CPU): worst ${worst.toFixed(2)}x ` +
    (worst >= 0.9 ? "PASS" : "MISS"),
);
// Keeps the consumers' work from being optimised away.
if (folded === 256) console.log("");
