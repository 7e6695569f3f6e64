/**
 * The shared half of the adapters' read-throughput benchmarks (`socket-deno` and
 * `socket-bun`'s `bench/throughput.ts`, imported by path): readers that count bytes, the
 * rounds that alternate them, and the table of medians and ratios. Each bench keeps what
 * is its runtime's own: the sender and the runtime's raw readers. `node:net`, `node:tls`,
 * `node:process` and web APIs only, so it runs in Node, Deno and Bun.
 *
 * @module
 */

import type { Socket as NetSocket } from "node:net";
import { cpuUsage } from "node:process";

/** Reads one connection to `port` to its end; resolves with the bytes read. */
export type Reader = (port: number) => Promise<number>;

/** Readers that read from the same sender port, each under its display name. */
export interface ReaderGroup {
  port: number;
  readers: Array<[name: string, read: Reader]>;
}

/** One printed ratio: `a`'s figure over `b`'s, both reader names; `goal` is appended. */
export interface Ratio {
  label: string;
  a: string;
  b: string;
  goal?: string;
}

/** What {@link runThroughputBench} measures and prints. */
export interface ThroughputBench {
  /** The adapter, as the title names it: `"denoSockets()"`. */
  adapter: string;
  /** Bytes every reader must read; any other count fails the run. */
  bytes: number;
  rounds: number;
  groups: ReaderGroup[];
  ratios: Ratio[];
  /** Collects garbage before each reader so that it does not pay for the previous one. */
  collectGarbage(): void;
}

interface Figure {
  /** MB per second of wall time. */
  wall: number;
  /** MB per second of this process's CPU time (user + system): steadier on a busy machine. */
  cpu: number;
}

const MiB = 1024 * 1024;

/** Reads `readable` to its end; resolves with the bytes read. */
export async function drain(readable: ReadableStream<Uint8Array>): Promise<number> {
  const reader = readable.getReader();
  let total = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.byteLength;
  return total;
}

/** Counts a `node:net` or `node:tls` socket's `data` events to its end, then destroys it. */
export function countDataEvents(socket: NetSocket): Promise<number> {
  return new Promise((resolve, reject) => {
    let total = 0;
    socket.on("data", (chunk: Uint8Array) => {
      total += chunk.byteLength;
    });
    socket.on("end", () => {
      socket.destroy();
      resolve(total);
    });
    socket.on("error", reject);
  });
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function measure(
  bench: ThroughputBench,
  name: string,
  read: Reader,
  port: number,
): Promise<Figure> {
  bench.collectGarbage();
  const start = performance.now();
  const startCpu = cpuUsage();
  const total = await read(port);
  const cpu = cpuUsage(startCpu);
  const seconds = (performance.now() - start) / 1000;
  if (total !== bench.bytes)
    throw new Error(`${name}: read ${total} bytes, expected ${bench.bytes}`);
  return { wall: total / 1e6 / seconds, cpu: total / ((cpu.user + cpu.system) / 1e6) / 1e6 };
}

/**
 * Runs every reader of every group once per round, each round starting one place later in
 * the list so that no reader always follows the same one, then prints the median MB/s of
 * each (wall and CPU time) and the ratios.
 */
export async function runThroughputBench(bench: ThroughputBench): Promise<void> {
  const names = bench.groups.flatMap((group) => group.readers.map(([name]) => name));
  for (const { a, b } of bench.ratios) {
    for (const name of [a, b]) {
      if (!names.includes(name)) throw new Error(`Ratio names "${name}", which is no reader`);
    }
  }
  const results = new Map<string, Figure[]>();
  for (let round = 0; round < bench.rounds; round++) {
    for (const { port, readers } of bench.groups) {
      for (let i = 0; i < readers.length; i++) {
        const [name, read] = readers[(i + round) % readers.length]!;
        results.set(name, [...(results.get(name) ?? []), await measure(bench, name, read, port)]);
      }
    }
  }
  const figure = (name: string, kind: keyof Figure): number =>
    median((results.get(name) ?? []).map((f) => f[kind]));
  const nameWidth = Math.max(...names.map((name) => name.length)) + 2;
  const labelWidth = Math.max(...bench.ratios.map((r) => r.label.length)) + 1;
  console.log(
    `${bench.adapter} read throughput, ${bench.bytes / MiB} MiB per run, median of ${bench.rounds}`,
  );
  console.log(
    `  ${"reader".padEnd(nameWidth)} ${"wall MB/s".padStart(10)} ${"CPU MB/s".padStart(10)}`,
  );
  for (const name of names) {
    const wall = figure(name, "wall").toFixed(0).padStart(10);
    console.log(
      `  ${name.padEnd(nameWidth)} ${wall} ${figure(name, "cpu").toFixed(0).padStart(10)}`,
    );
  }
  for (const { label, a, b, goal = "" } of bench.ratios) {
    const wall = (figure(a, "wall") / figure(b, "wall")).toFixed(2);
    const cpu = (figure(a, "cpu") / figure(b, "cpu")).toFixed(2);
    console.log(`  ratio ${label.padEnd(labelWidth)} wall ${wall}x  CPU ${cpu}x${goal}`);
  }
}
