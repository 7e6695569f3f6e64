/**
 * BLOCK mode (RFC 959 §3.4.2): each block is a descriptor byte, a 16-bit count and `count`
 * bytes. Descriptor codes: 128 EOR, 64 EOF, 32 suspect, 16 restart marker, in any
 * combination.
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

/** Descriptor code: the block ends a record (RFC 959 §3.4.2). */
export const BLOCK_EOR = 0x80;
/** Descriptor code: the block ends the file. */
export const BLOCK_EOF = 0x40;
/** Descriptor code: the block's data may be in error. */
export const BLOCK_SUSPECT = 0x20;
/** Descriptor code: the block's data is a restart marker. */
export const BLOCK_RESTART = 0x10;

const KNOWN = BLOCK_EOR | BLOCK_EOF | BLOCK_SUSPECT | BLOCK_RESTART;
const HEADER = 3;
/** The largest payload a 16-bit count can announce. */
export const MAX_BLOCK_SIZE = 65535;

/**
 * Decodes BLOCK mode. Each block's payload is handed out as views while it arrives; nothing
 * is allocated for a count that has not been received. One connection may carry several
 * files: after an EOF block the next block starts the next file.
 *
 * Interoperability: EOR is ignored under file structure (Hermes marks the last block
 * EOR+EOF even with STRU F); EOF is accepted on a data block and on an empty block.
 *
 * @example
 * ```ts
 * const d = new BlockDecoder();
 * d.push(Uint8Array.of(0x40, 0, 2, 0x68, 0x69)); // data "hi", then eof
 * ```
 */
export class BlockDecoder implements ModeDecoder {
  readonly #structure: FileStructure;
  readonly #header = new Uint8Array(HEADER);
  #headerFill = 0;
  #inBlock = false;
  #descriptor = 0;
  #remaining = 0;
  #marker = new MarkerCollector();
  #bytes = 0;
  #idle = true;
  #files = 0;

  constructor(options: DecoderOptions = {}) {
    this.#structure = options.structure ?? "F";
  }

  /** True between files: before the first byte, or right after an EOF block. */
  get betweenFiles(): boolean {
    return this.#idle;
  }

