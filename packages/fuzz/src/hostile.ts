/**
 * Hostile peers, one case each: an endless reply line, an unterminated multi-line banner
 * (fed one byte at a time, and with long lines), endless stray lines and Telnet
 * subnegotiations, endless listings and runs that make parsers superlinear, a MODE B header
 * announcing 65535 bytes and then nothing, MODE E headers announcing 2^63 and 2^53 bytes,
 * endless EODs and tiny out-of-order blocks for the MODE E reassembler, endless MODE C filler,
 * a deflate bomb.
 *
 * Each case is a source of chunks (endless, or as long as asked) and a consumer (a fresh
 * parser or decoder). `pnpm fuzz` feeds them with memory sampling and checks: the expected
 * typed error comes within its byte bound (or no error comes), memory retained by the
 * consumer stays under the bound, and time grows linearly with the input. The vitest suite
 * checks the deterministic half (errors and their byte bounds) without clocks.
 *
 * @module
 */

import { FtpError } from "@ftpkit/errors";
import {
  createDecoder,
  DeflateEncoder,
  EXTENDED_EOD,
  EXTENDED_EOF,
  extendedBlockHeader,
  FileSplitter,
} from "@ftpkit/modes";
import {
  CommandParser,
  DEFAULT_MAX_LINE_LENGTH,
  DEFAULT_MAX_REPLY_LINES,
  parseEpsvReply,
  parseFeatReply,
  parseListing,
  parsePasvReply,
  parsePathReply,
  ReplyParser,
} from "@ftpkit/reply";
import { concatBytes, latin1 } from "./bytes.ts";

/** A parser or decoder being fed. */
export interface Consumer {
  push(chunk: Uint8Array): void;
  /** The connection closed. */
  end(): void;
}

/** What a hostile case must do. */
export interface HostileExpectation {
  /**
   * The typed error (by name) the consumer must throw, and the most bytes it may take before
   * throwing; undefined when it must take everything without an error.
   */
  error?: { name: string; within: number };
  /** The typed error `end()` must throw after the bytes (a truncated transfer). */
  endError?: string;
  /** The most memory the consumer may hold while being fed, in bytes. */
  retained: number;
}

/** One hostile case. */
export interface HostileCase {
  name: string;
  /** The fuzz target the case belongs to (for `--target`). */
  target: string;
  description: string;
  /**
   * Streaming cases feed the same consumer chunk after chunk; `whole` cases hand one input
   * of the given size to a one-shot parser (listings, reply texts) and are checked for
   * linear time by doubling the size.
   */
  kind: "stream" | "whole";
  /** Bytes fed by `pnpm fuzz` (the vitest suite feeds less where that is enough). */
  size: number;
  /** Chunks of the stream, given how many bytes are wanted in total; may be endless. */
  chunks(total: number): Iterable<Uint8Array>;
  consumer(): Consumer;
  expect: HostileExpectation;
}

const MiB = 1024 * 1024;
const SLACK = 16 * MiB;
const CHUNK = 64 * 1024;

/** The same chunk again and again (decoders must not keep what they are given). */
function* repeatChunk(
  head: Uint8Array,
  body: Uint8Array,
  total: number,
  chunkSize = CHUNK,
): Iterable<Uint8Array> {
  yield head;
  const reps = Math.max(1, Math.floor(chunkSize / Math.max(1, body.length)));
  const chunk = new Uint8Array(body.length * reps);
  for (let i = 0; i < reps; i++) chunk.set(body, i * body.length);
  for (let fed = head.length; fed < total; fed += chunk.length) {
    yield total - fed >= chunk.length ? chunk : chunk.subarray(0, total - fed);
  }
}

/** Single bytes: the head, then `body` cycled, one byte per chunk. */
function* bytewise(head: Uint8Array, body: Uint8Array, total: number): Iterable<Uint8Array> {
  for (let i = 0; i < head.length; i++) yield head.subarray(i, i + 1);
  for (let fed = head.length, i = 0; fed < total; fed++, i = (i + 1) % body.length)
    yield body.subarray(i, i + 1);
}

function replyConsumer(): Consumer {
  const p = new ReplyParser();
  return { push: (c) => void p.push(c), end: () => p.end() };
}

function commandConsumer(): Consumer {
  const p = new CommandParser();
  return { push: (c) => void p.push(c), end: () => p.end() };
}

