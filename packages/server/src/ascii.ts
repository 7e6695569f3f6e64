/**
 * TYPE A (RFC 959 §3.1.1.1): the network's end of line is CR LF; the stored files
 * here use LF. Both directions keep state across chunks so that a CR LF split between
 * two chunks is still one line end.
 *
 * @module
 */

const CR = 0x0d;
const LF = 0x0a;

/** Stored bytes → network bytes: a LF not preceded by CR becomes CR LF. */
export class AsciiToNetwork {
  #lastWasCr = false;

  /** Converts a chunk; returns the chunk itself when it holds no bare LF. */
  convert(chunk: Uint8Array): Uint8Array {
    let bare = 0;
    let prevCr = this.#lastWasCr;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === LF && !prevCr) bare++;
      prevCr = c === CR;
    }
    if (bare === 0) {
      if (chunk.length > 0) this.#lastWasCr = chunk[chunk.length - 1] === CR;
      return chunk;
    }
    const out = new Uint8Array(chunk.length + bare);
    let o = 0;
    prevCr = this.#lastWasCr;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === LF && !prevCr) out[o++] = CR;
      out[o++] = c;
      prevCr = c === CR;
    }
    this.#lastWasCr = prevCr;
    return out;
  }
}

/** Network bytes → stored bytes: CR LF becomes LF; a lone CR stays. */
export class AsciiFromNetwork {
  #pendingCr = false;

  /** Converts a chunk; a CR at its end is held until the next chunk shows what follows. */
  convert(chunk: Uint8Array): Uint8Array {
    if (chunk.length === 0) return chunk;
    let crlf = 0;
    for (let i = 0; i + 1 < chunk.length; i++) if (chunk[i] === CR && chunk[i + 1] === LF) crlf++;
    const endsCr = chunk.length > 0 && chunk[chunk.length - 1] === CR;
    if (crlf === 0 && !endsCr && !this.#pendingCr) return chunk;
    const out = new Uint8Array(chunk.length + 1);
    let o = 0;
    let i = 0;
    if (this.#pendingCr) {
      if (chunk[0] !== LF) out[o++] = CR;
      this.#pendingCr = false;
    }
    for (; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (c === CR) {
        if (i + 1 === chunk.length) {
          this.#pendingCr = true;
          break;
        }
        if (chunk[i + 1] === LF) continue;
      }
      out[o++] = c;
    }
    return out.subarray(0, o);
  }

  /** The end of the data: a held CR is written out. */
  flush(): Uint8Array {
    if (!this.#pendingCr) return new Uint8Array(0);
    this.#pendingCr = false;
    return Uint8Array.of(CR);
  }
}
