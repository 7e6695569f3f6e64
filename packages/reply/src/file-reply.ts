/**
 * The 213 replies about one file: SIZE and MDTM (RFC 3659 §3, §4), HASH
 * (draft-bryan-ftpext-hash-02 §3).
 *
 * @module
 */

import { parseFtpTime } from "./ftp-time.ts";
import type { Reply } from "./reply.ts";
import { malformed, quote, replyText } from "./reply-text.ts";

/** The last line of the text: ProFTPD says `213-Computing SHA-1 digest` first. */
function lastLine(text: string): string {
  const nl = text.lastIndexOf("\n");
  return (nl === -1 ? text : text.slice(nl + 1)).trim();
}

/**
 * Decodes a 213 reply to SIZE: the size in bytes.
 *
 * @param reply the reply, or its message text
 * @throws {FtpReplyError} when the code is not 213 (550 means no such file, or no SIZE
 *   in ASCII mode on ProFTPD and pyftpdlib)
 * @throws {FtpProtocolError} when the text is not a number
 *
 * @example
 * ```ts
 * parseSizeReply({ code: 213, lines: ["16777216"], message: "16777216" }); // 16777216
 * ```
 */
export function parseSizeReply(reply: Reply | string): number {
  const text = lastLine(replyText(reply, [213], "SIZE"));
  const size = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(size)) {
    throw malformed(reply, `The SIZE reply ${quote(text)} is not a size in bytes`);
  }
  return size;
}

/**
 * Decodes a 213 reply to MDTM: `YYYYMMDDHHMMSS[.sss]`, UTC (RFC 3659 §2.3), to a Date.
 *
 * @param reply the reply, or its message text
 * @throws {FtpReplyError} when the code is not 213
 * @throws {FtpProtocolError} when the text is not a valid time-val
 *
 * @example
 * ```ts
 * parseMdtmReply("20200102030405.5"); // 2020-01-02T03:04:05.500Z
 * ```
 */
export function parseMdtmReply(reply: Reply | string): Date {
  const text = lastLine(replyText(reply, [213], "MDTM"));
  // Some servers add text after the time-val ("213 20200102030405 UTC"): take the first word.
  const date = parseFtpTime(text.split(/\s/)[0] ?? "");
  if (date === undefined) {
    throw malformed(reply, `The MDTM reply ${quote(text)} is not a time "YYYYMMDDHHMMSS[.sss]"`);
  }
  return date;
}

/** The decoded reply to HASH. */
export interface HashReply {
  /** The algorithm as the server names it: `"SHA-256"`, `"MD5"`, `"CRC32"`. */
  algorithm: string;
  /** First byte hashed. */
  start: number;
  /** One past the last byte hashed: the file size for a whole file. */
  end: number;
  /** The hash value, lowercased hex. */
  hash: string;
  /** The file name the server echoed. */
  path: string;
}

/**
 * Decodes a 213 reply to HASH: `213 SHA-256 0-6 <hex> hello.txt` (a name may contain
 * spaces). ProFTPD's `213-Computing SHA-1 digest` first line is skipped.
 *
 * @param reply the reply, or its message text
 * @throws {FtpReplyError} when the code is not 213
 * @throws {FtpProtocolError} when malformed, or when the byte range is beyond 2^53 or
 *   its start after its end
 *
 * @example
 * ```ts
 * parseHashReply("SHA-1 0-6 f572d396fae9206628714fb2ce00f72e94f2258f hello.txt");
 * // { algorithm: "SHA-1", start: 0, end: 6, hash: "f572…258f", path: "hello.txt" }
 * ```
 */
export function parseHashReply(reply: Reply | string): HashReply {
  const text = lastLine(replyText(reply, [213], "HASH"));
  const m = /^(\S+)\s+(\d+)-(\d+)\s+([0-9A-Fa-f]+)(?:\s(.*))?$/.exec(text);
  if (m === null) {
    throw malformed(
      reply,
      `The HASH reply ${quote(text)} is not "<algorithm> <start>-<end> <hash> <name>"`,
    );
  }
  const start = Number(m[2]);
  const end = Number(m[3]);
  // Byte positions beyond 2^53 cannot be held exactly (a long digit run is Infinity).
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start > end) {
    throw malformed(
      reply,
      `The HASH reply ${quote(text)} has a byte range beyond 2^53 or with its start after its end`,
    );
  }
  return {
    algorithm: m[1]!,
    start,
    end,
    hash: m[4]!.toLowerCase(),
    path: m[5] ?? "",
  };
}
