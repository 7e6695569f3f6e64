/**
 * The server side of the control connection: bytes from the client in, commands out.
 *
 * @module
 */

import { FtpProtocolError } from "@ftpkit/errors";
import { decodeText } from "./decode-text.ts";
import { LineReader } from "./line-reader.ts";
import { DEFAULT_MAX_LINE_LENGTH } from "./reply-parser.ts";

/** One command line from the client (RFC 959 §5.3). */
export interface Command {
  /** The command verb, ASCII letters uppercased: `"RETR"`, `"OPTS"`. */
  verb: string;
  /**
   * Everything after the first space, verbatim (a path may start or end with
   * spaces); `""` when there was none.
   */
  argument: string;
}

/** Options of {@link CommandParser}. */
export interface CommandParserOptions {
  /** Longest command line accepted, in bytes, without CR LF. Default 8192. */
  maxLineLength?: number;
}

/**
 * Incremental FTP command parser for servers, sans-I/O.
 *
 * Lines end with CR LF or a bare LF; Telnet commands are removed (`IAC IP IAC DM`,
 * the "synch" a client sends before `ABOR`, RFC 959 §4.1.3, disappears and leaves a
 * plain `ABOR`), `IAC IAC` is a 0xFF byte. The line is decoded as UTF-8 (RFC 2640),
 * latin1 if invalid. Empty lines are skipped. A line longer than `maxLineLength`
 * throws {@link FtpProtocolError} at once; the parser is broken after that.
 *
 * The argument is not checked: a server must still refuse a NUL byte in a path.
 *
 * @example
 * ```ts
 * const parser = new CommandParser();
 * parser.push(new TextEncoder().encode("user anna\r\nPASS x\r\n\xff\xf4\xff\xf2ABOR\r\n"));
 * // → [{ verb: "USER", argument: "anna" }, { verb: "PASS", argument: "x" }, { verb: "ABOR", argument: "" }]
 * ```
 */
export class CommandParser {
  readonly #lines: LineReader;
  #out: Command[] = [];
  #failure: FtpProtocolError | undefined;

  constructor(options: CommandParserOptions = {}) {
    this.#lines = new LineReader(
      options.maxLineLength ?? DEFAULT_MAX_LINE_LENGTH,
      (bytes) => this.#line(bytes),
      "command line",
    );
  }

  /** True when no command line is partly received. */
  get idle(): boolean {
    return this.#lines.pendingBytes === 0;
  }

  /**
   * Feeds bytes from the client.
   *
   * @returns every command this chunk completed, in order
   * @throws {FtpProtocolError} on a line over the limit
   */
  push(chunk: Uint8Array): Command[] {
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
   * @throws {FtpProtocolError} when a command line was cut off
   */
  end(): void {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#lines.pendingBytes > 0) {
      throw new FtpProtocolError(
        `The control connection closed inside a command line (${this.#lines.pendingBytes} bytes without a line end)`,
      );
    }
  }

  #line(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const text = decodeText(bytes);
    const space = text.indexOf(" ");
    const verb = space === -1 ? text : text.slice(0, space);
    const argument = space === -1 ? "" : text.slice(space + 1);
    this.#out.push({ verb: upperAscii(verb), argument });
  }
}

/** Uppercases a-z only: toUpperCase would turn "ß" into "SS" and "ı" into "I". */
function upperAscii(s: string): string {
  let needs = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) {
      needs = true;
      break;
    }
  }
  if (!needs) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    out += c >= 0x61 && c <= 0x7a ? String.fromCharCode(c - 32) : s[i];
  }
  return out;
}
