/**
 * GridFTP EXTENDED BLOCK mode, `MODE E` (OGF GFD.20): a 17-byte header (descriptor u8,
 * count u64, offset u64, big-endian), then `count` bytes to be placed at `offset` of the
 * file. Descriptor codes: 128 EOR, 64 EOF, 32 suspect, 16 restart marker, 8 EOD (this
 * connection is done with the transfer), 4 CLOSE (the sender will close this connection).
 *
 * As globus-gridftp-server sends it: an EOF block carries no data and its offset field holds
 * the EOD count, the number of EOD blocks (one per data connection) that complete the file;
 * every connection sends exactly one EOD per transfer; the EOF block can come on any of them.
 *
 * @module
 */

import { FtpProtocolError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import { decodeRestartMarker, encodeRestartMarker, MarkerCollector } from "./restart-marker.ts";
import type {
  DecoderOptions,
  EncoderOptions,
  FileStructure,
  ModeDecoder,
  ModeEncoder,
  ModeEvent,
} from "./types.ts";

/** Descriptor code: end of record. */
export const EXTENDED_EOR = 0x80;
/** Descriptor code: end of file; the offset field holds the EOD count. */
export const EXTENDED_EOF = 0x40;
/** Descriptor code: suspect data. */
export const EXTENDED_SUSPECT = 0x20;
/** Descriptor code: the payload is a restart marker. */
export const EXTENDED_RESTART = 0x10;
/** Descriptor code: end of data on this connection for the current transfer. */
export const EXTENDED_EOD = 0x08;
/** Descriptor code: the sender will close this connection. */
export const EXTENDED_CLOSE = 0x04;

const KNOWN = 0xfc;
/** Size of a MODE E block header. */
export const EXTENDED_HEADER_SIZE = 17;
const TWO_32 = 0x1_0000_0000;
/** The last file position a number holds exactly (2^53 - 1). */
const MAX_POSITION = Number.MAX_SAFE_INTEGER;

function readU64(h: Uint8Array, at: number, what: string): number {
  const hi = ((h[at]! << 24) | (h[at + 1]! << 16) | (h[at + 2]! << 8) | h[at + 3]!) >>> 0;
  const lo = ((h[at + 4]! << 24) | (h[at + 5]! << 16) | (h[at + 6]! << 8) | h[at + 7]!) >>> 0;
  if (hi > 0x1f_ffff) {
    throw new FtpProtocolError(
      `MODE E: block ${what} 0x${hi.toString(16)}${lo.toString(16).padStart(8, "0")} is beyond 2^53`,
    );
  }
  return hi * TWO_32 + lo;
}

function writeU64(h: Uint8Array, at: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  const lo = value >>> 0;
  h[at] = hi >>> 24;
  h[at + 1] = (hi >>> 16) & 0xff;
  h[at + 2] = (hi >>> 8) & 0xff;
  h[at + 3] = hi & 0xff;
  h[at + 4] = lo >>> 24;
  h[at + 5] = (lo >>> 16) & 0xff;
  h[at + 6] = (lo >>> 8) & 0xff;
  h[at + 7] = lo & 0xff;
}

/** Builds one MODE E block header. */
export function extendedBlockHeader(descriptor: number, count: number, offset: number): Uint8Array {
  const h = new Uint8Array(EXTENDED_HEADER_SIZE);
  h[0] = descriptor;
  writeU64(h, 1, count);
  writeU64(h, 9, offset);
  return h;
}

/**
 * Decodes the blocks of one MODE E data connection. Data events carry the file `offset` of
 * their first byte and are views into the pushed chunks; a block's payload is handed out as
 * it arrives, so a hostile count costs nothing up front. `eof` carries the EOD count, `eod`
 * ends this connection's share of the transfer. To put several connections together, use
 * {@link ExtendedBlockReassembler}.
 *
 * @example
 * ```ts
 * const d = new ExtendedBlockDecoder();
 * for (const ev of d.push(chunk)) if (ev.type === "data") file.write(ev.data, ev.offset);
 * ```
 */
export class ExtendedBlockDecoder implements ModeDecoder {
  readonly #structure: FileStructure;
  readonly #header = new Uint8Array(EXTENDED_HEADER_SIZE);
  #headerFill = 0;
  #inBlock = false;
  #descriptor = 0;
  #remaining = 0;
  #offset = 0;
  #marker = new MarkerCollector();
  #bytes = 0;
  #idle = true;

  constructor(options: DecoderOptions = {}) {
    this.#structure = options.structure ?? "F";
  }

  /** True when the connection is between transfers: before any block or right after an EOD. */
  get betweenFiles(): boolean {
    return this.#idle && !this.#inBlock && this.#headerFill === 0;
  }

  /** Bytes of data this connection has delivered for the current transfer. */
  get bytesDelivered(): number {
    return this.#bytes;
  }

  /**
   * Decodes a chunk. @throws {FtpProtocolError} on unknown descriptor bits, counts or offsets
   * beyond 2^53, or a data block whose end (offset + count) is beyond 2^53 - 1.
   */
  push(chunk: Uint8Array): ModeEvent[] {
    const events: ModeEvent[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (!this.#inBlock) {
        this.#idle = false;
        let h: Uint8Array;
        let at: number;
        if (this.#headerFill === 0 && n - i >= EXTENDED_HEADER_SIZE) {
          h = chunk;
          at = i;
          i += EXTENDED_HEADER_SIZE;
        } else {
          const take = Math.min(EXTENDED_HEADER_SIZE - this.#headerFill, n - i);
          this.#header.set(chunk.subarray(i, i + take), this.#headerFill);
          this.#headerFill += take;
          i += take;
          if (this.#headerFill < EXTENDED_HEADER_SIZE) continue;
          this.#headerFill = 0;
          h = this.#header;
          at = 0;
        }
        const d = h[at]!;
        if ((d & ~KNOWN) !== 0) {
          throw new FtpProtocolError(
            `MODE E: block descriptor 0x${d.toString(16).padStart(2, "0")} has unknown bits (GFD.20 defines 128, 64, 32, 16, 8, 4)`,
          );
        }
        const count = readU64(h, at + 1, "count");
        const offset = readU64(h, at + 9, "offset");
        this.#descriptor = d;
        this.#offset = offset;
        // globus ignores the count of an EOF block: it is header-only, offset = EOD count.
        this.#remaining = d & EXTENDED_EOF ? 0 : count;
        if (d & EXTENDED_RESTART && count > 65535) {
          throw new FtpProtocolError(`MODE E: restart marker of ${count} bytes is too long`);
        }
        // Every byte's file position must be exact: a data block may not run past 2^53.
        if (this.#remaining > 0 && !(d & EXTENDED_RESTART) && count > MAX_POSITION - offset) {
          throw new FtpProtocolError(
            `MODE E: a block of ${count} bytes at offset ${offset} ends beyond 2^53 - 1`,
          );
        }
        this.#inBlock = true;
        if (this.#remaining === 0) this.#finishBlock(events);
        continue;
      }
      const take = Math.min(this.#remaining, n - i);
      const piece = chunk.subarray(i, i + take);
      i += take;
      this.#remaining -= take;
      if (this.#descriptor & EXTENDED_RESTART) {
        this.#marker.add(piece);
      } else {
        const offset = this.#offset;
        this.#offset += take;
        this.#bytes += take;
        events.push(
          this.#descriptor & EXTENDED_SUSPECT
            ? { type: "data", data: piece, offset, suspect: true }
            : { type: "data", data: piece, offset },
        );
      }
      if (this.#remaining === 0) this.#finishBlock(events);
    }
    return events;
  }

  /**
   * @throws {TruncatedTransferError} when the connection closed inside a block, or after
   * blocks of a transfer but before its EOD. A connection that closes between transfers (a
   * cached connection being dropped) ends cleanly.
   */
  end(): ModeEvent[] {
    if (this.betweenFiles) return [];
    const where = this.#inBlock
      ? `inside a block (${this.#remaining} payload bytes missing)`
      : this.#headerFill > 0
        ? `inside a block header (${this.#headerFill} of 17 bytes)`
        : "before its EOD block";
    throw new TruncatedTransferError(
      `MODE E: the data connection closed ${where} after ${this.#bytes} bytes of the transfer`,
      { bytesDelivered: this.#bytes },
    );
  }

  #finishBlock(events: ModeEvent[]): void {
    const d = this.#descriptor;
    this.#inBlock = false;
    if (d & EXTENDED_RESTART) {
      events.push({ type: "restart", marker: decodeRestartMarker(this.#marker.take(), "E") });
    }
    if (d & EXTENDED_EOR && this.#structure === "R") events.push({ type: "eor" });
    if (d & EXTENDED_EOF) events.push({ type: "eof", eodCount: this.#offset });
    if (d & EXTENDED_EOD) {
      events.push(d & EXTENDED_CLOSE ? { type: "eod", close: true } : { type: "eod" });
      this.#bytes = 0;
      this.#idle = true;
    }
  }
}

/**
 * Encodes the blocks of one MODE E data connection. `data(bytes, offset)` places bytes at a
 * file offset (default: right after the previous bytes); `eof()` sends the EOF|EOD block with
 * the EOD count of the transfer. With several connections, one encoder per connection: one of
 * them calls `eof()`, every other one `eod()`.
 *
 * @example
 * ```ts
 * const e = new ExtendedBlockEncoder();
 * const wire = [...e.data(bytes), ...e.eof()]; // data block, then 0x48 with EODC 1
 * ```
 */
export class ExtendedBlockEncoder implements ModeEncoder {
  readonly #structure: FileStructure;
  readonly #eodCount: number;
  readonly #max: number;
  #next = 0;

  constructor(options: EncoderOptions = {}) {
    this.#structure = options.structure ?? "F";
    this.#eodCount = options.eodCount ?? 1;
    this.#max = options.maxBlockSize ?? 65536;
    if (!Number.isSafeInteger(this.#eodCount) || this.#eodCount < 1) {
      throw new FtpUsageError(`MODE E EOD count must be a positive integer, not ${this.#eodCount}`);
    }
    if (!Number.isSafeInteger(this.#max) || this.#max < 1) {
      throw new FtpUsageError(`MODE E block size must be a positive integer, not ${this.#max}`);
    }
  }

  /** Encodes bytes as data blocks at `offset` (default: after the previous bytes). */
  data(bytes: Uint8Array, offset?: number): Uint8Array[] {
    let at = offset ?? this.#next;
    if (!Number.isSafeInteger(at) || at < 0) {
      throw new FtpUsageError(`MODE E offset must be a non-negative integer, not ${at}`);
    }
    const n = bytes.length;
    if (n > MAX_POSITION - at) {
      throw new FtpUsageError(`MODE E: ${n} bytes at offset ${at} would end beyond 2^53 - 1`);
    }
    const out: Uint8Array[] = [];
    for (let i = 0; i < n; ) {
      const take = Math.min(this.#max, n - i);
      out.push(extendedBlockHeader(0, take, at), bytes.subarray(i, i + take));
      i += take;
      at += take;
    }
    this.#next = at;
    return out;
  }

  /** Sends a header-only EOR block (STRU R only). */
  record(): Uint8Array[] {
    if (this.#structure !== "R") throw new FtpUsageError("record() needs STRU R");
    return [extendedBlockHeader(EXTENDED_EOR, 0, this.#next)];
  }

  /** Sends a restart-marker block. */
  restart(marker: string): Uint8Array[] {
    const bytes = encodeRestartMarker(marker, 65535);
    return [extendedBlockHeader(EXTENDED_RESTART, bytes.length, this.#next), bytes];
  }

  /** Ends the file and this connection's share: EOF|EOD with the EOD count in the offset field. */
  eof(): Uint8Array[] {
    this.#next = 0;
    return [extendedBlockHeader(EXTENDED_EOF | EXTENDED_EOD, 0, this.#eodCount)];
  }

  /**
   * Ends this connection's share of the transfer without EOF (the other connections of a
   * parallel transfer). `close: true` also announces that this side will close the connection.
   */
  eod(options: { close?: boolean } = {}): Uint8Array[] {
    this.#next = 0;
    return [extendedBlockHeader(EXTENDED_EOD | (options.close ? EXTENDED_CLOSE : 0), 0, 0)];
  }
}
