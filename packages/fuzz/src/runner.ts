/**
 * The fuzzing loop shared by `pnpm fuzz` (in a worker, with time and memory checks) and the
 * CI short pass (in vitest, without them): make input #i from (seed, target, i), run it,
 * classify what happened.
 *
 * @module
 */

import { FtpError } from "@ftpkit/errors";
import { caseSize, type FuzzCase } from "./fuzz-case.ts";
import { Prng } from "./prng.ts";
import type { SeedCorpus } from "./seeds.ts";
import { InvariantFailure, type SizeProfile, type Target } from "./target.ts";

/** What went wrong with an input. */
export type FailureKind = "exception" | "invariant" | "slow" | "hang" | "memory" | "crash";

/** One failing input. */
export interface Failure {
  target: string;
  kind: FailureKind;
  message: string;
  stack?: string;
  input: FuzzCase;
  seed: number;
  index: number;
  /** Milliseconds the input took (slow inputs). */
  ms?: number;
}

/** The outcome of one input. */
export type CaseOutcome =
  | { ok: true }
  | { ok: false; kind: "exception" | "invariant"; message: string; stack?: string };

/**
 * Runs one input and classifies the result: an error outside the ftpkit family is an
 * `exception`, a violated invariant an `invariant` failure.
 */
export function runCase(target: Target, input: FuzzCase): CaseOutcome {
  try {
    target.run(input);
    return { ok: true };
  } catch (error) {
    if (error instanceof InvariantFailure) {
      return { ok: false, kind: "invariant", message: error.message, stack: error.stack ?? "" };
    }
    if (FtpError.isInstance(error)) {
      // Targets catch the family themselves; one escaping means a target forgot to.
      return { ok: false, kind: "invariant", message: `uncaught ${error.name}: ${error.message}`, stack: error.stack ?? "" };
    }
    const e = error instanceof Error ? error : new Error(String(error));
    return { ok: false, kind: "exception", message: `${e.name}: ${e.message}`, stack: e.stack ?? "" };
  }
}

/** Input #index of a run. */
export function makeInput(target: Target, seed: number, index: number, seeds: SeedCorpus, profile: SizeProfile): FuzzCase {
  return target.generate(Prng.forInput(seed, target.name, index), seeds, profile);
}

/** A key that groups failures with the same cause: kind, message shape, first stack frame. */
export function failureSignature(f: Pick<Failure, "kind" | "message" | "stack">): string {
  const message = f.message
    .split("\n")[0]!
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/\d+/g, "N")
    .slice(0, 120);
  const frame = f.stack?.split("\n").find((l) => l.trim().startsWith("at ")) ?? "";
  return `${f.kind}|${message}|${f.kind === "exception" ? frame.trim() : ""}`;
}

/** Options of {@link runTarget}. */
export interface RunOptions {
  seed: number;
  /** Inputs to run. */
  inputs: number;
  /** First input index (to resume after a hang). Default 0. */
  start?: number;
  seeds: SeedCorpus;
  profile: SizeProfile;
  /**
   * Per-input time budget in milliseconds: an input over it (twice, to rule out a GC pause)
   * is a `slow` failure. Undefined: no timing (vitest).
   */
  budgetMs?: number;
  /** Clock for the budget. */
  now?: () => number;
  /** Memory in use (bytes), sampled every few hundred inputs. */
  memory?: () => number;
  /** Most growth of {@link memory} over the run allowed, in bytes. */
  memoryLimit?: number;
  /** Called before input #index runs (the watchdog's heartbeat). */
  onInput?: (index: number) => void;
  /** Called for every failure. */
  onFailure?: (failure: Failure) => void;
  /** Called every `progressEvery` inputs. */
  onProgress?: (done: number, elapsedMs: number) => void;
  progressEvery?: number;
  /** Stop the target after this many failures. Default 50. */
  maxFailures?: number;
  /** Stop the target after this many slow inputs (each costs its time). Default 5. */
  maxSlow?: number;
}

/** What a run of one target did. */
export interface RunResult {
  target: string;
  inputs: number;
  bytes: number;
  ms: number;
  failures: Failure[];
  /** Why the run stopped before `inputs`, if it did. */
  stopped?: string;
  /** Largest growth of memory in use seen, in bytes. */
  memoryGrowth?: number;
}

const MEMORY_EVERY = 512;

/** Runs `options.inputs` inputs of `target`. */
export function runTarget(target: Target, options: RunOptions): RunResult {
  const now = options.now ?? Date.now;
  const start = options.start ?? 0;
  const maxFailures = options.maxFailures ?? 50;
  const maxSlow = options.maxSlow ?? 5;
  const failures: Failure[] = [];
  const began = now();
  let bytes = 0;
  let slow = 0;
  let baseline: number | undefined;
  let memoryGrowth = 0;
  let done = 0;
  const fail = (f: Failure): void => {
    failures.push(f);
    options.onFailure?.(f);
  };
  let stopped: string | undefined;
  for (let index = start; index < start + options.inputs; index++) {
    options.onInput?.(index);
    const input = makeInput(target, options.seed, index, options.seeds, options.profile);
    bytes += caseSize(input);
    const t0 = options.budgetMs === undefined ? 0 : now();
    const outcome = runCase(target, input);
    done++;
    if (!outcome.ok) {
      fail({ target: target.name, kind: outcome.kind, message: outcome.message, stack: outcome.stack ?? "", input, seed: options.seed, index });
    } else if (options.budgetMs !== undefined) {
      const ms = now() - t0;
      if (ms > options.budgetMs) {
        // Once more: a GC pause or a busy machine should not count as a finding.
        const t1 = now();
        runCase(target, input);
        const again = now() - t1;
        if (again > options.budgetMs) {
          slow++;
          fail({
            target: target.name,
            kind: "slow",
            message: `input took ${Math.round(Math.min(ms, again))} ms (budget ${options.budgetMs} ms) for ${caseSize(input)} bytes`,
            input,
            seed: options.seed,
            index,
            ms: Math.min(ms, again),
          });
        }
      }
    }
    if (options.memory !== undefined && done % MEMORY_EVERY === 0) {
      const used = options.memory();
      if (baseline === undefined) baseline = used;
      memoryGrowth = Math.max(memoryGrowth, used - baseline);
      if (options.memoryLimit !== undefined && used - baseline > options.memoryLimit) {
        fail({
          target: target.name,
          kind: "memory",
          message: `memory in use grew by ${Math.round((used - baseline) / 2 ** 20)} MiB over ${done} inputs (limit ${Math.round(options.memoryLimit / 2 ** 20)} MiB)`,
          input,
          seed: options.seed,
          index,
        });
        stopped = "memory limit";
        break;
      }
    }
    if (options.onProgress !== undefined && done % (options.progressEvery ?? 10000) === 0) {
      options.onProgress(done, now() - began);
    }
    if (failures.length >= maxFailures) {
      stopped = `${failures.length} failures`;
      break;
    }
    if (slow >= maxSlow) {
      stopped = `${slow} slow inputs`;
      break;
    }
  }
  const result: RunResult = { target: target.name, inputs: done, bytes, ms: now() - began, failures, memoryGrowth };
  if (stopped !== undefined) result.stopped = stopped;
  return result;
}
