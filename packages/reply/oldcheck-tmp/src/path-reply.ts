/**
 * The 257 reply to PWD and MKD (RFC 959 §4.2 and Appendix II).
 *
 * @module
 */

import type { Reply } from "./reply.ts";
import { malformed, quote, replyText } from "./reply-text.ts";

/**
 * Decodes a 257 reply: the path between the first pair of quotes, where a doubled
 * quote `""` stands for one `"` (RFC 959 Appendix II). A reply without quotes (some
 * old servers) gives its first word.
 *
 * Some servers do not double the quotes (pure-ftpd, pyftpdlib, GridFTP:
 * `257 "/odd "quoted" dir" is current directory.`). When the quote that would close the
 * path is followed by a letter or digit rather than a space, punctuation or the end,
 * the path runs to the last quote of the text instead.
 *
 * @param reply the reply, or its message text
 * @throws {FtpReplyError} when the reply's code is not 257
 * @throws {FtpProtocolError} for an unterminated quote or an empty text
 *
 * @example
 * ```ts
 * parsePathReply('"/a ""quoted"" dir" is current directory'); // '/a "quoted" dir'
 * parsePathReply('"/a "quoted" dir" is current directory');   // '/a "quoted" dir'
 * ```
 */
export function parsePathReply(reply: Reply | string): string {
  const text = replyText(reply, [257], "PWD/MKD");
  const open = text.indexOf('"');
  if (open === -1) {
    const word = text.trim().split(/\s+/)[0] ?? "";
    if (word === "") throw malformed(reply, `The 257 reply ${quote(text)} has no path`);
    return word;
  }
  let path = "";
  let i = open + 1;
  for (;;) {
    const q = text.indexOf('"', i);
    if (q === -1)
      throw malformed(reply, `The path in the 257 reply ${quote(text)} has no closing quote`);
    path += text.slice(i, q);
    const next = text[q + 1];
    if (next === '"') {
      path += '"';
      i = q + 2;
      continue;
    }
    if (next !== undefined && /[\p{L}\p{N}]/u.test(next)) {
      // An undoubled quote inside the path.
      return text.slice(open + 1, text.lastIndexOf('"'));
    }
    return path;
  }
}

/**
 * Quotes a path for a 257 reply, doubling quotes inside (RFC 959 Appendix II); for
 * servers: `encodeReply(257, `${quotePath(cwd)} is the current directory`)`.
 *
 * @example
 * ```ts
 * quotePath('/a "b"'); // '"/a ""b"""'
 * ```
 */
export function quotePath(path: string): string {
  return `"${path.replaceAll('"', '""')}"`;
}
