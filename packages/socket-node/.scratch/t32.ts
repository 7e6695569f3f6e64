/**
 * Read throughput of nodeSockets() against Node's raw `data` events, same machine, same
 * run, same sender (a child process). Rounds alternate raw and adapter so that load from
 * elsewhere hits both alike.
 *
 * Two figures per reader: MB/s of wall time (best round) and the reader's CPU time per
 * GiB (least round). On a shared machine other work only ever makes a round slower, so
 * the best round is the one closest to the reader's own cost; medians move by ±30 %
 * here from one run to the next.
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
import { mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from "node:fs";
const mainNs = (): number => Number(readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ")[0]);
const perThread = (): Map<string, number> => { const m = new Map<string, number>(); for (const t of readdirSync("/proc/self/task")) { try { const name = readFileSync(`/proc/self/task/${t}/comm`, "utf8").trim() + "#" + t; m.set(name, Number(readFileSync(`/proc/self/task/${t}/schedstat`, "utf8").split(" ")[0])); } catch {} } return m; };
const threadTotals = new Map<string, Map<string, number>>();
import { PerformanceObserver } from "node:perf_hooks";
let gcCounts: Record<string, number> = {};
new PerformanceObserver((l) => { for (const e of l.getEntries()) { const k = String((e as unknown as { detail?: { kind?: number } }).detail?.kind ?? 0); gcCounts[k] = (gcCounts[k] ?? 0) + 1; gcCounts[`ms${k}`] = (gcCounts[`ms${k}`] ?? 0) + e.duration; } }).observe({ entryTypes: ["gc"] });
const gcTotals = new Map<string, Record<string, number>>();
const allNs = (): number => readdirSync("/proc/self/task").reduce((a, t) => { try { return a + Number(readFileSync(`/proc/self/task/${t}/schedstat`, "utf8").split(" ")[0]); } catch { return a; } }, 0);
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { testCertificate } from "../../conformance/src/certs.ts";
import { nodeSockets as newSockets } from "../src/index.ts";
import { nodeSockets as oldSockets } from "../.old-src/index.ts";

const MiB = 1024 * 1024;
const host = "127.0.0.1";
const sockets = process.env.OLD ? oldSockets() : newSockets();

interface Sample {
  mbps: number;
  cpuMsPerGiB: number;
  /** Mean chunk size in KiB. */
  chunkKiB: number;
  /** Minor page faults per GiB: fresh heap pages the allocator asked the kernel for. */
  faultsPerGiB: number;
  userPerGiB: number;
  otherPerGiB: number;
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
  new URL("../bench/sender.mjs", import.meta.url).pathname,
  JSON.stringify(testCertificate),
]);
// A sparse file: sendfile() reads zero pages from the page cache, nothing from disk.
const folder = mkdtempSync(join(tmpdir(), "socket-node-bench-"));
const sparse = join(folder, "zeros");
writeFileSync(sparse, "");
truncateSync(sparse, 64 * MiB);
const zeroCopy = await startSender<{ port: number }>("python3", [
  new URL("../bench/sendfile-sender.py", import.meta.url).pathname,
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

/** `gc()` when run with --expose-gc: each reader starts without the previous one's garbage. */
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? ((): void => {});

async function measure(run: () => Promise<number>, bytes: number): Promise<Sample> {
  collectGarbage();
  chunks = 0;
  const faults = process.resourceUsage().minorPageFault;
  const m0 = mainNs(); const a0 = allNs(); const t0 = perThread(); gcCounts = {};
  const cpu = process.cpuUsage();
  const start = performance.now();
  const got = await run();
  const seconds = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  { const t1 = perThread(); const key = (run as { kind?: string }).kind ?? "?"; const tot = threadTotals.get(key) ?? new Map(); threadTotals.set(key, tot); for (const [n, v] of t1) { const d = v - (t0.get(n) ?? 0); const nm = n; tot.set(nm, (tot.get(nm) ?? 0) + d / 1e6); } }
  await new Promise((r) => setImmediate(r));
  { const key = (run as { kind?: string }).kind ?? "?"; const g = gcTotals.get(key) ?? {}; gcTotals.set(key, g); for (const [k, v] of Object.entries(gcCounts)) g[k] = Math.round((g[k] ?? 0) + v); }
  if (got !== bytes) throw new Error(`Read ${got} of ${bytes} bytes`);
  return {
    mbps: bytes / MiB / seconds,
    cpuMsPerGiB: ((used.user + used.system) / 1000) * ((1024 * MiB) / bytes),
    chunkKiB: bytes / 1024 / chunks,
    faultsPerGiB: (process.resourceUsage().minorPageFault - faults) * ((1024 * MiB) / bytes),
    userPerGiB: ((mainNs() - m0) / 1e6) * ((1024 * MiB) / bytes),
    otherPerGiB: ((allNs() - a0 - (mainNs() - m0)) / 1e6) * ((1024 * MiB) / bytes),
  };
}

const scenarios: Scenario[] = [
  { label: "plain, Node sender", bytes: 32 * MiB, rounds: 8, source: "node", work: idle },
  { label: "plain, sendfile sender", bytes: 512 * MiB, rounds: 5, source: "sendfile", work: idle },
  {
    label: "plain, sendfile, consumer works",
    bytes: 256 * MiB,
    rounds: 8,
    source: "sendfile",
    work: skim,
  },
  { label: "TLS, Node sender", bytes: 128 * MiB, rounds: 6, source: "node-tls", work: idle },
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
    if (process.env.ONLY && !label.includes(process.env.ONLY)) continue;
    const secure = source === "node-tls";
    const raw = (n: number): Promise<number> => rawRead(port, n, secure, work);
    const adapter = (n: number): Promise<number> => adapterRead(port, n, secure, work);
    // Warm both paths (JIT, TLS context) before measuring.
    await raw(16 * MiB);
    await adapter(16 * MiB);
    const rawSamples: Sample[] = [];
    const adapterSamples: Sample[] = [];
    for (let round = 0; round < rounds; round++) {
      if (process.env.ADAPTER_ONLY) {
        adapterSamples.push(await measure(() => adapter(bytes), bytes));
        rawSamples.push(adapterSamples.at(-1)!);
      } else if (process.env.RAW_ONLY) {
        rawSamples.push(await measure(() => raw(bytes), bytes));
        adapterSamples.push(rawSamples.at(-1)!);
      } else if (process.env.SWAP) {
        adapterSamples.push(await measure(() => adapter(bytes), bytes));
        rawSamples.push(await measure(() => raw(bytes), bytes));
      } else {
        rawSamples.push(await measure(Object.assign(() => raw(bytes), { kind: `raw ${label}` }), bytes));
        adapterSamples.push(await measure(Object.assign(() => adapter(bytes), { kind: `adapter ${label}` }), bytes));
      }
    }
    const rawMbps = Math.max(...rawSamples.map((s) => s.mbps));
    const adapterMbps = Math.max(...adapterSamples.map((s) => s.mbps));
    const rawCpu = Math.min(...rawSamples.map((s) => s.cpuMsPerGiB));
    const adapterCpu = Math.min(...adapterSamples.map((s) => s.cpuMsPerGiB));
    ratios.push(adapterMbps / rawMbps, rawCpu / adapterCpu);
    rows.push([
      label,
      `${rounds} x ${bytes / MiB} MiB`,
      rawMbps.toFixed(0),
      adapterMbps.toFixed(0),
      `${(adapterMbps / rawMbps).toFixed(2)}x`,
      `${rawCpu.toFixed(0)} / ${adapterCpu.toFixed(0)}`,
      `${(rawCpu / adapterCpu).toFixed(2)}x`,
      `${mean(rawSamples.map((s) => s.chunkKiB)).toFixed(0)} / ${mean(adapterSamples.map((s) => s.chunkKiB)).toFixed(0)}`,
      `${median(rawSamples.map((s) => s.faultsPerGiB)).toFixed(0)} / ${median(adapterSamples.map((s) => s.faultsPerGiB)).toFixed(0)}`,
      `${Math.min(...rawSamples.map((s) => s.userPerGiB)).toFixed(0)} / ${Math.min(...adapterSamples.map((s) => s.userPerGiB)).toFixed(0)}`,
      `${Math.min(...rawSamples.map((s) => s.otherPerGiB)).toFixed(0)} / ${Math.min(...adapterSamples.map((s) => s.otherPerGiB)).toFixed(0)}`,
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
  "ratio",
  "CPU ms/GiB raw / adapter",
  "ratio",
  "chunk KiB",
  "faults/GiB",
  "main thread min",
  "other threads min",
];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
console.log(line(header));
for (const row of rows) console.log(line(row));
for (const [k, m] of threadTotals) console.log(k, JSON.stringify(Object.fromEntries([...m].filter(([, v]) => v > 5).map(([n, v]) => [n, Math.round(v)]))));
for (const [k, g] of gcTotals) console.log("gc", k, JSON.stringify(g));
const worst = Math.min(...ratios);
console.log(
  `goal: adapter >= 0.9x raw (MB/s and raw CPU / adapter CPU): worst ${worst.toFixed(2)}x ` +
    (worst >= 0.9 ? "PASS" : "MISS"),
);
// Keeps the consumers' work from being optimised away.
if (folded === 256) console.log("");
