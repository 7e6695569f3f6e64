/**
 * Sans-I/O FTP transfer mode codecs: STREAM, BLOCK, COMPRESSED (RFC 959 §3.4), DEFLATE
 * (`MODE Z`) and GridFTP EXTENDED BLOCK (`MODE E`), a reassembler for parallel MODE E, and a
 * splitter that turns one persistent data connection into one body per file.
 *
 * @module
 */

export { TruncatedTransferError } from "@ftpkit/errors";
export { decodeIterable, encodeIterable } from "./async-iterables.ts";
export {
  BLOCK_EOF,
  BLOCK_EOR,
  BLOCK_RESTART,
  BLOCK_SUSPECT,
  BlockDecoder,
  BlockEncoder,
  MAX_BLOCK_SIZE,
} from "./block-mode.ts";
export type { ByteSource } from "./byte-source.ts";
export { createDecoder, createEncoder } from "./codec-factory.ts";
export { CompressedDecoder, CompressedEncoder, fillerByte } from "./compressed-mode.ts";
export { DeflateDecoder, DeflateEncoder } from "./deflate-mode.ts";
export type { EncoderCommand, EncoderInput } from "./encoder-input.ts";
export {
  EXTENDED_CLOSE,
  EXTENDED_EOD,
  EXTENDED_EOF,
  EXTENDED_EOR,
  EXTENDED_HEADER_SIZE,
  EXTENDED_RESTART,
  EXTENDED_SUSPECT,
  ExtendedBlockDecoder,
  ExtendedBlockEncoder,
  extendedBlockHeader,
} from "./extended-block-mode.ts";
export {
  ExtendedBlockReassembler,
  HELD_BLOCK_OVERHEAD,
  type ReassemblerOptions,
} from "./extended-block-reassembler.ts";
export { FileBodies, type FileBodiesOptions, splitFileBodies } from "./file-bodies.ts";
export {
  type FileEndEvent,
  FileSplitter,
  type FileSplitterEvent,
  type FileSplitterOptions,
} from "./file-splitter.ts";
export {
  StreamDecoder,
  StreamEncoder,
  StreamRecordDecoder,
  StreamRecordEncoder,
} from "./stream-mode.ts";
export type {
  DecoderOptions,
  EncoderOptions,
  FileStructure,
  ModeDataEvent,
  ModeDecoder,
  ModeEncoder,
  ModeEodEvent,
  ModeEofEvent,
  ModeEvent,
  RepresentationType,
  TransferMode,
} from "./types.ts";
export {
  createDecoderStream,
  createEncoderStream,
  decodeStream,
  encodeStream,
} from "./web-streams.ts";
