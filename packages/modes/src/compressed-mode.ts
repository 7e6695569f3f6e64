/**
 * COMPRESSED mode (RFC 959 §3.4.3). Codes:
 *
 * - `0nnnnnnn` + n bytes: a byte string (n = 1..127);
 * - `10nnnnnn` + d: n copies of byte d (n = 1..63);
 * - `11nnnnnn`: n filler bytes (space for TYPE A, 0x40 for TYPE E, zero for I and L);
 * - `00000000` + descriptor: an escape with BLOCK mode's descriptor codes (128 EOR, 64 EOF,
 *   32 suspect, 16 restart marker); the descriptor applies to the byte string that follows,
 *   so a restart marker's characters follow as a byte string.
 *
 * No server in the wild speaks MODE C (see the package README), so these codecs follow the
 * RFC text alone.
 *
 * @module
 */

import { FtpProtocolError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import { BLOCK_EOF, BLOCK_EOR, BLOCK_RESTART, BLOCK_SUSPECT } from "./block-mode.ts";
import { CompressedWriter } from "./compressed-writer.ts";
import { decodeRestartMarker, encodeRestartMarker, MarkerCollector } from "./restart-marker.ts";
import { RunFinder } from "./run-finder.ts";
import type {
  DecoderOptions,
  EncoderOptions,
  FileStructure,
  ModeDecoder,
  ModeEncoder,
  ModeEvent,
  RepresentationType,
} from "./types.ts";

/** The filler byte of a representation type (RFC 959 §3.4.3). */
export function fillerByte(type: RepresentationType = "I"): number {
  return type === "A" ? 0x20 : type === "E" ? 0x40 : 0x00;
}

const KNOWN = BLOCK_EOR | BLOCK_EOF | BLOCK_SUSPECT | BLOCK_RESTART;
const MAX_STRING = 127;
const MAX_RUN = 63;
const OUTPUT_MIN = 64 * 1024;

// Decoder states.
const CODE = 0;
const STRING = 1;
const REPLICATED = 2;
const ESCAPE = 3;
const MARKER_CODE = 4;
const MARKER = 5;

/**
 * Decodes COMPRESSED mode. Decoded bytes of a chunk are written into one output buffer per
 * push (replicated and filler codes have no bytes to take a view of), so a push yields few
 * data events whatever the code sizes. Output per push is bounded by 63 times the chunk.
 *
 * @example
 * ```ts
 * const d = new CompressedDecoder({ type: "A" });
 * d.push(Uint8Array.of(0x02, 0x68, 0x69, 0xc3, 0x00, 0x40)); // data "hi   ", then eof
 * ```
 */
export class CompressedDecoder implements ModeDecoder {
  readonly #structure: FileStructure;
  readonly #filler: number;
  readonly #inPlace: boolean;
  #state = CODE;
  #remaining = 0;
  #suspectNext = false;
  #suspect = false;
  #pendingFlags = 0;
  #marker = new MarkerCollector();
  #bytes = 0;
  #idle = true;
  #eofEnd = -1;
  #files = 0;
  // Output of the current push.
  #out: Uint8Array = new Uint8Array(0);
  #o = 0;
  #start = 0;

  constructor(options: DecoderOptions = {}) {
    this.#structure = options.structure ?? "F";
    this.#filler = fillerByte(options.type);
    this.#inPlace = options.decodeInPlace ?? false;
  }

  /** True between files: before the first byte, or right after an EOF escape. */
  get betweenFiles(): boolean {
    return this.#idle;
  }

  /** Decodes a chunk. @throws {FtpProtocolError} on zero counts or unknown descriptor bits. */
  push(chunk: Uint8Array): ModeEvent[] {
    const events: ModeEvent[] = [];
    const n = chunk.length;
    if (n === 0) return events;
    this.#idle = false;
    this.#eofEnd = -1;
    // In place: the output never passes what has been read, as long as no run decodes
    // to more than its code takes (`#grow` goes on in a buffer of its own if one does).
    if (this.#inPlace) this.#use(chunk);
    else this.#alloc(2 * n + 128);
    const filler = this.#filler;
    let out = this.#out;
    let o = this.#o;
    let state = this.#state;
    let remaining = this.#remaining;
    let i = 0;
    while (i < n) {
      if (state === CODE && !this.#suspectNext) {
        // Hot path: codes back to back, locals only; leaves on the first code that does not
        // fit in this chunk, or on an escape.
        while (i < n) {
          const c = chunk[i]!;
          let count: number;
          if (c > 0 && c < 0x80) {
            const end = i + 1 + c;
            if (end > n) break;
            if (o + c > out.length) {
              this.#o = o;
              this.#grow(events, c);
              out = this.#out;
              o = this.#o;
            }
            // Short copies by hand beat set() on small ranges.
            if (c < 16) {
              for (let k = i + 1; k < end; k++) out[o++] = chunk[k]!;
            } else if (out === chunk) {
              chunk.copyWithin(o, i + 1, end);
              o += c;
            } else {
              out.set(chunk.subarray(i + 1, end), o);
              o += c;
            }
            i = end;
            continue;
          }
          if (c === 0) break;
          count = c & 0x3f;
          if (count === 0) throw zeroCount(c);
          if (c < 0xc0 && i + 1 === n) break;
          if (o + count > (out === chunk ? i + (c < 0xc0 ? 2 : 1) : out.length)) {
            this.#o = o;
            this.#grow(events, count);
            out = this.#out;
            o = this.#o;
          }
          if (c >= 0xc0) {
            out.fill(filler, o, o + count);
            i++;
          } else {
            out.fill(chunk[i + 1]!, o, o + count);
            i += 2;
          }
          o += count;
        }
        if (i === n) break;
      }
      if (state === CODE) {
        // One code the hot path left: an escape, a code split across chunks, or the code
        // an escape flagged suspect (it gets an event of its own).
        const c = chunk[i++]!;
        if (this.#suspectNext && c !== 0) {
          this.#o = o;
          this.#flush(events);
          o = this.#o;
          this.#suspectNext = false;
          this.#suspect = true;
        }
        if (c === 0) {
          state = ESCAPE;
        } else if (c < 0x80) {
          state = STRING;
          remaining = c;
        } else if ((c & 0x3f) === 0) {
          throw zeroCount(c);
        } else if (c < 0xc0) {
          state = REPLICATED;
          remaining = c & 0x3f;
        } else {
          const count = c & 0x3f;
          if (o + count > (out === chunk ? i : out.length)) {
            this.#o = o;
            this.#grow(events, count);
            out = this.#out;
            o = this.#o;
          }
          out.fill(filler, o, o + count);
          o += count;
          if (this.#suspect) {
            this.#o = o;
            this.#flush(events);
            this.#suspect = false;
          }
        }
        continue;
      }
      if (state === STRING) {
        const take = Math.min(remaining, n - i);
        if (o + take > out.length) {
          this.#o = o;
          this.#grow(events, take);
          out = this.#out;
          o = this.#o;
        }
        if (out === chunk) chunk.copyWithin(o, i, i + take);
        else out.set(chunk.subarray(i, i + take), o);
        o += take;
        i += take;
        remaining -= take;
        if (remaining === 0) {
          state = CODE;
          if (this.#suspect) {
            this.#o = o;
            this.#flush(events);
            this.#suspect = false;
          }
        }
        continue;
      }
      if (state === REPLICATED) {
        if (o + remaining > (out === chunk ? i + 1 : out.length)) {
          this.#o = o;
          this.#grow(events, remaining);
          out = this.#out;
          o = this.#o;
        }
        out.fill(chunk[i++]!, o, o + remaining);
        o += remaining;
        remaining = 0;
        state = CODE;
        if (this.#suspect) {
          this.#o = o;
          this.#flush(events);
          this.#suspect = false;
        }
        continue;
      }
      if (state === ESCAPE) {
        const d = chunk[i++]!;
        if (d === 0 || (d & ~KNOWN) !== 0) {
          throw new FtpProtocolError(
            `MODE C: escape descriptor 0x${d.toString(16).padStart(2, "0")} is ${d === 0 ? "empty" : "not made of the codes 128, 64, 32, 16"} (RFC 959 §3.4.3)`,
          );
        }
        this.#o = o;
        this.#flush(events);
        o = this.#o;
        if (d & BLOCK_SUSPECT) this.#suspectNext = true;
        if (d & BLOCK_RESTART) {
          this.#pendingFlags = d;
          state = MARKER_CODE;
        } else {
          state = CODE;
          if (this.#markers(d, events)) this.#eofEnd = i;
        }
        continue;
      }
      if (state === MARKER_CODE) {
        const c = chunk[i++]!;
        if (c === 0 || c >= 0x80) {
          throw new FtpProtocolError(
            `MODE C: a restart-marker escape must be followed by a byte string, not code 0x${c.toString(16).padStart(2, "0")} (RFC 959 §3.4.3)`,
          );
        }
        remaining = c;
        state = MARKER;
        continue;
      }
      // MARKER: the characters of a restart marker.
      const take = Math.min(remaining, n - i);
      this.#marker.add(chunk.subarray(i, i + take));
      i += take;
      remaining -= take;
      if (remaining === 0) {
        events.push({ type: "restart", marker: decodeRestartMarker(this.#marker.take(), "C") });
        state = CODE;
        if (this.#markers(this.#pendingFlags & ~BLOCK_RESTART, events)) this.#eofEnd = i;
      }
    }
    this.#state = state;
    this.#remaining = remaining;
    this.#o = o;
    this.#flush(events);
    this.#idle = this.#eofEnd === n;
    return events;
  }

  /** @throws {TruncatedTransferError} when the connection closed inside a file. */
  end(): ModeEvent[] {
    if (this.#idle && this.#files > 0) return [];
    throw new TruncatedTransferError(
      `MODE C: the data connection closed ${this.#state === CODE ? "before the EOF escape" : "inside a code"} after ${this.#bytes} bytes of the file`,
      { bytesDelivered: this.#bytes },
    );
  }

  /** Emits the EOR and EOF a descriptor carries; true when it ended the file. */
  #markers(d: number, events: ModeEvent[]): boolean {
    if (d & BLOCK_EOR && this.#structure === "R") events.push({ type: "eor" });
    if ((d & BLOCK_EOF) === 0) return false;
    events.push({ type: "eof" });
    this.#bytes = 0;
    this.#files++;
    return true;
  }

  /** Decodes into `chunk` itself (`decodeInPlace`). */
  #use(chunk: Uint8Array): void {
    this.#out = chunk;
    this.#o = 0;
    this.#start = 0;
  }

  #alloc(size: number): void {
    if (this.#out.length - this.#o < 256) {
      this.#out = new Uint8Array(Math.max(size, OUTPUT_MIN));
      this.#o = 0;
      this.#start = 0;
    }
  }

  /** Emits the decoded bytes since the last event, as a view of the output buffer. */
  #flush(events: ModeEvent[]): void {
    const len = this.#o - this.#start;
    if (len > 0) {
      this.#bytes += len;
      const data = this.#out.subarray(this.#start, this.#o);
      events.push(this.#suspect ? { type: "data", data, suspect: true } : { type: "data", data });
      this.#start = this.#o;
    }
  }

  /** Emits what is in the buffer and starts a fresh one with room for `need` more bytes. */
  #grow(events: ModeEvent[], need: number): void {
    this.#flush(events);
    this.#out = new Uint8Array(Math.max(need, OUTPUT_MIN, this.#out.length));
    this.#o = 0;
    this.#start = 0;
  }
}

function zeroCount(code: number): FtpProtocolError {
  const what = code >= 0xc0 ? "filler string" : "replicated byte";
  return new FtpProtocolError(
    `MODE C: ${what} code 0x${code.toString(16)} has count 0; counts must be positive (RFC 959 §3.4.3)`,
  );
}

/**
 * Encodes COMPRESSED mode in one pass into a preallocated buffer. Runs become
 * replicated-byte codes from 3 equal bytes on and filler codes from 2 fillers on (each saves
 * at least a byte, which pays for the byte-string header the run may split), so the output
 * never exceeds `n + ceil(n / 127)` bytes for n data bytes. A trailing run or byte string is
 * carried into the next `data()` call, so chunking does not change the output.
 *
 * @example
 * ```ts
 * const e = new CompressedEncoder({ type: "A" });
 * const bytes = [...e.data(new TextEncoder().encode("hi     ")), ...e.eof()];
 * ```
 */
export class CompressedEncoder implements ModeEncoder {
  readonly #structure: FileStructure;
  readonly #filler: number;
  readonly #carry = new Uint8Array(MAX_STRING);
  #carryLen = 0;
  #runByte = 0;
  #runLen = 0;

  constructor(options: EncoderOptions = {}) {
    this.#structure = options.structure ?? "F";
    this.#filler = fillerByte(options.type);
  }

  /** Encodes file bytes; may return nothing while a run or a short byte string is pending. */
  data(bytes: Uint8Array): Uint8Array[] {
    const n = bytes.length;
    if (n === 0) return [];
    // The run at the end of the last call may go on here.
    let i = 0;
    let r = this.#runLen;
    const pendingByte = this.#runByte;
    if (r > 0) {
      while (i < n && bytes[i] === pendingByte) i++;
      r += i;
      if (i === n && r < MAX_RUN) {
        this.#runLen = r;
        return [];
      }
    }
    const w = new CompressedWriter(
      this.#carryLen + 2 * Math.ceil(r / MAX_RUN) + n + Math.ceil(n / MAX_STRING) + 8,
    );
    if (this.#carryLen > 0) {
      w.bytes(this.#carry, 0, this.#carryLen);
      this.#carryLen = 0;
    }
    this.#runLen = 0;
    if (i === n) {
      this.#carryRun(w, pendingByte, r);
    } else {
      if (r > 0) this.#run(w, pendingByte, r);
      // The last run of the input may go on in the next call: it is carried.
      const lastByte = bytes[n - 1]!;
      let tail = n - 1;
      while (tail > i && bytes[tail - 1] === lastByte) tail--;
      // Up to it, byte strings between the runs worth a code, found without looking at
      // every byte (see run-finder.ts).
      const finder = new RunFinder(bytes, this.#filler);
      let j = i;
      while (j < tail) {
        const p = finder.find(j, tail);
        w.bytes(bytes, j, p);
        if (p === tail) break;
        const b = bytes[p]!;
        let end = p + 2;
        while (end < tail && bytes[end] === b) end++;
        this.#run(w, b, end - p);
        j = end;
      }
      this.#carryRun(w, lastByte, n - tail);
    }
    // A byte string still open at the end of the input is carried into the next call.
    if (w.open > 0) {
      this.#carry.set(w.out.subarray(w.openStart, w.openStart + w.open));
      this.#carryLen = w.open;
      w.dropOpen();
    }
    return w.o > 0 ? [w.out.subarray(0, w.o)] : [];
  }

  /** A whole run: a code when it saves bytes (2 fillers, 3 others), else string bytes. */
  #run(w: CompressedWriter, b: number, count: number): void {
    if (b !== this.#filler) w.repeat(b, w.replicated(b, count));
    else if (count >= 2) w.fillers(count);
    else w.repeat(b, count);
  }

  /**
   * The run that reaches the end of the input, which may go on in the next call: its
   * whole 63-byte codes go out (always worth it), the rest is carried.
   */
  #carryRun(w: CompressedWriter, b: number, count: number): void {
    const whole = count - (count % MAX_RUN);
    if (whole > 0) {
      if (b === this.#filler) w.fillers(whole);
      else w.replicated(b, whole);
    }
    this.#runByte = b;
    this.#runLen = count - whole;
  }

  /** Ends a record: escape with EOR (STRU R only). */
  record(): Uint8Array[] {
    if (this.#structure !== "R") {
      throw new FtpUsageError("record() needs STRU R; under STRU F MODE C sends no EOR");
    }
    return this.#escape(BLOCK_EOR);
  }

  /** Inserts a restart marker: escape 16 followed by the marker as a byte string. */
  restart(marker: string): Uint8Array[] {
    const bytes = encodeRestartMarker(marker, MAX_STRING);
    const out = this.#drain();
    const code = new Uint8Array(3 + bytes.length);
    code[1] = BLOCK_RESTART;
    code[2] = bytes.length;
    code.set(bytes, 3);
    out.push(code);
    return out;
  }

  /** Ends the file: escape with EOF. */
  eof(): Uint8Array[] {
    return this.#escape(BLOCK_EOF);
  }

  #escape(descriptor: number): Uint8Array[] {
    const out = this.#drain();
    out.push(Uint8Array.of(0, descriptor));
    return out;
  }

  /** Writes out the carried byte string and run. */
  #drain(): Uint8Array[] {
    const runLen = this.#runLen;
    const carryLen = this.#carryLen;
    if (runLen === 0 && carryLen === 0) return [];
    const b = this.#runByte;
    const out = new Uint8Array(carryLen + 2 * Math.ceil(runLen / MAX_RUN) + 8);
    let o = 0;
    if (carryLen > 0) {
      out[0] = carryLen;
      out.set(this.#carry.subarray(0, carryLen), 1);
      o = carryLen + 1;
    }
    let r = runLen;
    if (b === this.#filler ? r >= 2 : r >= 3) {
      while (b === this.#filler ? r > 0 : r >= 3) {
        const k = Math.min(r, MAX_RUN);
        if (b === this.#filler) {
          out[o++] = 0xc0 | k;
        } else {
          out[o++] = 0x80 | k;
          out[o++] = b;
        }
        r -= k;
      }
    }
    if (r > 0) {
      // Too short to be worth a run: append to the byte string (or start one).
      if (carryLen > 0 && carryLen + r <= MAX_STRING && o === carryLen + 1) {
        for (let k = 0; k < r; k++) out[o++] = b;
        out[0] = carryLen + r;
      } else {
        out[o++] = r;
        for (let k = 0; k < r; k++) out[o++] = b;
      }
    }
    this.#carryLen = 0;
    this.#runLen = 0;
    return [out.subarray(0, o)];
  }
}
