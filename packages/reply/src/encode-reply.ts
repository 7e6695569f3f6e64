/**
 * Encoding of replies, for servers.
 *
 * @module
 */

import { FtpUsageError } from "@ftpkit/errors";
import { doubleIac } from "./encode-command.ts";

const utf8 = new TextEncoder();

/**
 * Encodes a reply (RFC 959 §4.2). One line gives `123 text\r\n`; several lines (an
 * array, or text containing line breaks) give `123-first\r\n` … `123 last\r\n`.
 *
 * Inner lines are sent as given (FEAT and MLST lines start with a space), except that
 * an inner line starting with a digit is indented by one space: §4.2 requires it, so
 * that `123 …` inside the text cannot end the reply early and no client mistakes it
 * for a new code. CR, LF and CR LF inside a line split it into two lines, and NUL
 * bytes are dropped: text echoed from a client can never forge a reply line.
 *
 * @param code a reply code 100-699
 * @param text one line, or the lines of a multi-line reply
 * @throws {FtpUsageError} for a code that is not an integer 100-699
 *
 * @example
 * ```ts
 * encodeReply(200, "Type set to I");                  // "200 Type set to I\r\n"
 * encodeReply(211, ["Features:", " MDTM", " SIZE", "End"]);
 * // "211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n"
 * encodeReply(250, ["Listing", "250 files", "End"]); // inner line becomes " 250 files"
 * ```
 */
export function encodeReply(code: number, text: string | readonly string[]): Uint8Array {
  return doubleIac(utf8.encode(formatReplyLines(code, text)));
}

const LINE_BREAK_OR_NUL = /[\r\n\0]/;

/** Like {@link encodeReply}, but returns the reply as a string (with CR LF line ends). */
export function formatReplyLines(code: number, text: string | readonly string[]): string {
  if (!Number.isInteger(code) || code < 100 || code > 699) {
    throw new FtpUsageError(`Reply code must be an integer 100-699, got ${String(code)}`);
  }
  // The common case, one line: nothing to split or strip.
  if (typeof text === "string" && !LINE_BREAK_OR_NUL.test(text)) return `${code} ${text}\r\n`;
  const lines: string[] = [];
  for (const t of typeof text === "string" ? [text] : text) {
    for (const line of t.split(/\r\n|\r|\n/))
      lines.push(line.includes("\0") ? line.replaceAll("\0", "") : line);
  }
  if (lines.length === 0) lines.push("");
  if (lines.length === 1) return `${code} ${lines[0]}\r\n`;
  const last = lines.length - 1;
  let out = `${code}-${lines[0]}\r\n`;
  for (let i = 1; i < last; i++) {
    const line = lines[i]!;
    const c = line.charCodeAt(0);
    out += c >= 0x30 && c <= 0x39 ? ` ${line}\r\n` : `${line}\r\n`;
  }
  return `${out}${code} ${lines[last]}\r\n`;
}
