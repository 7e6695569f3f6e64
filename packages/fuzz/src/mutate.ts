/**
 * Byte-level mutations: bit flips, interesting bytes and numbers, inserted tokens, long
 * runs of one token, deleted, duplicated and spliced ranges. Each call applies a few of
 * them. Sizes are capped so one input stays cheap.
 *
 * @module
 */

import { latin1 } from "./bytes.ts";
import type { Prng } from "./prng.ts";

/** What a target wants its inputs mutated with. */
export interface MutationProfile {
  /** Tokens inserted or repeated: the words of the format (`"\r\n"`, `"227 "`, `"<DIR>"`). */
  tokens: readonly Uint8Array[];
  /** Largest input produced, in bytes. */
  maxSize: number;
  /** Longest run of a repeated token, in bytes. */
  maxRun: number;
  /** Inputs to splice ranges from (the seed corpus). */
  donors?: readonly Uint8Array[];
}

/** Bytes that matter in FTP formats: line ends, Telnet IAC, signs, digits, field separators. */
const INTERESTING_BYTES = [
  0x00, 0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0d, 0x10, 0x20, 0x22, 0x28, 0x29, 0x2c, 0x2d, 0x2e,
  0x2f, 0x30, 0x31, 0x32, 0x35, 0x39, 0x3a, 0x3b, 0x3d, 0x40, 0x7c, 0x7f, 0x80, 0xc0, 0xc3, 0xe2,
  0xef, 0xf0, 0xfa, 0xfb, 0xfd, 0xfe, 0xff,
];

/** Numbers that break length fields: limits, powers of two, their neighbours. */
const INTERESTING_NUMBERS = [
  0,
  1,
  2,
  3,
  16,
  127,
  128,
  255,
  256,
  4095,
  4096,
  32767,
  32768,
  65534,
  65535,
  65536,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 53 - 1,
  2 ** 53,
  2 ** 63,
  2 ** 64 - 1,
];

/** Tokens every text target shares. */
export const COMMON_TEXT_TOKENS: readonly Uint8Array[] = [
  "\r\n",
  "\n",
  "\r",
  "\r\r\n",
  " ",
  "\t",
  "-",
  "(",
  ")",
  ",",
  "|",
  '"',
  ";",
  "=",
  ".",
  ":",
  "0",
  "9",
  "255",
  "65535",
  "99999999999999999999",
  "\u2028",
  "\u00a0",
  "\u00e9",
  "\ufeff",
  "\xff\xff",
  "\xff\xfa",
  "\xff\xf0",
  "\xff\xfb\x01",
  "\x00",
].map((t) => (/[^\x00-\xff]/.test(t) ? new TextEncoder().encode(t) : latin1(t)));

