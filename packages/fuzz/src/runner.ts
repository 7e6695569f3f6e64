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
      return {
        ok: false,
        kind: "invariant",
        message: `uncaught ${error.name}: ${error.message}`,
        stack: error.stack ?? "",
      };
    }
    const e = error instanceof Error ? error : new Error(String(error));
    return {
      ok: false,
      kind: "exception",
      message: `${e.name}: ${e.message}`,
      stack: e.stack ?? "",
    };
  }
}

/** Input #index of a run. */
export function makeInput(
  target: Target,
  seed: number,
  index: number,
  seeds: SeedCorpus,
  profile: SizeProfile,
): FuzzCase {
  return target.generate(Prng.forInput(seed, target.name, index), seeds, profile);
}

/** A key that groups failures with the same cause: kind, message shape, first stack frame. */
export function failureSignature(f: Pick<Failure, "kind" | "message" | "stack">): string {
  const message = f.message
    .split("\n")[0]!
    .replace(/"(?:[^"\\]|\\.)*"/g, '"…"')
    .replace(/-?(?:\d+(?:\.\d+)?(?:e[+-]?\d+)?|Infinity|NaN)/g, "N")
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
  /** Clock for elapsed time, in milliseconds. Default `Date.now`. */
  now?: () => number;
  /** Clock for the budget (CPU time, so that a starved process is not slow). Default {@link now}. */
  budgetNow?: () => number;
  /** Memory in use (bytes), sampled every few hundred inputs. */
  memory?: () => number;
  /** Inputs between two memory samples. Default 512. */
  memoryEvery?: number;
  /** Most growth of {@link memory} over the run allowed, in bytes. */
  memoryLimit?: number;
  /** Called before input #index runs (the watchdog's heartbeat). */
  onInput?: (index: number) => void;
  /**
   * Called for the first failure of each signature (the first three of slow ones); the same
   * bug found again is only counted.
   */
  onFailure?: (failure: Failure) => void;
  /** Called every `progressEvery` inputs. */
  onProgress?: (done: number, elapsedMs: number) => void;
  progressEvery?: number;
  /** Stop the target after this many distinct failures (by signature). Default 20. */
  maxFailures?: number;
  /** Stop the target after this many slow inputs (each costs its time). Default 3. */
  maxSlow?: number;
}

/** What a run of one target did. */
export interface RunResult {
  target: string;
  inputs: number;
  bytes: number;
  ms: number;
  /** The failures reported (first of each signature). */
  failures: Failure[];
  /** Failures not reported because an earlier one had the same signature. */
  duplicates: number;
  /** Why the run stopped before `inputs`, if it did. */
  stopped?: string;
  /** Largest growth of memory in use seen, in bytes. */
  memoryGrowth?: number;
}

/** Runs `options.inputs` inputs of `target`. */
export function runTarget(target: Target, options: RunOptions): RunResult {
  const now = options.now ?? Date.now;
  const budgetNow = options.budgetNow ?? now;
  const start = options.start ?? 0;
  const maxFailures = options.maxFailures ?? 20;
  const maxSlow = options.maxSlow ?? 3;
  const failures: Failure[] = [];
  const began = now();
  let bytes = 0;
  let slow = 0;
  let baseline: number | undefined;
  let memoryGrowth = 0;
  let done = 0;
  const signatures = new Map<string, number>();
  let duplicates = 0;
  const fail = (f: Failure): void => {
    const signature = failureSignature(f);
    const seen = (signatures.get(signature) ?? 0) + 1;
    signatures.set(signature, seen);
    if (seen > (f.kind === "slow" ? 3 : 1)) {
      duplicates++;
      return;
    }
    failures.push(f);
    options.onFailure?.(f);
  };
  let stopped: string | undefined;
  for (let index = start; index < start + options.inputs; index++) {
    options.onInput?.(index);
    const input = makeInput(target, options.seed, index, options.seeds, options.profile);
    bytes += caseSize(input);
    const t0 = options.budgetMs === undefined ? 0 : budgetNow();
    const outcome = runCase(target, input);
    done++;
    if (!outcome.ok) {
      fail({
        target: target.name,
        kind: outcome.kind,
        message: outcome.message,
        stack: outcome.stack ?? "",
        input,
        seed: options.seed,
        index,
      });
    } else if (options.budgetMs !== undefined) {
      const ms = budgetNow() - t0;
      if (ms > options.budgetMs) {
        // Once more: a GC pause should not count as a finding.
        const t1 = budgetNow();
        runCase(target, input);
        const again = budgetNow() - t1;
        if (again > options.budgetMs) {
          slow++;
          fail({
            target: target.name,
            kind: "slow",
            message: `input took ${Math.round(Math.min(ms, again))} ms of CPU (budget ${options.budgetMs} ms) for ${caseSize(input)} bytes`,
            input,
            seed: options.seed,
            index,
            ms: Math.min(ms, again),
          });
        }
      }
    }
    if (options.memory !== undefined && done % (options.memoryEvery ?? 512) === 0) {
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
    if (signatures.size >= maxFailures) {
      stopped = `${signatures.size} distinct failures`;
      break;
    }
    if (slow >= maxSlow) {
      stopped = `${slow} slow inputs`;
      break;
    }
  }
  const result: RunResult = {
    target: target.name,
    inputs: done,
    bytes,
    ms: now() - began,
    failures,
    duplicates,
    memoryGrowth,
  };
  if (stopped !== undefined) result.stopped = stopped;
  return result;
}
