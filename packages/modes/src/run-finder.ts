/**
 * Finding the runs a MODE C encoder turns into codes (RFC 959 §3.4.3): 3 or more equal
 * bytes (a replicated-byte code) or 2 or more filler bytes (a filler code). In data that
 * does not compress, such runs are rare (random bytes: about one in 32 KiB), and looking
 * at every byte costs more than the copy of the bytes itself. So the scan reads the data
 * as 32-bit words and looks closer only where two neighbouring bytes are equal, which any
 * such run has: 8 bytes per step on little-endian machines (every engine this runs on),
 * byte by byte elsewhere.
 *
 * @module
 */

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
/** Inputs shorter than this are scanned byte by byte: a word view is not worth making. */
const WORD_SCAN_MIN = 64;
/** Positions looked at byte by byte before the word scan (runs close together: text). */
const PROBE = 32;
const ONES = 0x01010101;
const HIGHS = 0x80808080;
const NO_WORDS = new Uint32Array(0);

/** Finds the runs worth a code in one input. */
export class RunFinder {
  readonly #bytes: Uint8Array;
  readonly #filler: number;
  /** The input's 4-byte aligned middle as words (empty: scan byte by byte). */
  readonly #words: Uint32Array;
  /** The index in the input of the first word's first byte. */
  readonly #wordStart: number;

  constructor(bytes: Uint8Array, filler: number) {
    this.#bytes = bytes;
    this.#filler = filler;
    const skip = (4 - (bytes.byteOffset & 3)) & 3;
    if (LITTLE_ENDIAN && bytes.length - skip >= WORD_SCAN_MIN) {
      this.#wordStart = skip;
      this.#words = new Uint32Array(
        bytes.buffer,
        bytes.byteOffset + skip,
        (bytes.length - skip) >>> 2,
      );
    } else {
      this.#wordStart = 0;
      this.#words = NO_WORDS;
    }
  }

  /**
   * The first position in `[from, to)` where a run worth a code starts (3 equal bytes,
   * or 2 fillers), or `to` when there is none. `from` must not continue a run that
   * started before it (the caller scans on from a run's end), and the run found must end
   * before `to` (the caller keeps the input's last run out), so a pair found is a run's
   * start and what follows it can be read.
   */
  find(from: number, to: number): number {
    const bytes = this.#bytes;
    let p = from;
    // Byte by byte for a few positions, up to the start of a word.
    let probeEnd = p + PROBE;
    probeEnd = Math.min(to - 1, probeEnd + ((this.#wordStart - probeEnd) & 3));
    for (; p < probeEnd; p++) {
      if (bytes[p] === bytes[p + 1] && this.#worthACode(p, to)) return p;
    }
    // Two words at a time, with the first byte of the word after them: the pairs
    // (q, q + 1) for the 8 positions q of the two words. A pair of equal bytes is a zero
    // byte in `word ^ (word >>> 8 | next << 24)` (little-endian: byte k of a word is the
    // k-th in memory); the zero-byte test is exact when it says there is none.
    const words = this.#words;
    let k = (p - this.#wordStart) >> 2;
    if (k >= 0 && k + 2 < words.length && p + 8 < to) {
      const last = Math.min(words.length - 3, (to - 9 - this.#wordStart) >> 2);
      let word = words[k]!;
      for (; k <= last; k += 2) {
        const second = words[k + 1]!;
        const third = words[k + 2]!;
        const x = word ^ ((word >>> 8) | (second << 24));
        const y = second ^ ((second >>> 8) | (third << 24));
        if ((((x - ONES) & ~x) | ((y - ONES) & ~y)) & HIGHS) {
          // Somewhere in these 8 positions two neighbours are equal: look byte by byte.
          const start = this.#wordStart + 4 * k;
          for (let q = start; q < start + 8; q++) {
            if (bytes[q] === bytes[q + 1] && this.#worthACode(q, to)) return q;
          }
        }
        word = third;
      }
      p = this.#wordStart + 4 * k;
    }
    // The rest byte by byte.
    for (; p < to - 1; p++) {
      if (bytes[p] === bytes[p + 1] && this.#worthACode(p, to)) return p;
    }
    return to;
  }

  /** True when the run starting at `p` (bytes[p] === bytes[p + 1]) is worth a code. */
  #worthACode(p: number, to: number): boolean {
    const b = this.#bytes[p]!;
    return b === this.#filler || (p + 2 < to && this.#bytes[p + 2] === b);
  }
}
