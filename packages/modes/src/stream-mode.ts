/**
 * STREAM mode (RFC 959 §3.4.1): under file structure the bytes pass through and the end of
 * the connection is the end of the file; under record structure 0xFF escapes EOR (0x01),
 * EOF (0x02), both (0x03) and a data byte 0xFF (0xFF 0xFF).
 *
 * @module
 */

import { FtpProtocolError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import type { ModeDecoder, ModeEncoder, ModeEvent } from "./types.ts";

const ESCAPE = 0xff;

/**
 * Decodes STREAM mode under file structure: every chunk is file data, `end()` is EOF.
 *
 * @example
 * ```ts
 * const d = new StreamDecoder();
 * d.push(bytes); // [{ type: "data", data: bytes }]
 * d.end();       // [{ type: "eof" }]
 * ```
 */
export class StreamDecoder implements ModeDecoder {
  #ended = false;

  /** Passes the chunk through as a data event (no copy). */
  push(chunk: Uint8Array): ModeEvent[] {
    if (this.#ended) throw new FtpProtocolError("MODE S: data after the end of the connection");
    return chunk.length === 0 ? [] : [{ type: "data", data: chunk }];
  }

  /** The connection closed: in STREAM mode under file structure that is the EOF (§3.4.1). */
  end(): ModeEvent[] {
    if (this.#ended) return [];
    this.#ended = true;
    return [{ type: "eof" }];
  }
}

/**
 * Decodes STREAM mode under record structure (STRU R, RFC 959 §3.4.1).
 *
 * Data events are views into the pushed chunks; an escaped 0xFF is delivered as the first
 * byte of its escape pair, so a run of data plus one escaped byte is still one view.
 */
export class StreamRecordDecoder implements ModeDecoder {
  #pendingEscape = false;
  #eof = false;
  #bytes = 0;

  /** Decodes a chunk. */
  push(chunk: Uint8Array): ModeEvent[] {
    const events: ModeEvent[] = [];
    const n = chunk.length;
    let i = 0;
    if (n > 0 && this.#eof) {
      throw new FtpProtocolError(
        `MODE S: ${n} bytes after the EOF marker (a stream-mode connection carries one file)`,
      );
    }
    if (this.#pendingEscape && n > 0) {
      this.#pendingEscape = false;
      i = 1;
      this.#control(chunk[0]!, events, chunk, 0);
    }
    let start = i;
    while (i < n) {
      if (this.#eof) {
        throw new FtpProtocolError(
          `MODE S: ${n - i} bytes after the EOF marker (a stream-mode connection carries one file)`,
        );
      }
      const at = chunk.indexOf(ESCAPE, i);
      if (at === -1) {
        this.#emit(events, chunk, start, n);
        return events;
      }
      if (at + 1 === n) {
        this.#emit(events, chunk, start, at);
        this.#pendingEscape = true;
        return events;
      }
      const code = chunk[at + 1]!;
      if (code === ESCAPE) {
        // Keep the first 0xFF of the pair as the data byte: one view for run + byte.
        this.#emit(events, chunk, start, at + 1);
      } else {
        this.#emit(events, chunk, start, at);
        this.#control(code, events, chunk, at + 1);
      }
      i = at + 2;
      start = i;
    }
    this.#emit(events, chunk, start, n);
    return events;
  }

  /** @throws {TruncatedTransferError} when the connection closed before the EOF marker. */
  end(): ModeEvent[] {
    if (this.#eof) return [];
    throw new TruncatedTransferError(
      `MODE S with STRU R: the data connection closed after ${this.#bytes} bytes without an EOF marker`,
      { bytesDelivered: this.#bytes },
    );
  }

  #emit(events: ModeEvent[], chunk: Uint8Array, start: number, end: number): void {
    if (end <= start) return;
    this.#bytes += end - start;
    events.push({ type: "data", data: chunk.subarray(start, end) });
  }

  #control(code: number, events: ModeEvent[], chunk: Uint8Array, at: number): void {
    if (code === ESCAPE) {
      this.#bytes++;
      events.push({ type: "data", data: chunk.subarray(at, at + 1) });
    } else if (code >= 1 && code <= 3) {
      if (code & 1) events.push({ type: "eor" });
      if (code & 2) {
        events.push({ type: "eof" });
        this.#eof = true;
      }
    } else {
      throw new FtpProtocolError(
        `MODE S: unknown control code 0xff 0x${code.toString(16).padStart(2, "0")} under record structure (RFC 959 §3.4.1 defines 0x01, 0x02, 0x03, 0xff)`,
      );
    }
  }
}

/** Encodes STREAM mode under file structure: bytes pass through; the caller closes the connection for EOF. */
export class StreamEncoder implements ModeEncoder {
  /** Returns the bytes themselves (no copy). */
  data(bytes: Uint8Array): Uint8Array[] {
    return bytes.length === 0 ? [] : [bytes];
  }

  /** @throws {FtpUsageError} STREAM mode under file structure has no records. */
  record(): Uint8Array[] {
    throw new FtpUsageError("MODE S with STRU F has no record markers; use STRU R");
  }

  /** @throws {FtpUsageError} STREAM mode has no restart markers (RFC 959 §3.5: block and compressed modes). */
  restart(_marker: string): Uint8Array[] {
    throw new FtpUsageError("MODE S cannot carry restart markers; use MODE B or C");
  }

  /** Nothing to send: closing the connection is the EOF. */
  eof(): Uint8Array[] {
    return [];
  }
}

/** Encodes STREAM mode under record structure: 0xFF doubled, EOR and EOF as escape pairs. */
export class StreamRecordEncoder implements ModeEncoder {
  #eof = false;

  /** Encodes bytes; returns them unchanged when they hold no 0xFF. */
  data(bytes: Uint8Array): Uint8Array[] {
    this.#check();
    if (bytes.length === 0) return [];
    let at = bytes.indexOf(ESCAPE);
    if (at === -1) return [bytes];
    let count = 0;
    for (let i = at; i !== -1; i = bytes.indexOf(ESCAPE, i + 1)) count++;
    const out = new Uint8Array(bytes.length + count);
    let start = 0;
    let o = 0;
    while (at !== -1) {
      out.set(bytes.subarray(start, at + 1), o);
      o += at + 1 - start;
      out[o++] = ESCAPE;
      start = at + 1;
      at = bytes.indexOf(ESCAPE, start);
    }
    out.set(bytes.subarray(start), o);
    return [out];
  }

  /** Returns 0xFF 0x01. */
  record(): Uint8Array[] {
    this.#check();
    return [Uint8Array.of(ESCAPE, 1)];
  }

  /** @throws {FtpUsageError} STREAM mode has no restart markers. */
  restart(_marker: string): Uint8Array[] {
    throw new FtpUsageError("MODE S cannot carry restart markers; use MODE B or C");
  }

  /** Returns 0xFF 0x02; the caller then closes the connection. */
  eof(): Uint8Array[] {
    this.#check();
    this.#eof = true;
    return [Uint8Array.of(ESCAPE, 2)];
  }

  #check(): void {
    if (this.#eof) {
      throw new FtpUsageError("MODE S carries one file per connection: the EOF was already sent");
    }
  }
}