/** A one-shot parser run on the whole input at `end()`. */
function wholeConsumer(parse: (bytes: Uint8Array) => void): Consumer {
  const parts: Uint8Array[] = [];
  return { push: (c) => void parts.push(c), end: () => parse(concatBytes(parts)) };
}

function decoderConsumer(mode: "S" | "B" | "C" | "Z" | "E", structure: "F" | "R" = "F"): Consumer {
  const d = createDecoder(mode, { structure });
  return { push: (c) => void d.push(c), end: () => void d.end() };
}

function splitterConsumer(maxBufferedBytes: number): Consumer {
  const s = new FileSplitter("E", { maxBufferedBytes });
  return { push: (c) => void s.push(c), end: () => void s.end() };
}

/** MODE E blocks of one byte at offsets 1, 3, 5, …: each is held, none can be delivered. */
function* aheadBlocks(total: number): Iterable<Uint8Array> {
  const per = 18;
  const count = Math.floor(CHUNK / per);
  let offset = 1;
  for (let fed = 0; fed < total; fed += count * per) {
    const chunk = new Uint8Array(count * per);
    for (let i = 0; i < count; i++) {
      chunk.set(extendedBlockHeader(0, 1, offset), i * per);
      chunk[i * per + 17] = 0x41;
      offset += 2;
    }
    yield chunk;
  }
}

/**
 * A zlib stream of zeros that never ends. After a sync flush over a window of zeros the
 * compressor is back in the same state, so the bytes of one more MiB of zeros are the same
 * every time: they are computed once and repeated (about 1000:1).
 */
function* deflateBomb(total: number): Iterable<Uint8Array> {
  const e = new DeflateEncoder({ level: 9, syncFlush: true });
  const zeros = new Uint8Array(MiB);
  const head = concatBytes(e.data(zeros));
  const body = concatBytes(e.data(zeros));
  const check = concatBytes(e.data(zeros));
  if (check.length !== body.length || check.some((b, i) => b !== body[i])) {
    throw new Error("deflate bomb: the compressor did not settle into a repeating block");
  }
  yield head;
  for (let fed = head.length; fed < total; fed += body.length) yield body;
}

const LINE_LIMIT = DEFAULT_MAX_LINE_LENGTH;
const LINES_LIMIT = DEFAULT_MAX_REPLY_LINES;
const SMALL_BUFFER = MiB;