  /** Decodes a chunk. @throws {FtpProtocolError} on a descriptor with unknown bits. */
  push(chunk: Uint8Array): ModeEvent[] {
    const events: ModeEvent[] = [];
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (!this.#inBlock) {
        this.#idle = false;
        let descriptor: number;
        let count: number;
        if (this.#headerFill === 0 && n - i >= HEADER) {
          descriptor = chunk[i]!;
          count = (chunk[i + 1]! << 8) | chunk[i + 2]!;
          i += HEADER;
        } else {
          this.#header[this.#headerFill++] = chunk[i++]!;
          if (this.#headerFill < HEADER) continue;
          this.#headerFill = 0;
          descriptor = this.#header[0]!;
          count = (this.#header[1]! << 8) | this.#header[2]!;
        }
        if ((descriptor & ~KNOWN) !== 0) {
          throw new FtpProtocolError(
            `MODE B: block descriptor 0x${descriptor.toString(16).padStart(2, "0")} has unknown bits (RFC 959 §3.4.2 defines 128, 64, 32, 16)`,
          );
        }
        this.#descriptor = descriptor;
        this.#remaining = count;
        this.#inBlock = true;
        if (count === 0) this.#finishBlock(events);
        continue;
      }
      const take = Math.min(this.#remaining, n - i);
      const piece = chunk.subarray(i, i + take);
      i += take;
      this.#remaining -= take;
      if (this.#descriptor & BLOCK_RESTART) {
        this.#marker.add(piece);
      } else {
        this.#bytes += take;
        events.push(
          this.#descriptor & BLOCK_SUSPECT
            ? { type: "data", data: piece, suspect: true }
            : { type: "data", data: piece },
        );
      }
      if (this.#remaining === 0) this.#finishBlock(events);
    }
    return events;
  }

  /** @throws {TruncatedTransferError} when the connection closed inside a file. */
  end(): ModeEvent[] {
    if (this.#idle && this.#files > 0) return [];
    const where = this.#inBlock
      ? `inside a block (${this.#remaining} payload bytes missing)`
      : this.#headerFill > 0
        ? `inside a block header (${this.#headerFill} of 3 bytes)`
        : "before the EOF block";
    throw new TruncatedTransferError(
      `MODE B: the data connection closed ${where} after ${this.#bytes} bytes of the file`,
      { bytesDelivered: this.#bytes },
    );
  }

  #finishBlock(events: ModeEvent[]): void {
    const d = this.#descriptor;
    this.#inBlock = false;
    if (d & BLOCK_RESTART) {
      events.push({ type: "restart", marker: decodeRestartMarker(this.#marker.take(), "B") });
    }
    if (d & BLOCK_EOR && this.#structure === "R") events.push({ type: "eor" });
    if (d & BLOCK_EOF) {
      events.push({ type: "eof" });
      this.#bytes = 0;
      this.#idle = true;
      this.#files++;
    }
  }
}

function blockHeader(descriptor: number, count: number): Uint8Array {
  return Uint8Array.of(descriptor, count >>> 8, count & 0xff);
}

/**
 * Encodes BLOCK mode as real servers accept it: EOF on the last data block (Hermes rejects a
 * separate empty EOF block after data), no EOR under file structure, blocks up to 65535
 * bytes. To flag EOF on the last data block the encoder holds the last block of each
 * `data()` call back until the next call (a view, not a copy).
 *
 * Output chunks alternate 3-byte headers and views of the input.
 */
export class BlockEncoder implements ModeEncoder {
  readonly #structure: FileStructure;
  readonly #max: number;
  #held: Uint8Array | undefined;
  #heldFlags = 0;

  constructor(options: EncoderOptions = {}) {
    this.#structure = options.structure ?? "F";
    const max = options.maxBlockSize ?? MAX_BLOCK_SIZE;
    if (!Number.isInteger(max) || max < 1 || max > MAX_BLOCK_SIZE) {
      throw new FtpUsageError(`MODE B block size must be 1..65535, not ${max}`);
    }
    this.#max = max;
  }

  /** Encodes file bytes as blocks; the last one is held back. */
  data(bytes: Uint8Array): Uint8Array[] {
    if (bytes.length === 0) return [];
    const out: Uint8Array[] = [];
    this.#flush(out);
    let i = 0;
    const n = bytes.length;
    while (n - i > this.#max) {
      out.push(blockHeader(0, this.#max), bytes.subarray(i, i + this.#max));
      i += this.#max;
    }
    this.#held = bytes.subarray(i);
    this.#heldFlags = 0;
    return out;
  }

  /** Ends a record: EOR on the last block (STRU R only). */
  record(): Uint8Array[] {
    if (this.#structure !== "R") {
      throw new FtpUsageError("record() needs STRU R; under STRU F a block must not carry EOR");
    }
    const out: Uint8Array[] = [];
    if (this.#held === undefined || this.#heldFlags & BLOCK_EOR) {
      this.#flush(out);
      this.#held = new Uint8Array(0);
    }
    this.#heldFlags |= BLOCK_EOR;
    return out;
  }

  /** Sends a restart-marker block after the data so far. */
  restart(marker: string): Uint8Array[] {
    const bytes = encodeRestartMarker(marker, MAX_BLOCK_SIZE);
    const out: Uint8Array[] = [];
    this.#flush(out);
    out.push(blockHeader(BLOCK_RESTART, bytes.length), bytes);
    return out;
  }

  /** Ends the file: EOF on the held block, or an empty EOF block for an empty file. */
  eof(): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (this.#held === undefined) {
      out.push(blockHeader(BLOCK_EOF, 0));
    } else {
      this.#heldFlags |= BLOCK_EOF;
      this.#flush(out);
    }
    return out;
  }

  #flush(out: Uint8Array[]): void {
    const held = this.#held;
    if (held === undefined) return;
    out.push(blockHeader(this.#heldFlags, held.length));
    if (held.length > 0) out.push(held);
    this.#held = undefined;
    this.#heldFlags = 0;
  }
}
