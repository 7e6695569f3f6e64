/**
 * Messages between `main.ts` and its fuzzing worker.
 *
 * @module
 */

import type { HostileResult } from "./hostile-runner.ts";
import type { Failure, RunResult } from "./runner.ts";

/** One stretch of inputs of one target. */
export interface WorkItem {
  target: string;
  start: number;
  inputs: number;
  /** Slow and hung inputs of this target so far (the worker stops the target at the limit). */
  slowSoFar: number;
}

/** What the worker is started with. */
export interface WorkerJob {
  seed: number;
  profile: "full" | "short";
  items: WorkItem[];
  /** Hostile cases to run after the items, by name. */
  hostile: string[];
  /** Saved cases to replay before the items, by file name. */
  replay: string[];
  budgetMs: number;
  memoryLimit: number;
  maxFailures: number;
  maxSlow: number;
  /** Shared heartbeat, see {@link Heartbeat}. */
  heartbeat: SharedArrayBuffer;
  /**
   * While minimizing: the candidate being run (u32 length, then the encoded case), so that
   * a candidate that hangs is not lost.
   */
  candidate: SharedArrayBuffer;
}

/** Slots of the shared heartbeat (Int32Array). */
export const Heartbeat = {
  /** Counts up on every input, chunk or minimization run. */
  beat: 0,
  /** 0 items, 1 hostile, 2 replay, 3 minimizing (during items). */
  phase: 1,
  /** Index of the current item, hostile case or replay. */
  item: 2,
  /** Index of the current input within the item's target. */
  input: 3,
  size: 4,
} as const;

/** Bytes of the shared candidate buffer. */
export const CANDIDATE_BYTES = 8 * 1024 * 1024;

/** What the worker reports. */
export type WorkerMessage =
  | { type: "failure"; failure: Failure; minimizedFrom?: number }
  | { type: "progress"; target: string; done: number; ms: number }
  | { type: "result"; result: Omit<RunResult, "failures">; item: number }
  | { type: "hostile"; result: HostileResult; item: number }
  | {
      type: "replay";
      file: string;
      ok: boolean;
      kind?: string;
      message?: string;
      ms: number;
      item: number;
    }
  | { type: "done" };
