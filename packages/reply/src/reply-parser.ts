/**
 * The client side of the control connection: bytes from the server in, replies out.
 *
 * @module
 */

import { FtpProtocolError } from "@ftpkit/errors";
import { decodeText } from "./decode-text.ts";
import { LineReader } from "./line-reader.ts";
import type { Reply } from "./reply.ts";
import { leadingCode } from "./reply-code.ts";

/** Options of {@link ReplyParser}. */
export interface ReplyParserOptions {
  /** Longest line accepted, in bytes, without CR LF. Default 8192. */
  maxLineLength?: number;
  /** Most lines one reply may have. Default 10000 (a `STAT dir` listing comes as one reply). */
  maxReplyLines?: number;
  /**
   * Most bytes one reply may have: the bytes of its lines, without their line ends.
   * Default 1 MiB, far more than any FEAT, HELP or STAT reply of a real server; it keeps
   * an unterminated banner of long lines from holding `maxLineLength` × `maxReplyLines`
   * (80 MB) of text.
   */
  maxReplyBytes?: number;
  /**
   * Called with a line that arrived outside a reply and does not start with a reply
   * code, and with the reply before it. Such lines are not replies and are otherwise
   * dropped. GridFTP sends one after echoing a command's CR LF:
   * `501 'TYPE L 8\r\n' unrecognized type.\r\n` is the reply `501 'TYPE L 8` and the
   * stray line `' unrecognized type.`.
   */
  onStrayLine?: (line: string, previous: Reply | undefined) => void;
}

/** Default {@link ReplyParserOptions.maxLineLength}. */
export const DEFAULT_MAX_LINE_LENGTH = 8192;
/** Default {@link ReplyParserOptions.maxReplyLines}. */
export const DEFAULT_MAX_REPLY_LINES = 10000;
/** Default {@link ReplyParserOptions.maxReplyBytes}: 1 MiB. */
export const DEFAULT_MAX_REPLY_BYTES = 1024 * 1024;

/**
 * Incremental FTP reply parser (RFC 959 §4.2), sans-I/O: feed it the bytes of the
 * control connection as they arrive, take the completed replies.
 *
 * - Single-line replies `123 text` and multi-line replies `123-first` … `123 last`,
 *   whose inner lines may start with other digits, be blank, start with spaces or
 *   repeat `123-`. Several replies in one chunk (pipelining) and replies split
 *   anywhere between chunks give the same result.
 * - Lines end with CR LF or a bare LF. Telnet commands are removed, `IAC IAC` is 0xFF.
 * - Each line is decoded as UTF-8, or latin1 when it is not valid UTF-8.
 * - A line outside a reply that does not start with a code (see
 *   {@link ReplyParserOptions.onStrayLine}) is skipped, so one bad line cannot shift
 *   every later reply onto the wrong command. Before the first reply such a line means
 *   the peer is not an FTP server (an SSH or HTTP banner, say) and is an error.
 * - A line longer than `maxLineLength`, or a reply with more than `maxReplyLines` lines
 *   or `maxReplyBytes` bytes, throws {@link FtpProtocolError} as soon as the limit is
 *   passed; work is linear in the input and memory stays within the limits.
 *
 * After it has thrown, the parser is broken: every later `push` throws the same error.
 *
 * @example
 * ```ts
 * const parser = new ReplyParser();
 * parser.push(new TextEncoder().encode("220-Welcome\r\n220 Ready\r\n331 Pass"));
 * // → [{ code: 220, lines: ["Welcome", "Ready"], message: "Welcome\nReady" }]
 * parser.push(new TextEncoder().encode("word required\r\n"));
 * // → [{ code: 331, lines: ["Password required"], message: "Password required" }]
 * parser.end(); // nothing cut off: does not throw
 * ```
 */
export class ReplyParser {
  readonly #lines: LineReader;
  readonly #maxReplyLines: number;
  readonly #maxReplyBytes: number;
  readonly #onStrayLine: ((line: string, previous: Reply | undefined) => void) | undefined;
  #out: Reply[] = [];
  /** Code of the open multi-line reply, or -1. */
  #openCode = -1;
  #openLines: string[] = [];
  /** Bytes of the open multi-line reply's lines so far. */
  #openBytes = 0;
  #previous: Reply | undefined;
  #failure: FtpProtocolError | undefined;

