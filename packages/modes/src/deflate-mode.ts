/**
 * DEFLATE mode, `MODE Z` (draft-preston-ftpext-deflate) as proftpd's mod_deflate speaks it:
 * one zlib stream (RFC 1950) per data connection. The stream's own end (final block and
 * Adler-32) is the end of the file, which makes a cut connection detectable.
 *
 * The zlib engine is pako's streaming core (pure JavaScript, no `node:zlib`).
 *
 * @module
 */

import { FtpProtocolError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import {
  Z_BUF_ERROR,
  Z_DEFAULT_STRATEGY,
  Z_FINISH,
  Z_NO_FLUSH,
  Z_OK,
  Z_STREAM_END,
  Z_SYNC_FLUSH,
  ZStream,
  zlibDeflate,
  zlibDeflateEnd,
  zlibDeflateInit2,
  zlibInflate,
  zlibInflateEnd,
  zlibInflateInit2,
} from "pako";
import type { EncoderOptions, ModeDecoder, ModeEncoder, ModeEvent } from "./types.ts";

const OUTPUT_SIZE = 64 * 1024;
/** zlib header required; 32 added lets inflate also take a gzip header (proftpd accepts both on upload). */
const WINDOW_BITS = 15 + 32;
const Z_DEFLATED = 8;

/**
 * Decodes MODE Z: inflates one zlib stream and reports EOF as soon as the stream ends, so the
 * caller can close the data connection at once (proftpd lingers otherwise).
 *
 * @example
 * ```ts
 * const d = new DeflateDecoder();
 * for (const chunk of received) for (const ev of d.push(chunk)) if (ev.type === "data") write(ev.data);
 * d.end(); // throws TruncatedTransferError if the zlib stream did not end
 * ```
 */
export class DeflateDecoder implements ModeDecoder {
  readonly #strm = new ZStream();
  #out: Uint8Array = new Uint8Array(0);
  #start = 0;
  #ended = false;
  #closed = false;

  constructor() {
    const status = zlibInflateInit2(this.#strm, WINDOW_BITS);
    if (status !== Z_OK) throw new FtpProtocolError(`MODE Z: inflate init failed (${status})`);
    this.#strm.avail_out = 0;
  }

  /** True before the first byte and after the stream's end. */
  get betweenFiles(): boolean {
    return this.#ended || this.#strm.total_in === 0;
  }

  /**
   * Inflates a chunk.
   *
   * @throws {FtpProtocolError} on corrupt data, or bytes after the end of the zlib stream.
   */
  push(chunk: Uint8Array): ModeEvent[] {
    const events: ModeEvent[] = [];
    if (chunk.length === 0) return events;
    if (this.#ended) throw trailing(chunk.length);
    const strm = this.#strm;
    strm.input = chunk;
    strm.next_in = 0;
    strm.avail_in = chunk.length;
    for (;;) {
      if (strm.avail_out === 0) {
        this.#out = new Uint8Array(OUTPUT_SIZE);
        this.#start = 0;
        strm.output = this.#out as Uint8Array<ArrayBuffer>;
        strm.next_out = 0;
        strm.avail_out = OUTPUT_SIZE;
      }
      const status = zlibInflate(strm, Z_NO_FLUSH);
      if (strm.next_out > this.#start) {
        events.push({ type: "data", data: this.#out.subarray(this.#start, strm.next_out) });
        this.#start = strm.next_out;
      }
      if (status === Z_STREAM_END) {
        this.#ended = true;
        const rest = strm.avail_in;
        this.#release();
        if (rest > 0) throw trailing(rest);
        events.push({ type: "eof" });
        return events;
      }
      if (status !== Z_OK && status !== Z_BUF_ERROR) {
        const message = strm.msg || `status ${status}`;
        this.#release();
        this.#ended = true;
        throw new FtpProtocolError(`MODE Z: the zlib stream is corrupt: ${message}`);
      }
      // More output pending only when the buffer filled up; otherwise the input is used up.
      if (strm.avail_out !== 0 && strm.avail_in === 0) return events;
      if (strm.avail_out !== 0 && status === Z_BUF_ERROR) return events;
    }
  }

  /** @throws {TruncatedTransferError} when the connection closed before the zlib stream ended. */
  end(): ModeEvent[] {
    if (this.#ended) return [];
    const delivered = this.#strm.total_out;
    this.#release();
    this.#ended = true;
    throw new TruncatedTransferError(
      `MODE Z: the data connection closed before the end of the zlib stream, after ${delivered} bytes of the file`,
      { bytesDelivered: delivered },
    );
  }

  #release(): void {
    if (this.#closed) return;
    this.#closed = true;
    zlibInflateEnd(this.#strm);
    this.#strm.input = new Uint8Array(0);
  }
}

function trailing(count: number): FtpProtocolError {
  return new FtpProtocolError(
    `MODE Z: ${count} bytes after the end of the zlib stream (one stream per data connection)`,
  );
}

/**
 * Encodes MODE Z: one zlib stream (header `78 xx`, windowBits 15, memLevel 8, as proftpd),
 * ended with `Z_FINISH` at `eof()`. The data connection then carries nothing more.
 */
export class DeflateEncoder implements ModeEncoder {
  readonly #strm = new ZStream();
  readonly #syncFlush: boolean;
  #out: Uint8Array = new Uint8Array(0);
  #start = 0;
  #ended = false;

  constructor(options: EncoderOptions = {}) {
    const level = options.level ?? 6;
    if (!Number.isInteger(level) || level < 0 || level > 9) {
      throw new FtpUsageError(`MODE Z level must be 0..9, not ${level}`);
    }
    this.#syncFlush = options.syncFlush ?? false;
    const status = zlibDeflateInit2(this.#strm, level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY);
    if (status !== Z_OK) throw new FtpUsageError(`MODE Z: deflate init failed (${status})`);
    this.#strm.avail_out = 0;
  }

  /** Compresses bytes; output appears as the compressor fills its buffers (or at once with `syncFlush`). */
  data(bytes: Uint8Array): Uint8Array[] {
    this.#check();
    if (bytes.length === 0) return [];
    return this.#run(bytes, this.#syncFlush ? Z_SYNC_FLUSH : Z_NO_FLUSH);
  }

  /** @throws {FtpUsageError} MODE Z has no records. */
  record(): Uint8Array[] {
    throw new FtpUsageError("MODE Z has no record markers");
  }

  /** @throws {FtpUsageError} MODE Z has no restart markers (REST takes an uncompressed offset). */
  restart(_marker: string): Uint8Array[] {
    throw new FtpUsageError("MODE Z has no restart markers; REST takes an uncompressed offset");
  }

  /** Finishes the zlib stream (final block and Adler-32); the caller then closes the connection. */
  eof(): Uint8Array[] {
    this.#check();
    const out = this.#run(new Uint8Array(0), Z_FINISH);
    this.#ended = true;
    zlibDeflateEnd(this.#strm);
    return out;
  }

  #check(): void {
    if (this.#ended) {
      throw new FtpUsageError(
        "MODE Z carries one file per data connection: the zlib stream has ended",
      );
    }
  }

  #run(
    input: Uint8Array,
    flush: typeof Z_NO_FLUSH | typeof Z_SYNC_FLUSH | typeof Z_FINISH,
  ): Uint8Array[] {
    const strm = this.#strm;
    const chunks: Uint8Array[] = [];
    strm.input = input;
    strm.next_in = 0;
    strm.avail_in = input.length;
    for (;;) {
      if (strm.avail_out === 0) {
        this.#out = new Uint8Array(OUTPUT_SIZE);
        this.#start = 0;
        strm.output = this.#out as Uint8Array<ArrayBuffer>;
        strm.next_out = 0;
        strm.avail_out = OUTPUT_SIZE;
      }
      const status = zlibDeflate(strm, flush);
      if (strm.next_out > this.#start) {
        chunks.push(this.#out.subarray(this.#start, strm.next_out));
        this.#start = strm.next_out;
      }
      if (status === Z_STREAM_END) break;
      if (status !== Z_OK && status !== Z_BUF_ERROR) {
        throw new FtpUsageError(`MODE Z: deflate failed: ${strm.msg || status}`);
      }
      // zlib's rule: all output is out when deflate left room in the output buffer.
      if (strm.avail_out !== 0 && strm.avail_in === 0 && flush !== Z_FINISH) break;
    }
    strm.input = new Uint8Array(0);
    return chunks;
  }
}
