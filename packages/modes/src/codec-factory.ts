/**
 * `createDecoder` and `createEncoder`: the codec of a transfer mode, by its letter.
 *
 * @module
 */

import { FtpUsageError } from "@ftpkit/errors";
import { BlockDecoder, BlockEncoder } from "./block-mode.ts";
import { CompressedDecoder, CompressedEncoder } from "./compressed-mode.ts";
import { DeflateDecoder, DeflateEncoder } from "./deflate-mode.ts";
import { ExtendedBlockDecoder, ExtendedBlockEncoder } from "./extended-block-mode.ts";
import {
  StreamDecoder,
  StreamEncoder,
  StreamRecordDecoder,
  StreamRecordEncoder,
} from "./stream-mode.ts";
import type {
  DecoderOptions,
  EncoderOptions,
  ModeDecoder,
  ModeEncoder,
  TransferMode,
} from "./types.ts";

function unknownMode(mode: unknown): FtpUsageError {
  return new FtpUsageError(
    `Unknown transfer mode ${JSON.stringify(mode)}; expected "S", "B", "C", "Z" or "E"`,
  );
}

/**
 * Creates the decoder of one data connection in `mode`.
 *
 * @example
 * ```ts
 * const decoder = createDecoder("B");
 * for (const chunk of chunks) {
 *   for (const ev of decoder.push(chunk)) {
 *     if (ev.type === "data") sink.write(ev.data);
 *     else if (ev.type === "eof") console.log("file complete");
 *   }
 * }
 * decoder.end(); // throws TruncatedTransferError if the connection closed inside a file
 * ```
 */
export function createDecoder(mode: TransferMode, options: DecoderOptions = {}): ModeDecoder {
  switch (mode) {
    case "S":
      return options.structure === "R" ? new StreamRecordDecoder() : new StreamDecoder();
    case "B":
      return new BlockDecoder(options);
    case "C":
      return new CompressedDecoder(options);
    case "Z":
      if (options.structure === "R") throw new FtpUsageError("MODE Z has no record structure");
      return new DeflateDecoder();
    case "E":
      return new ExtendedBlockDecoder(options);
    default:
      throw unknownMode(mode);
  }
}

/**
 * Creates the encoder of one data connection in `mode`.
 *
 * @example
 * ```ts
 * const encoder = createEncoder("B");
 * const wire = [...encoder.data(fileBytes), ...encoder.eof()];
 * ```
 */
export function createEncoder(mode: TransferMode, options: EncoderOptions = {}): ModeEncoder {
  switch (mode) {
    case "S":
      return options.structure === "R" ? new StreamRecordEncoder() : new StreamEncoder();
    case "B":
      return new BlockEncoder(options);
    case "C":
      return new CompressedEncoder(options);
    case "Z":
      if (options.structure === "R") throw new FtpUsageError("MODE Z has no record structure");
      return new DeflateEncoder(options);
    case "E":
      return new ExtendedBlockEncoder(options);
    default:
      throw unknownMode(mode);
  }
}
