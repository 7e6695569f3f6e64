/**
 * A small seeded PRNG (sfc32, Chris Doty-Humphrey's Small Fast Counting generator): fast,
 * 128 bits of state, good enough statistics for fuzzing, and the same numbers on every
 * runtime. Every fuzz input gets a generator of its own, derived from (seed, target,
 * index), so input #i of a run can be rebuilt without replaying inputs 0..i-1.
 *
 * @module
 */

import { fnv1a32 } from "./bytes.ts";

/** Seeded pseudo-random numbers. */
export class Prng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  /** Seeds the generator from four 32-bit words (any values, zeros included). */
  constructor(a: number, b: number, c: number, d: number) {
    this.#a = a >>> 0;
    this.#b = b >>> 0;
    this.#c = c >>> 0;
    this.#d = d >>> 0 || 1;
    // Mix the seed into the whole state before the first number is used.
    for (let i = 0; i < 15; i++) this.next();
  }

  /**
   * The generator of one fuzz input.
   *
   * @example
   * ```ts
   * const rng = Prng.forInput(1234, "reply-parser", 17); // always the same numbers
   * ```
   */
  static forInput(seed: number, target: string, index: number): Prng {
    return new Prng(seed, fnv1a32(target), index, Math.floor(index / 0x1_0000_0000) ^ 0x9e3779b9);
  }

  /** The next 32-bit unsigned integer. */
  next(): number {
    const a = this.#a;
    const b = this.#b;
    const c = this.#c;
    const d = this.#d;
    const t = (((a + b) | 0) + d) | 0;
    this.#d = (d + 1) | 0;
    this.#a = b ^ (b >>> 9);
    this.#b = (c + (c << 3)) | 0;
    this.#c = (((c << 21) | (c >>> 11)) + t) | 0;
    return t >>> 0;
  }

  /** An integer in `[0, n)`; `n` must be a positive integer below 2^32. */
  below(n: number): number {
    return Math.floor((this.next() / 0x1_0000_0000) * n);
  }

  /** An integer in `[min, max]`. */
  between(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.next() / 0x1_0000_0000 < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  /**
   * A length in `[0, max]`, log-uniformly distributed: short lengths are common, long ones
   * still come up (a run of 10,000 equal bytes is what finds quadratic code).
   */
  length(max: number): number {
    if (max <= 0) return 0;
    const bits = Math.log2(max + 1);
    return Math.min(max, Math.floor(2 ** ((this.next() / 0x1_0000_0000) * bits)) - 1);
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += 4) {
      let v = this.next();
      for (let k = 0; k < 4 && i + k < n; k++) {
        out[i + k] = v & 0xff;
        v >>>= 8;
      }
    }
    return out;
  }
}