  constructor(options: ReplyParserOptions = {}) {
    const maxReplyLines = options.maxReplyLines ?? DEFAULT_MAX_REPLY_LINES;
    if (!Number.isSafeInteger(maxReplyLines) || maxReplyLines < 1) {
      throw new RangeError(`maxReplyLines must be a positive integer, got ${maxReplyLines}`);
    }
    this.#maxReplyLines = maxReplyLines;
    const maxReplyBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
    if (!Number.isSafeInteger(maxReplyBytes) || maxReplyBytes < 1) {
      throw new RangeError(`maxReplyBytes must be a positive integer, got ${maxReplyBytes}`);
    }
    this.#maxReplyBytes = maxReplyBytes;
    this.#onStrayLine = options.onStrayLine;
    this.#lines = new LineReader(
      options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH,
      (bytes) => this.#line(decodeText(bytes), bytes.length),
      "reply line",
    );
  }

  /** True when no reply and no line is partly received. */
  get idle(): boolean {
    return this.#openCode === -1 && this.#lines.pendingBytes === 0;
  }

  /**
   * Feeds bytes from the control connection.
   *
   * @returns every reply this chunk completed, in order (often none, often one)
   * @throws {FtpProtocolError} on a line or a reply over the limits (length, lines, bytes), or a first line
   *   that is not a reply
   */
  push(chunk: Uint8Array): Reply[] {
    if (this.#failure !== undefined) throw this.#failure;
    try {
      this.#lines.push(chunk);
    } catch (error) {
      this.#out = [];
      if (error instanceof FtpProtocolError) this.#failure = error;
      throw error;
    }
    const out = this.#out;
    if (out.length > 0) this.#out = [];
    return out;
  }

  /**
   * Marks the end of the control connection.
   *
   * @throws {FtpProtocolError} when a reply or a line was cut off
   */
  end(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#openCode !== -1) {
      throw new FtpProtocolError(
        `The control connection closed inside the multi-line reply ${this.#openCode} after ${this.#openLines.length} lines`,
        { code: this.#openCode, replyText: this.#openLines.join("\n") },
      );
    }
    if (this.#lines.pendingBytes > 0) {
      throw new FtpProtocolError(
        `The control connection closed inside a reply line (${this.#lines.pendingBytes} bytes without a line end)`,
      );
    }
  }

  #line(text: string, bytes: number): void {
    const openCode = this.#openCode;
    if (openCode === -1) {
      const code = leadingCode(text);
      if (code === -1) {
        this.#stray(text);
        return;
      }
      const lineText = text.length > 4 ? text.slice(4) : "";
      this.#openBytes = bytes;
      if (bytes > this.#maxReplyBytes) this.#tooManyBytes(code);
      if (text.charCodeAt(3) === 0x2d) {
        this.#openCode = code;
        this.#openLines = [lineText];
      } else {
        this.#emit({ code, lines: [lineText], message: lineText });
      }
      return;
    }
    if (this.#openLines.length >= this.#maxReplyLines) {
      const code = openCode;
      this.#openCode = -1;
      this.#openLines = [];
      throw new FtpProtocolError(
        `The multi-line reply ${code} has more than the limit of ${this.#maxReplyLines} lines`,
        { code },
      );
    }
    this.#openBytes += bytes;
    if (this.#openBytes > this.#maxReplyBytes) this.#tooManyBytes(openCode);
    if (leadingCode(text) === openCode) {
      const lineText = text.length > 4 ? text.slice(4) : "";
      this.#openLines.push(lineText);
      if (text.charCodeAt(3) !== 0x2d) {
        const lines = this.#openLines;
        this.#openCode = -1;
        this.#openLines = [];
        this.#emit({ code: openCode, lines, message: lines.join("\n") });
      }
      return;
    }
    this.#openLines.push(text);
  }

  /** The reply being read has more than `maxReplyBytes` bytes. */
  #tooManyBytes(code: number): never {
    this.#openCode = -1;
    this.#openLines = [];
    throw new FtpProtocolError(
      `The reply ${code} is longer than the limit of ${this.#maxReplyBytes} bytes (${this.#openBytes} bytes or more)`,
      { code },
    );
  }

  #emit(reply: Reply): void {
    this.#previous = reply;
    this.#out.push(reply);
  }

  #stray(text: string): void {
    if (this.#previous === undefined && text.trim() !== "") {
      throw new FtpProtocolError(
        `The server's first line is not an FTP reply: ${JSON.stringify(text.slice(0, 80))}`,
      );
    }
    this.#onStrayLine?.(text, this.#previous);
  }
}
