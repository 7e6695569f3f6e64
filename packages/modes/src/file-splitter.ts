/**
 * One data connection in, one file after the other out.
 *
 * @module
 */

import { TruncatedTransferError } from "@ftpkit/errors";
import { BlockDecoder } from "./block-mode.ts";
import { createDecoder } from "./codec-factory.ts";
import { CompressedDecoder } from "./compressed-mode.ts";
import { ExtendedBlockReassembler } from "./extended-block-reassembler.ts";
import type { DecoderOptions, ModeDecoder, ModeEvent, TransferMode } from "./types.ts";

/** What {@link FileSplitter} reports. */
export type FileSplitterEvent =
  | { type: "data"; data: Uint8Array; offset?: number; suspect?: boolean }
  | { type: "eor" }
  | { type: "restart"; marker: string }
  | FileEndEvent;

/** The current file is complete; the next bytes belong to the next file. */
export interface FileEndEvent {
  type: "fileEnd";
  /** 0 for the first file of the connection, then 1, 2, … */
  index: number;
  /** Bytes of the file delivered. */
  size: number;
}

/** Options of {@link FileSplitter}. */
export interface FileSplitterOptions extends DecoderOptions {
  /**
   * MODE E: bytes held for blocks that arrive ahead of their offset or of their file, each
   * block counting `HELD_BLOCK_OVERHEAD` (256) bytes besides its data. Default 64 MiB.
   */
  maxBufferedBytes?: number;
}

/**
 * Splits one data connection into files.
 *
 * Contract:
 * - `push(chunk)` returns the events of that chunk in order: `data` of the current file
 *   (views into the chunk in modes S, B and E; MODE E data comes in offset order),
 *   `restart` and `eor` markers, and `fileEnd` where a file's EOF marker is. Bytes after a
 *   `fileEnd` in the same chunk already belong to the next file (`index` + 1).
 * - `end()` is the connection closing. Between files (no byte of a next file yet) it returns
 *   `[]`. Inside a file it throws `TruncatedTransferError` with that file's `bytesDelivered`.
 * - Modes B, C and E carry any number of files on one connection. In MODE S the end of the
 *   connection is the end of the one file (`end()` yields its `fileEnd`); MODE Z carries one
 *   zlib stream, and a connection that closes without its end is a truncation, even with no
 *   byte at all.
 * - Malformed input throws `FtpProtocolError`; after any error the splitter is unusable.
 *
 * @example
 * ```ts
 * const splitter = new FileSplitter("B");
 * for (const chunk of chunks) {
 *   for (const ev of splitter.push(chunk)) {
 *     if (ev.type === "data") files[files.length - 1].push(ev.data);
 *     else if (ev.type === "fileEnd") files.push([]);
 *   }
 * }
 * splitter.end();
 * ```
 */
export class FileSplitter {
  readonly #mode: TransferMode;
  readonly #decoder: ModeDecoder | undefined;
  readonly #reassembler: ExtendedBlockReassembler | undefined;
  #files = 0;
  #bytes = 0;

  constructor(mode: TransferMode, options: FileSplitterOptions = {}) {
    this.#mode = mode;
    if (mode === "E") {
      const reassembler = new ExtendedBlockReassembler({
        ordered: true,
        structure: options.structure ?? "F",
        maxBufferedBytes: options.maxBufferedBytes ?? 64 * 1024 * 1024,
      });
      reassembler.addConnection();
      this.#reassembler = reassembler;
    } else {
      this.#decoder = createDecoder(mode, options);
    }
  }

  /** Files completed so far. */
  get filesCompleted(): number {
    return this.#files;
  }

  /** Bytes of the current file delivered so far. */
  get bytesDelivered(): number {
    return this.#bytes;
  }

  /** Splits a chunk. @throws {FtpProtocolError} on malformed input. */
  push(chunk: Uint8Array): FileSplitterEvent[] {
    const events =
      this.#reassembler !== undefined
        ? this.#reassembler.push(0, chunk)
        : this.#decoder!.push(chunk);
    return this.#map(events);
  }

  /** The connection has closed. @throws {TruncatedTransferError} when it closed inside a file. */
  end(): FileSplitterEvent[] {
    if (this.#reassembler !== undefined) return this.#map(this.#reassembler.end());
    const decoder = this.#decoder!;
    if (this.#mode === "Z" && this.#files > 0) return [];
    if (
      (decoder instanceof BlockDecoder || decoder instanceof CompressedDecoder) &&
      decoder.betweenFiles
    ) {
      return [];
    }
    try {
      return this.#map(decoder.end());
    } catch (error) {
      if (TruncatedTransferError.isInstance(error) && error.bytesDelivered !== this.#bytes) {
        throw new TruncatedTransferError(error.message, {
          bytesDelivered: this.#bytes,
          cause: error,
        });
      }
      throw error;
    }
  }

  #map(events: ModeEvent[]): FileSplitterEvent[] {
    const out: FileSplitterEvent[] = [];
    for (const ev of events) {
      switch (ev.type) {
        case "data":
          this.#bytes += ev.data.length;
          out.push(ev);
          break;
        case "eof":
          out.push({ type: "fileEnd", index: this.#files++, size: this.#bytes });
          this.#bytes = 0;
          break;
        case "eor":
        case "restart":
          out.push(ev);
          break;
        default:
          // MODE E's per-connection EODs are the reassembler's business.
          break;
      }
    }
    return out;
  }
}