/** Writes `value` big-endian into `width` bytes at `at` (numbers up to 2^64). */
function writeNumber(out: Uint8Array, at: number, width: number, value: number): void {
  let v = BigInt(Math.min(value, 2 ** 64 - 1));
  if (value >= 2 ** 64 - 1) v = (1n << 64n) - 1n;
  for (let i = width - 1; i >= 0; i--) {
    out[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** Applies 1..n mutations to a copy of `input`. */
export function mutate(rng: Prng, input: Uint8Array, profile: MutationProfile): Uint8Array {
  let bytes = input;
  const rounds = 1 + (rng.chance(0.5) ? 0 : rng.length(7));
  for (let r = 0; r < rounds; r++) bytes = mutateOnce(rng, bytes, profile);
  return bytes.length > profile.maxSize ? bytes.subarray(0, profile.maxSize) : bytes;
}

function insert(bytes: Uint8Array, at: number, piece: Uint8Array, maxSize: number): Uint8Array {
  const room = Math.max(0, maxSize - bytes.length);
  const add = piece.length > room ? piece.subarray(0, room) : piece;
  const out = new Uint8Array(bytes.length + add.length);
  out.set(bytes.subarray(0, at), 0);
  out.set(add, at);
  out.set(bytes.subarray(at), at + add.length);
  return out;
}

function repeat(token: Uint8Array, length: number): Uint8Array {
  const out = new Uint8Array(length);
  if (token.length === 0) return out;
  for (let o = 0; o < length; o += token.length) {
    out.set(token.subarray(0, Math.min(token.length, length - o)), o);
  }
  return out;
}

function mutateOnce(rng: Prng, input: Uint8Array, profile: MutationProfile): Uint8Array {
  const n = input.length;
  const at = rng.below(n + 1);
  const op = rng.below(13);
  switch (op) {
    case 0: {
      if (n === 0) return input;
      const out = input.slice();
      const i = rng.below(n);
      out[i]! ^= 1 << rng.below(8);
      return out;
    }
    case 1: {
      if (n === 0) return input;
      const out = input.slice();
      out[rng.below(n)] = rng.chance(0.5) ? rng.pick(INTERESTING_BYTES) : rng.below(256);
      return out;
    }
    case 2: {
      // An interesting number in a 1, 2, 3, 4 or 8 byte big-endian field (block headers).
      const width = rng.pick([1, 2, 3, 4, 8]);
      if (n < width) return input;
      const out = input.slice();
      const value = rng.chance(0.8) ? rng.pick(INTERESTING_NUMBERS) : rng.next();
      writeNumber(out, rng.below(n - width + 1), width, value);
      return out;
    }
    case 3:
      return insert(input, at, rng.bytes(1 + rng.length(31)), profile.maxSize);
    case 4:
    case 5:
      return insert(input, at, rng.pick(profile.tokens), profile.maxSize);
    case 6: {
      // A long run of one token or byte: what exposes quadratic scans and regexes.
      const token = rng.chance(0.7)
        ? rng.pick(profile.tokens)
        : Uint8Array.of(rng.pick(INTERESTING_BYTES));
      return insert(input, at, repeat(token, 1 + rng.length(profile.maxRun - 1)), profile.maxSize);
    }
    case 7: {
      if (n === 0) return input;
      const len = 1 + rng.length(Math.max(0, n - at - 1));
      const out = new Uint8Array(n - Math.min(len, n - at));
      out.set(input.subarray(0, at), 0);
      out.set(input.subarray(at + len), at);
      return out;
    }
    case 8: {
      if (n === 0) return input;
      const from = rng.below(n);
      const len = 1 + rng.length(n - from - 1);
      const times = rng.chance(0.8) ? 1 : 1 + rng.length(63);
      return insert(
        input,
        at,
        repeat(input.subarray(from, from + len), len * times),
        profile.maxSize,
      );
    }
    case 9:
      return n === 0 ? input : input.subarray(0, rng.below(n));
    case 10: {
      const donors = profile.donors;
      if (donors === undefined || donors.length === 0) return input;
      const donor = rng.pick(donors);
      if (donor.length === 0) return input;
      const from = rng.below(donor.length);
      return insert(
        input,
        at,
        donor.subarray(from, from + 1 + rng.length(donor.length - from - 1)),
        profile.maxSize,
      );
    }
    case 11: {
      if (n === 0) return input;
      const out = input.slice();
      const i = rng.below(n);
      out[i] = (out[i]! + rng.between(-4, 4)) & 0xff;
      return out;
    }
    default: {
      // Swap two ranges' order: reorders lines, blocks, fields.
      if (n < 2) return input;
      const a = rng.below(n);
      const b = rng.below(n);
      const [lo, hi] = a < b ? [a, b] : [b, a];
      const out = new Uint8Array(n);
      out.set(input.subarray(0, lo), 0);
      out.set(input.subarray(hi), lo);
      out.set(input.subarray(lo, hi), lo + (n - hi));
      return out;
    }
  }
}

/** Random bytes, drawn from `alphabet` when one is given. */
export function randomBytes(rng: Prng, length: number, alphabet?: Uint8Array): Uint8Array {
  if (alphabet === undefined) return rng.bytes(length);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = alphabet[rng.below(alphabet.length)]!;
  return out;
}
