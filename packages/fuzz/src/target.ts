/**
 * What a fuzz target is, and the helpers targets check their invariants with.
 *
 * @module
 */

import { FtpError } from "@ftpkit/errors";
import type { FuzzCase } from "./fuzz-case.ts";
import type { Prng } from "./prng.ts";
import type { SeedCorpus } from "./seeds.ts";

/** How big generated inputs may get. */
export interface SizeProfile {
  /** Largest text input (reply streams, lines, listings), in bytes. */
  maxText: number;
  /** Largest binary input (data connections), in bytes. */
  maxBinary: number;
  /** Longest run of one repeated token, in bytes. */
  maxRun: number;
}

/** The profile of `pnpm fuzz`: big enough to reach every limit and to expose superlinear code. */
export const FULL_PROFILE: SizeProfile = {
  maxText: 64 * 1024,
  maxBinary: 256 * 1024,
  maxRun: 64 * 1024,
};

/**
 * The profile of the CI short pass: small inputs, so that a quadratic bug costs
 * milliseconds there (the full fuzzer is what measures time per input).
 */
export const SHORT_PROFILE: SizeProfile = { maxText: 1024, maxBinary: 16 * 1024, maxRun: 256 };

/** One thing to fuzz: how to make inputs for it, and how to run and check one. */
export interface Target {
  /** Name used on the command line and in regression file names. */
  readonly name: string;
  /** What is fuzzed, for `--list`. */
  readonly description: string;

  /** Builds input `rng` stands for. Must depend on nothing but `rng`, `seeds` and `profile`. */
  generate(rng: Prng, seeds: SeedCorpus, profile: SizeProfile): FuzzCase;
  /**
   * Runs one input. Errors of the ftpkit family are expected outcomes and are caught inside;
   * anything else propagates. A violated invariant throws {@link InvariantFailure}.
   */
  run(input: FuzzCase): void;
}

/** A property the code under test promises did not hold. */
export class InvariantFailure extends Error {
  override readonly name = "InvariantFailure";
}

/** Throws {@link InvariantFailure} with `message` unless `condition` holds. */
export function check(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new InvariantFailure(typeof message === "string" ? message : message());
}

/** What a call gave: its value, or the ftpkit error it threw. */
export type Attempt<T> = { ok: true; value: T } | { ok: false; error: FtpError };

/**
 * Calls `fn`; an error of the ftpkit family becomes a value, anything else is rethrown (that
 * is the fuzzer's finding).
 */
export function attempt<T>(fn: () => T): Attempt<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    if (FtpError.isInstance(error)) return { ok: false, error };
    throw error;
  }
}

/** The `name` of an ftpkit error, for comparing outcomes. */
export function errorName(error: FtpError): string {
  return error.name;
}

/** Reads bit `bit` of a case's config byte. */
export function configBit(config: number, bit: number): boolean {
  return ((config >> bit) & 1) === 1;
}

/** Picks one of `options` from bits `from`.. of the config byte. */
export function configPick<T>(config: number, from: number, options: readonly T[]): T {
  const bits = Math.ceil(Math.log2(options.length));
  const v = (config >> from) & ((1 << bits) - 1);
  return options[v % options.length]!;
}
