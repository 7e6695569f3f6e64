/**
 * The shared vocabulary of the codecs: modes, options, events, decoder and encoder shapes.
 *
 * @module
 */

/**
 * A transfer mode as named by the `MODE` command: `S` stream, `B` block and `C` compressed
 * (RFC 959 §3.4), `Z` deflate (draft-preston-ftpext-deflate), `E` GridFTP extended block
 * (OGF GFD.20).
 */
export type TransferMode = "S" | "B" | "C" | "Z" | "E";

/** A representation type as named by the `TYPE` command (RFC 959 §3.1.1). */
export type RepresentationType = "A" | "E" | "I" | "L";

/** A file structure as named by the `STRU` command (RFC 959 §3.1.2); page structure is not supported. */
export type FileStructure = "F" | "R";

/** What a decoder reports: bytes of the file and the markers found between them. */
export type ModeEvent =
  | ModeDataEvent
  | { type: "eor" }
  | ModeEofEvent
  | { type: "restart"; marker: string }
  | ModeEodEvent;

/** Bytes of the file, a view into the pushed chunk wherever the mode allows it. */
export interface ModeDataEvent {
  type: "data";
  data: Uint8Array;
  /** The file offset of `data[0]`; only MODE E sets it (blocks may arrive out of order). */
  offset?: number;
  /** True when the sender flagged the bytes as suspect (descriptor 32, RFC 959 §3.4.2). */
  suspect?: boolean;
}

/** The end of a file. */
export interface ModeEofEvent {
  type: "eof";
  /**
   * MODE E only: the number of EOD markers (one per data connection) that make the
   * file complete, taken from the offset field of the EOF block (GFD.20).
   */
  eodCount?: number;
}

/** MODE E only: this connection has sent everything it will send for the current file. */
export interface ModeEodEvent {
  type: "eod";
  /** The sender also flagged CLOSE (descriptor 4): it will close this connection next. */
  close?: boolean;
}

/** Options of {@link createDecoder} and the wrappers around it. */
export interface DecoderOptions {
  /** The representation type; it picks MODE C's filler byte. Default `"I"`. */
  type?: RepresentationType;
  /** The file structure; under `"F"` EOR markers are ignored (a real server sets them anyway). Default `"F"`. */
  structure?: FileStructure;
  /**
   * MODE C: decode into the chunks pushed, which the caller gives up to the decoder (its
   * data events are then views of them, as MODE B's are). Data that does not compress
   * then needs no output buffer and no copy into one; a run that decodes to more bytes
   * than its code takes goes on in a buffer of the decoder's own. Other modes ignore it.
   * Default false.
   */
  decodeInPlace?: boolean;
}

/** Options of {@link createEncoder} and the wrappers around it. */
export interface EncoderOptions {
  /** The representation type; it picks MODE C's filler byte. Default `"I"`. */
  type?: RepresentationType;
  /** The file structure; `record()` needs `"R"`. Default `"F"`. */
  structure?: FileStructure;
  /** MODE Z: the zlib compression level 0..9. Default 6. */
  level?: number;
  /** MODE Z: end every `data()` call with a sync flush, as proftpd does per read. Default false. */
  syncFlush?: boolean;
  /**
   * MODE E: the number of data connections that take part in the transfer; `eof()` writes
   * it as the EOD count. Default 1.
   */
  eodCount?: number;
  /** MODE B and E: the largest payload of one block. B: at most and default 65535; E: default 65536. */
  maxBlockSize?: number;
}

/**
 * A sans-I/O decoder of one data connection: bytes in, {@link ModeEvent}s out.
 *
 * Data events are views into the pushed chunks wherever the mode allows (S, B, E); do not
 * modify a chunk after pushing it.
 */
export interface ModeDecoder {
  /** Decodes a chunk of the data connection. Throws `FtpProtocolError` on malformed input. */
  push(chunk: Uint8Array): ModeEvent[];
  /**
   * The data connection has closed. Throws `TruncatedTransferError` when it closed inside a
   * file, with the count of that file's bytes delivered so far.
   */
  end(): ModeEvent[];
}

/**
 * A sans-I/O encoder of one data connection: file content and markers in, bytes out.
 *
 * The returned chunks may be views of the bytes passed to `data()`; an encoder may also keep
 * such a view until its next call (MODE B holds the last block back to flag EOF on it), so do
 * not modify bytes after passing them.
 */
export interface ModeEncoder {
  /** Encodes file bytes. `offset` is the file offset, used by MODE E only (default: right after the previous bytes). */
  data(bytes: Uint8Array, offset?: number): Uint8Array[];
  /** Marks the end of a record (STRU R). */
  record(): Uint8Array[];
  /** Inserts a restart marker (printable ASCII without spaces, RFC 959 §3.5). */
  restart(marker: string): Uint8Array[];
  /** Marks the end of the file; the encoder then starts the next file (modes B, C and E). */
  eof(): Uint8Array[];
}
