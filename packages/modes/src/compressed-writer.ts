/**
 * The output of a MODE C encoder (RFC 959 §3.4.3): byte strings (`0nnnnnnn` + n bytes,
 * n = 1..127), replicated bytes (`10nnnnnn` + the byte) and filler strings (`11nnnnnn`),
 * written into one buffer sized by the caller.
 *
 * @module
 */

const MAX_STRING = 127;
const MAX_RUN = 63;
/** Byte strings shorter than this are copied by hand: cheaper than a call that copies. */
const SHORT_COPY = 16;

/** Writes codes into `out`; a byte string stays open until a run code or {@link close}. */
export class CompressedWriter {
  readonly out: Uint8Array;
  /** Bytes written. */
  o = 0;
  /** Where the open byte string's count goes. */
  #hdr = 0;
  /** Bytes in the open byte string (0: none open). */
  #lit = 0;

  /** `size`: room for everything the caller writes (bytes plus a count every 127). */
  constructor(size: number) {
    this.out = new Uint8Array(size);
  }

  /** Bytes in the open byte string. */
  get open(): number {
    return this.#lit;
  }

  /** Where the open byte string's bytes start. */
  get openStart(): number {
    return this.#hdr + 1;
  }

  /** Ends the open byte string, if any. */
  close(): void {
    if (this.#lit > 0) {
      this.out[this.#hdr] = this.#lit;
      this.#lit = 0;
    }
  }

  /** Drops the open byte string from the output (the caller carries its bytes on). */
  dropOpen(): void {
    if (this.#lit > 0) this.o = this.#hdr;
    this.#lit = 0;
  }

  /** Appends `bytes[from..to)` to the byte strings, a new one every 127 bytes. */
  bytes(bytes: Uint8Array, from: number, to: number): void {
    let at = from;
    if (this.#lit > 0) {
      // Fill up the open string first.
      const take = Math.min(MAX_STRING - this.#lit, to - at);
      this.#copy(bytes, at, take);
      at += take;
      this.#lit += take;
      if (this.#lit === MAX_STRING) this.close();
    }
    const length = to - at;
    if (length === 0) return;
    if (length <= MAX_STRING) {
      this.#hdr = this.o++;
      this.#copy(bytes, at, length);
      this.#lit = length;
      if (length === MAX_STRING) this.close();
      return;
    }
    this.#spread(bytes, at, length);
  }

  /** Appends `count` copies of `b` to the byte strings (a run too short for a code). */
  repeat(b: number, count: number): void {
    for (let k = 0; k < count; k++) {
      if (this.#lit === 0) this.#hdr = this.o++;
      this.out[this.o++] = b;
      if (++this.#lit === MAX_STRING) this.close();
    }
  }

  /** A run of `count` fillers as filler codes, 63 at most each. */
  fillers(count: number): void {
    this.close();
    for (let r = count; r > 0; r -= MAX_RUN) this.out[this.o++] = 0xc0 | Math.min(r, MAX_RUN);
  }

  /**
   * A run of `count` copies of `b` as replicated-byte codes, 63 at most each, while 3
   * or more are left; returns how many are left over (0..2).
   */
  replicated(b: number, count: number): number {
    if (count < 3) return count;
    this.close();
    let r = count;
    for (; r >= 3; r -= Math.min(r, MAX_RUN)) {
      this.out[this.o++] = 0x80 | Math.min(r, MAX_RUN);
      this.out[this.o++] = b;
    }
    return r;
  }

  #copy(bytes: Uint8Array, from: number, length: number): void {
    const out = this.out;
    if (length < SHORT_COPY) {
      let o = this.o;
      for (let k = from; k < from + length; k++) out[o++] = bytes[k]!;
      this.o = o;
      return;
    }
    out.set(bytes.subarray(from, from + length), this.o);
    this.o += length;
  }

  /**
   * `length` (> 127) bytes as byte strings from a fresh one. One copy puts them all in
   * place behind the first count; then each 127-byte piece moves up by one byte for each
   * count before it, the last piece first (moves within the buffer need no view of the
   * input per piece, which costs more than the move itself), and the counts go in.
   */
  #spread(bytes: Uint8Array, from: number, length: number): void {
    const out = this.out;
    const base = this.o;
    out.set(bytes.subarray(from, from + length), base + 1);
    const pieces = Math.ceil(length / MAX_STRING);
    for (let s = pieces - 1; s >= 1; s--) {
      const start = base + 1 + s * MAX_STRING;
      out.copyWithin(start + s, start, base + 1 + Math.min(length, (s + 1) * MAX_STRING));
    }
    for (let s = 0; s < pieces - 1; s++) out[base + s * (MAX_STRING + 1)] = MAX_STRING;
    const rest = length - (pieces - 1) * MAX_STRING;
    this.#hdr = base + (pieces - 1) * (MAX_STRING + 1);
    this.o = this.#hdr + 1 + rest;
    this.#lit = rest;
    if (rest === MAX_STRING) this.close();
  }
}