/** Every hostile case. */
export const HOSTILE_CASES: readonly HostileCase[] = [
  {
    name: "reply-endless-line",
    target: "reply-parser",
    description: 'a 10 MB reply line "220 aaaa…" without a line end',
    kind: "stream",
    size: 10 * MiB,
    chunks: (total) => repeatChunk(latin1("220 "), latin1("a"), total),
    consumer: replyConsumer,
    expect: {
      error: { name: "FtpProtocolError", within: LINE_LIMIT + CHUNK + 4 },
      retained: SLACK,
    },
  },
  {
    name: "reply-endless-line-bytewise",
    target: "reply-parser",
    description: "an endless reply line fed one byte per push",
    kind: "stream",
    size: 10 * MiB,
    chunks: (total) => bytewise(latin1("220 "), latin1("a"), total),
    consumer: replyConsumer,
    expect: { error: { name: "FtpProtocolError", within: LINE_LIMIT + 2 + 4 }, retained: SLACK },
  },
  {
    name: "reply-unterminated-banner-bytewise",
    target: "reply-parser",
    description:
      'an unterminated multi-line banner "220-…" of short lines, one byte per push, up to 10 MB',
    kind: "stream",
    size: 10 * MiB,
    chunks: (total) => bytewise(latin1("220-Welcome\r\n"), latin1(" line\r\n"), total),
    consumer: replyConsumer,
    expect: {
      error: { name: "FtpProtocolError", within: 13 + (LINES_LIMIT + 1) * 7 },
      retained: SLACK,
    },
  },
  {
    name: "reply-unterminated-banner-long-lines",
    target: "reply-parser",
    description:
      "an unterminated multi-line banner of 8000-byte lines (held until the line-count limit)",
    kind: "stream",
    size: 128 * MiB,
    chunks: (total) =>
      repeatChunk(latin1("220-Welcome\r\n"), latin1(`${"a".repeat(8000)}\r\n`), total),
    consumer: replyConsumer,
    expect: {
      error: { name: "FtpProtocolError", within: 13 + (LINES_LIMIT + 1) * 8002 + CHUNK },
      // The configured limits multiply: up to maxLineLength × maxReplyLines of text is held.
      retained: 2 * LINE_LIMIT * LINES_LIMIT + SLACK,
    },
  },
  {
    name: "reply-endless-stray-lines",
    target: "reply-parser",
    description: "after a greeting, endless lines that are not replies",
    kind: "stream",
    size: 64 * MiB,
    chunks: (total) => repeatChunk(latin1("220 ok\r\n"), latin1("junk line\r\n"), total),
    consumer: replyConsumer,
    expect: { retained: SLACK },
  },
  {
    name: "reply-endless-telnet-subnegotiation",
    target: "reply-parser",
    description: "IAC SB and then never IAC SE",
    kind: "stream",
    size: 64 * MiB,
    chunks: (total) => repeatChunk(latin1("220 ok\r\n\xff\xfa"), latin1("x"), total),
    consumer: replyConsumer,
    expect: { retained: SLACK },
  },
  {
    name: "reply-endless-replies",
    target: "reply-parser",
    description: 'endless "200 ok" replies (pipelining without end)',
    kind: "stream",
    size: 64 * MiB,
    chunks: (total) => repeatChunk(latin1("220 ok\r\n"), latin1("200 ok\r\n"), total),
    consumer: replyConsumer,
    expect: { retained: SLACK },
  },
  {
    name: "command-endless-line",
    target: "command-parser",
    description: "a 10 MB command line",
    kind: "stream",
    size: 10 * MiB,
    chunks: (total) => repeatChunk(latin1("STOR "), latin1("a"), total),
    consumer: commandConsumer,
    expect: {
      error: { name: "FtpProtocolError", within: LINE_LIMIT + CHUNK + 5 },
      retained: SLACK,
    },
  },
  {
    name: "command-endless-empty-lines",
    target: "command-parser",
    description: "endless empty lines",
    kind: "stream",
    size: 64 * MiB,
    chunks: (total) => repeatChunk(new Uint8Array(0), latin1("\r\n"), total),
    consumer: commandConsumer,
    expect: { retained: SLACK },
  },
  {
    name: "listing-endless-unix",
    target: "listing",
    description: "a LIST body of valid ls -l lines, growing",
    kind: "whole",
    size: 16 * MiB,
    chunks: (total) =>
      repeatChunk(
        new Uint8Array(0),
        latin1("-rw-r--r--    1 ftp      ftp          1234 Jan 02  2020 file name.txt\r\n"),
        total,
      ),
    consumer: () => wholeConsumer((b) => void parseListing(b)),
    expect: { retained: Number.POSITIVE_INFINITY },
  },
  {
    name: "listing-long-line",
    target: "listing",
    description: "a LIST body that is one line without a line end",
    kind: "whole",
    size: 16 * MiB,
    chunks: (total) => repeatChunk(latin1("-rw-r--r-- 1 a b 1 Jan 02 2020 "), latin1("x"), total),
    consumer: () => wholeConsumer((b) => void parseListing(b)),
    expect: { retained: Number.POSITIVE_INFINITY },
  },
  {
    name: "listing-cr-run",
    target: "listing",
    description: 'a LIST line of carriage returns: "\\r\\r…\\rx\\r\\n"',
    kind: "whole",
    size: 16 * MiB,
    chunks: (total) => repeatChunk(new Uint8Array(0), latin1("\r"), total),
    consumer: () => wholeConsumer((b) => void parseListing(concatBytes([b, latin1("x\r\n")]))),
    expect: { retained: Number.POSITIVE_INFINITY },
  },
  {
    name: "listing-cr-run-mlsd",
    target: "listing",
    description: 'an MLSD line of carriage returns: "\\r\\r…\\rx"',
    kind: "whole",
    size: 16 * MiB,
    chunks: (total) => repeatChunk(new Uint8Array(0), latin1("\r"), total),
    consumer: () =>
      wholeConsumer((b) => void parseListing(concatBytes([b, latin1("x")]), { format: "mlsd" })),
    expect: { retained: Number.POSITIVE_INFINITY },
  },
  {
    name: "listing-dos-spaces",
    target: "list-line",
    description:
      'a DOS line with long runs of spaces and a CR inside the name: "01-01-20 01:00   …1   …x\\rx"',
    kind: "whole",
    size: 4 * MiB,
    chunks: (total) => repeatChunk(new Uint8Array(0), latin1(" "), total),
    consumer: () =>
      wholeConsumer((b) => {
        const third = Math.floor(b.length / 3);
        const spaces = "".padEnd(third, " ");
        void parseListing(latin1(`01-01-20 01:00${spaces}1${spaces}${"x".repeat(third)}\rx\n`));
      }),
    expect: { retained: Number.POSITIVE_INFINITY },
  },
  {
    name: "epsv-open-parens",
    target: "epsv",
    description: 'a 229 text of "(((((…"',
    kind: "whole",
    size: 4 * MiB,
    chunks: (total) => repeatChunk(new Uint8Array(0), latin1("("), total),
    consumer: () => wholeConsumer((b) => tryTyped(() => parseEpsvReply(latin1Text(b)))),
    expect: { retained: Number.POSITIVE_INFINITY },
  },
  {
    name: "pasv-number-runs",
    target: "pasv",
    description: 'a 227 text of "1,1,1,…" and spaces',
    kind: "whole",
    size: 4 * MiB,
    chunks: (total) => repeatChunk(new Uint8Array(0), latin1("1, "), total),
    consumer: () => wholeConsumer((b) => tryTyped(() => parsePasvReply(latin1Text(b)))),
    expect: { retained: Number.POSITIVE_INFINITY },
  },
  {
    name: "path-257-doubled-quotes",
    target: "path-257",
    description: 'a 257 text of doubled quotes """"…',
    kind: "whole",
    size: 4 * MiB,
    chunks: (total) => repeatChunk(latin1('"'), latin1('""'), total),
    consumer: () => wholeConsumer((b) => tryTyped(() => parsePathReply(latin1Text(b)))),
    expect: { retained: Number.POSITIVE_INFINITY },
  },
  {
    name: "feat-many-lines",
    target: "feat",
    description: "a FEAT reply of very many lines",
    kind: "whole",
    size: 4 * MiB,
    chunks: (total) => repeatChunk(new Uint8Array(0), latin1(" MDTM\n"), total),
    consumer: () =>
      wholeConsumer((b) =>
        tryTyped(() => parseFeatReply(["Features:", ...latin1Text(b).split("\n"), "End"])),
      ),
    expect: { retained: Number.POSITIVE_INFINITY },
  },
  {
    name: "mode-B-65535-then-truncation",
    target: "mode-B",
    description: "a MODE B header announcing 65535 bytes, 1000 bytes, then the connection closes",
    kind: "stream",
    size: 1003,
    chunks: () => [Uint8Array.of(0x00, 0xff, 0xff), new Uint8Array(1000)],
    consumer: () => decoderConsumer("B"),
    expect: { endError: "TruncatedTransferError", retained: SLACK },
  },
  {
    name: "mode-B-endless-blocks",
    target: "mode-B",
    description: "endless 65535-byte MODE B blocks without EOF",
    kind: "stream",
    size: 64 * MiB,
    chunks: (total) =>
      repeatChunk(
        new Uint8Array(0),
        concatBytes([Uint8Array.of(0, 0xff, 0xff), new Uint8Array(65535)]),
        total,
      ),
    consumer: () => decoderConsumer("B"),
    expect: { endError: "TruncatedTransferError", retained: SLACK },
  },
  {
    name: "mode-B-restart-marker-bytewise",
    target: "mode-B",
    description: "endless 65535-byte restart-marker blocks, fed one byte per push",
    kind: "stream",
    size: 4 * MiB,
    chunks: (total) =>
      bytewise(
        new Uint8Array(0),
        concatBytes([Uint8Array.of(0x10, 0xff, 0xff), latin1("A".repeat(65535))]),
        total,
      ),
    consumer: () => decoderConsumer("B"),
    expect: { endError: "TruncatedTransferError", retained: SLACK },
  },
  {
    name: "mode-E-count-2^63",
    target: "mode-E",
    description: "a MODE E header announcing 2^63 bytes",
    kind: "stream",
    size: 10 * MiB,
    chunks: (total) =>
      repeatChunk(
        Uint8Array.of(0x00, 0x80, 0, 0, 0, 0, 0, 0, 0, ...new Uint8Array(8)),
        new Uint8Array(1),
        total,
      ),
    consumer: () => decoderConsumer("E"),
    expect: { error: { name: "FtpProtocolError", within: 17 }, retained: SLACK },
  },
  {
    name: "mode-E-count-2^53-endless",
    target: "mode-E",
    description: "a MODE E header announcing 2^53 - 1 bytes, then endless data",
    kind: "stream",
    size: 64 * MiB,
    chunks: (total) =>
      repeatChunk(extendedBlockHeader(0, 2 ** 53 - 1, 0), new Uint8Array(1), total),
    consumer: () => decoderConsumer("E"),
    expect: { endError: "TruncatedTransferError", retained: SLACK },
  },
  {
    name: "e-reassembler-endless-eod",
    target: "e-reassembler",
    description: "endless MODE E EOD blocks (no EOF) into the one-connection splitter",
    kind: "stream",
    size: 64 * MiB,
    chunks: (total) =>
      repeatChunk(new Uint8Array(0), extendedBlockHeader(EXTENDED_EOD, 0, 0), total),
    consumer: () => splitterConsumer(SMALL_BUFFER),
    expect: { retained: SMALL_BUFFER + SLACK },
  },
  {
    name: "e-reassembler-ahead-tiny-blocks",
    target: "e-reassembler",
    description:
      "1-byte MODE E blocks at offsets 1, 3, 5, … (each held ahead), maxBufferedBytes 1 MiB",
    kind: "stream",
    size: 64 * MiB,
    chunks: aheadBlocks,
    consumer: () => splitterConsumer(SMALL_BUFFER),
    expect: {
      error: { name: "FtpProtocolError", within: 18 * (SMALL_BUFFER + 1) + CHUNK },
      retained: SMALL_BUFFER + SLACK,
    },
  },
  {
    name: "e-reassembler-huge-eod-count",
    target: "e-reassembler",
    description: "an EOF block announcing 2^53 - 1 EODs, then the next files' data (held)",
    kind: "stream",
    size: 64 * MiB,
    chunks: (total) =>
      repeatChunk(
        extendedBlockHeader(EXTENDED_EOF | EXTENDED_EOD, 0, 2 ** 53 - 1),
        concatBytes([
          extendedBlockHeader(0, 4096, 0),
          new Uint8Array(4096),
          extendedBlockHeader(EXTENDED_EOD, 0, 0),
        ]),
        total,
      ),
    consumer: () => splitterConsumer(SMALL_BUFFER),
    expect: {
      error: { name: "FtpProtocolError", within: SMALL_BUFFER + 2 * CHUNK },
      retained: SMALL_BUFFER + SLACK,
    },
  },
  {
    name: "mode-C-endless-filler",
    target: "mode-C",
    description: "endless MODE C filler codes (each byte stands for 63 bytes)",
    kind: "stream",
    size: 64 * MiB,
    chunks: (total) => repeatChunk(new Uint8Array(0), Uint8Array.of(0xff), total),
    consumer: () => decoderConsumer("C"),
    expect: { endError: "TruncatedTransferError", retained: SLACK },
  },
  {
    name: "mode-C-endless-restart-markers",
    target: "mode-C",
    description: "endless MODE C restart-marker escapes",
    kind: "stream",
    size: 64 * MiB,
    chunks: (total) => repeatChunk(new Uint8Array(0), Uint8Array.of(0x00, 0x10, 0x01, 0x41), total),
    consumer: () => decoderConsumer("C"),
    expect: { endError: "TruncatedTransferError", retained: SLACK },
  },
  {
    name: "mode-Z-deflate-bomb",
    target: "mode-Z",
    description: "a zlib stream of zeros that never ends (about 1000:1)",
    kind: "stream",
    size: 256 * 1024,
    chunks: deflateBomb,
    consumer: () => decoderConsumer("Z"),
    expect: { endError: "TruncatedTransferError", retained: SLACK },
  },
  {
    name: "mode-S-record-endless-escapes",
    target: "mode-S-record",
    description: "endless escaped 0xFF bytes under STRU R",
    kind: "stream",
    size: 64 * MiB,
    chunks: (total) => repeatChunk(new Uint8Array(0), Uint8Array.of(0xff, 0xff), total),
    consumer: () => decoderConsumer("S", "R"),
    expect: { endError: "TruncatedTransferError", retained: SLACK },
  },
];

function latin1Text(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}

/** Runs a decoder whose typed errors are a normal outcome here (no port in the text). */
function tryTyped(fn: () => unknown): void {
  try {
    fn();
  } catch (error) {
    if (!FtpError.isInstance(error)) throw error;
  }
}
