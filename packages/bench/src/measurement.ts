/**
 * One measured run and the figures derived from it.
 *
 * @module
 */

import type { LatencyProxyStats } from "./latency-proxy.ts";
import type { RunnerResult } from "./runner-protocol.ts";

/** The two workloads. */
export type Workload = "small" | "big";

/** One client's run against one server at one RTT. */
export interface Measurement {
  server: string;
  /** The RTT asked for (0: no proxy). */
  rttMs: number;
  /** The RTT the proxy really added (timers fire late), ms. */
  effectiveRttMs: number;
  workload: Workload;
  /** "curl", "basic-ftp", "ftpkit S ×1", … */
  client: string;
  /** Control connections used. */
  concurrency: number;
  result: RunnerResult;
  /** What went through the proxy (undefined at RTT 0). */
  proxy: LatencyProxyStats | undefined;
  /** CPU the server used during the run, ms (undefined where unknown). */
  serverCpuMs: number | undefined;
}

/** Files per second over the whole run (login included). */
export function filesPerSecond(m: Measurement): number {
  return m.result.files / (m.result.totalMs / 1000);
}

/** MB/s (10^6 bytes) over the whole run. */
export function megabytesPerSecond(m: Measurement, bytes: number): number {
  return bytes / 1e6 / (m.result.totalMs / 1000);
}

/** MB/s over the transfer only (from the first RETR to the last byte). */
export function transferMegabytesPerSecond(m: Measurement, bytes: number): number {
  return bytes / 1e6 / (m.result.transferMs / 1000);
}

/**
 * Round trips per file, from time: what a file costs at the added RTT beyond what it
 * costs at RTT 0, in RTTs, per control connection:
 * `(t_rtt / n_rtt − t_0 / n_0) × lanes / effective RTT`.
 */
export function roundTripsPerFile(atRtt: Measurement, atZero: Measurement | undefined): number {
  if (atZero === undefined || atRtt.effectiveRttMs <= 0) return Number.NaN;
  const perFile = atRtt.result.totalMs / atRtt.result.files;
  const perFileAtZero = atZero.result.totalMs / atZero.result.files;
  return ((perFile - perFileAtZero) * atRtt.concurrency) / atRtt.effectiveRttMs;
}
