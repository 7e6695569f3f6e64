/**
 * Feeds the hostile cases and checks them: errors and their byte bounds always; memory
 * retained and linear time when given a memory probe and a clock (the fuzzer), not in vitest.
 *
 * @module
 */

import { FtpError } from "@ftpkit/errors";
import type { HostileCase } from "./hostile.ts";

/** Probes the harness may use. */
export interface HostileProbes {
  /** Bytes to feed (default: the case's size). */
  size?: number;
  /** Memory held right now after a full GC, in bytes; enables the retained-memory check. */
  memory?: () => number;
  /** Bytes between two memory samples. Default 4 MiB. */
  sampleEvery?: number;
  /** Clock in milliseconds; enables the linear-time check of `whole` cases. */
  now?: () => number;
  /** A `whole` step taking longer than this ends the doubling. Default 500 ms. */
  stepBudgetMs?: number;
  /** Called between chunks (the watchdog's heartbeat). */
  heartbeat?: () => void;
}

/** What a hostile case did. */
export interface HostileResult {
  name: string;
  target: string;
  ok: boolean;
  /** Every expectation that did not hold. */
  problems: string[];
  /** Bytes fed (the largest size, for `whole` cases). */
  fed: number;
  /** The typed error the feeding ended with, `Name: message`. */
  error?: string;
  /** The error `end()` threw. */
  endError?: string;
  /** Most memory held by the consumer, in bytes. */
  retained?: number;
  /** `whole` cases: [size, ms] of each doubling step. */
  steps?: [number, number][];
  ms: number;
}

/** Runs one streaming case. */
function runStream(c: HostileCase, probes: HostileProbes): HostileResult {
  const size = probes.size ?? c.size;
  const now = probes.now ?? Date.now;
  const sampleEvery = probes.sampleEvery ?? 4 * 1024 * 1024;
  const problems: string[] = [];
  const result: HostileResult = {
    name: c.name,
    target: c.target,
    ok: true,
    problems,
    fed: 0,
    ms: 0,
  };
  const began = now();
  const base = probes.memory?.();
  let retained = 0;
  let nextSample = sampleEvery;
  const sample = (): void => {
    if (probes.memory === undefined || base === undefined) return;
    retained = Math.max(retained, probes.memory() - base);
  };
  const consumer = c.consumer();
  let fed = 0;
  let failed = false;
  for (const chunk of c.chunks(size)) {
    probes.heartbeat?.();
    try {
      consumer.push(chunk);
    } catch (error) {
      failed = true;
      if (FtpError.isInstance(error)) result.error = `${error.name}: ${error.message}`;
      else problems.push(`push threw outside the ftpkit family: ${String(error)}`);
      fed += chunk.length;
      break;
    }
    fed += chunk.length;
    if (fed >= nextSample) {
      sample();
      nextSample = fed + sampleEvery;
    }
    if (fed >= size) break;
  }
  sample();
  if (!failed) {
    try {
      consumer.end();
    } catch (error) {
      if (FtpError.isInstance(error)) result.endError = `${error.name}: ${error.message}`;
      else problems.push(`end() threw outside the ftpkit family: ${String(error)}`);
    }
  }
  result.fed = fed;
  const want = c.expect;
  if (want.error !== undefined) {
    if (result.error === undefined)
      problems.push(
        `no ${want.error.name} after ${fed} bytes (expected one within ${want.error.within})`,
      );
    else if (!result.error.startsWith(`${want.error.name}:`))
      problems.push(`threw ${result.error}, expected ${want.error.name}`);
    else if (fed > want.error.within)
      problems.push(`${want.error.name} came after ${fed} bytes, bound ${want.error.within}`);
  } else if (result.error !== undefined) {
    problems.push(`threw ${result.error} after ${fed} bytes, expected to take everything`);
  }
  if (want.endError !== undefined && result.error === undefined) {
    if (result.endError === undefined || !result.endError.startsWith(`${want.endError}:`)) {
      problems.push(`end() gave ${result.endError ?? "no error"}, expected ${want.endError}`);
    }
  }
  if (probes.memory !== undefined) {
    result.retained = retained;
    if (retained > want.retained) {
      problems.push(
        `held ${(retained / 2 ** 20).toFixed(1)} MiB after ${(fed / 2 ** 20).toFixed(1)} MiB of input, bound ${(want.retained / 2 ** 20).toFixed(1)} MiB`,
      );
    }
  }
  result.ms = now() - began;
  result.ok = problems.length === 0;
  return result;
}

/** Times the parse of `size` bytes (the chunks are made before the clock starts). */
function timeWhole(c: HostileCase, size: number, now: () => number, problems: string[]): number {
  const consumer = c.consumer();
  for (const chunk of c.chunks(size)) consumer.push(chunk);
  const t0 = now();
  try {
    consumer.end();
  } catch (error) {
    if (!FtpError.isInstance(error))
      problems.push(`threw outside the ftpkit family at ${size} bytes: ${String(error)}`);
  }
  return now() - t0;
}

/** Runs one `whole` case: doubles the input and checks that time doubles too. */
function runWhole(c: HostileCase, probes: HostileProbes): HostileResult {
  const now = probes.now;
  const size = probes.size ?? c.size;
  const problems: string[] = [];
  const result: HostileResult = {
    name: c.name,
    target: c.target,
    ok: true,
    problems,
    fed: 0,
    ms: 0,
  };
  const began = (now ?? Date.now)();
  if (now === undefined) {
    timeWhole(c, size, Date.now, problems);
    result.fed = size;
  } else {
    const stepBudget = probes.stepBudgetMs ?? 500;
    const steps: [number, number][] = [];
    for (let s = 1024; s <= size; s *= 2) {
      probes.heartbeat?.();
      const ms = timeWhole(c, s, now, problems);
      steps.push([s, ms]);
      result.fed = s;
      if (ms > stepBudget) break;
    }
    // Doubling the input should double the time; 3.5× or more at a measurable duration
    // means quadratic or worse. Measure the pair once more before calling it.
    for (let i = 1; i < steps.length; i++) {
      const [s1, t1] = steps[i - 1]!;
      const [s2, t2] = steps[i]!;
      if (t2 < 100 || t2 / Math.max(t1, 1) < 3.5) continue;
      probes.heartbeat?.();
      const a = Math.min(t1, timeWhole(c, s1, now, problems));
      const b = Math.min(t2, timeWhole(c, s2, now, problems));
      if (b >= 100 && b / Math.max(a, 1) >= 3.5) {
        problems.push(
          `superlinear: ${s1} bytes took ${a.toFixed(0)} ms, ${s2} bytes ${b.toFixed(0)} ms (×${(b / Math.max(a, 1)).toFixed(1)} for ×2 input)`,
        );
        break;
      }
    }
    result.steps = steps;
  }
  result.ms = (now ?? Date.now)() - began;
  result.ok = problems.length === 0;
  return result;
}

/** Runs a hostile case. */
export function runHostile(c: HostileCase, probes: HostileProbes = {}): HostileResult {
  return c.kind === "stream" ? runStream(c, probes) : runWhole(c, probes);
}
