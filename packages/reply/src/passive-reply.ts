/**
 * Decoders and texts of the passive-mode replies: 227 (PASV, RFC 959 §4.1.2) and 229
 * (EPSV, RFC 2428 §3).
 *
 * @module
 */

import { FtpUsageError } from "@ftpkit/errors";
import { isIpv4, isPort } from "./address.ts";
import type { Reply } from "./reply.ts";
import { malformed, quote, replyText } from "./reply-text.ts";

/** A host and a TCP port. */
export interface HostPort {
  /** IPv4 dotted quad (PASV, PORT) or IPv6 literal without brackets (EPRT). */
  host: string;
  /** TCP port, 1-65535. */
  port: number;
}

const SIX_NUMBERS = /(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3}),\s*(\d{1,3})/;

/**
 * Decodes a 227 reply to PASV: the six numbers `h1,h2,h3,h4,p1,p2` wherever they are
 * in the text, with or without parentheses (`227 Entering Passive Mode
 * (127,0,0,1,82,241).`, `227 =127,0,0,1,82,241`, trailing text).
 *
 * The host is what the server said; `0.0.0.0` (vsftpd on IPv6) or a private address
 * behind NAT is common, so clients usually connect to the control connection's host
 * instead, as curl does.
 *
 * @param reply the reply, or its message text
 * @throws {FtpReplyError} when the reply's code is not 227
 * @throws {FtpProtocolError} when there are no six numbers 0-255 with a port 1-65535
 *   (ProFTPD's `(1,82,124)` and pyftpdlib's `(::1,83,85)` on IPv6: use EPSV there)
 *
 * @example
 * ```ts
 * parsePasvReply({ code: 227, lines: ["Entering Passive Mode (127,0,0,1,82,241)."], message: "…" });
 * parsePasvReply("Entering Passive Mode (127,0,0,1,82,241)."); // { host: "127.0.0.1", port: 21233 }
 * ```
 */
export function parsePasvReply(reply: Reply | string): HostPort {
  const text = replyText(reply, [227], "PASV");
  const m = SIX_NUMBERS.exec(text);
  if (m === null) {
    throw malformed(reply, `Cannot find "h1,h2,h3,h4,p1,p2" in the PASV reply ${quote(text)}`);
  }
  const n = m.slice(1, 7).map(Number);
  if (n.some((v) => v > 255)) {
    throw malformed(reply, `The PASV reply ${quote(text)} has a number above 255`);
  }
  const port = n[4]! * 256 + n[5]!;
  if (!isPort(port)) throw malformed(reply, `The PASV reply ${quote(text)} gives port 0`);
  return { host: n.slice(0, 4).join("."), port };
}

/**
 * Decodes a 229 reply to EPSV: `229 Entering Extended Passive Mode (|||6446|)`. The
 * delimiter may be any printable ASCII character (RFC 2428 §3), the parentheses may be
 * missing.
 *
 * The text is scanned once, left to right, whatever it holds (a hostile server's reply
 * line can be 8 KB of `(`): no regular expression with backtracking.
 *
 * @param reply the reply, or its message text
 * @returns the port; the host is the control connection's
 * @throws {FtpReplyError} when the reply's code is not 229
 * @throws {FtpProtocolError} when there is no port 1-65535
 *
 * @example
 * ```ts
 * parseEpsvReply("Entering Extended Passive Mode (|||21226|)"); // 21226
 * parseEpsvReply("Extended Passive mode OK (!!!21226!)");       // 21226
 * ```
 */
export function parseEpsvReply(reply: Reply | string): number {
  const text = replyText(reply, [229], "EPSV");
  const digits = parenthesizedPort(text) ?? barePort(text);
  const port = digits === undefined ? Number.NaN : Number(digits);
  if (!isPort(port)) {
    throw malformed(
      reply,
      `Cannot find "(|||port|)" with a port 1-65535 in the EPSV reply ${quote(text)}`,
    );
  }
  return port;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/**
 * The port digits of the first `(<d>[net-prt]<d>[net-addr]<d><port><d>)` in the text
 * (RFC 2428 §3; the address fields are empty in practice, and no field holds a `)`).
 *
 * Because no field holds a `)`, every `(` before a `)` ends there: the text falls into
 * regions, each ending at a `)`, and each region is looked at a bounded number of times.
 * In a region the delimiter `D` is the character before its `)`. The first `(D` of the
 * region opens the match (a later one could only fit fewer ports), the first `D` after it
 * ends `net-prt`, and the port is the longest run of 1-5 digits after that which ends
 * before the closing `D` and follows a `D` (what the regular expression
 * `\(([!-~])([^)]*?)\1([^)]*?)\1(\d{1,5})\1\)` matches, without its backtracking).
 */
function parenthesizedPort(text: string): string | undefined {
  let from = 0;
  // The next "(" at or after `from`, or -1; it only moves forward.
  let open = text.indexOf("(");
  for (
    let close = text.indexOf(")");
    close !== -1 && open !== -1;
    close = text.indexOf(")", from)
  ) {
    const region = from;
    from = close + 1;
    if (open < region) open = text.indexOf("(", region);
    const d = text.charCodeAt(close - 1);
    if (close - region < 6 || d < 0x21 || d > 0x7e) continue;
    while (open !== -1 && open < close - 5 && text.charCodeAt(open + 1) !== d)
      open = text.indexOf("(", open + 1);
    if (open === -1 || open >= close - 5) continue;
    let middle = open + 2;
    while (middle < close - 3 && text.charCodeAt(middle) !== d) middle++;
    if (middle >= close - 3) continue;
    for (let k = Math.max(middle + 1, close - 7); k <= close - 3; k++) {
      if (text.charCodeAt(k) !== d) continue;
      let digits = true;
      for (let j = k + 1; j < close - 1 && digits; j++) digits = isDigit(text.charCodeAt(j));
      if (digits) return text.slice(k + 1, close - 1);
    }
  }
  return undefined;
}

/** The port digits of the first `<d><d><d><port><d>` without parentheses (non-digit `d`). */
function barePort(text: string): string | undefined {
  const n = text.length;
  for (let i = 0; i + 4 < n; i++) {
    const d = text.charCodeAt(i);
    if (d < 0x21 || d > 0x7e || isDigit(d)) continue;
    if (text.charCodeAt(i + 1) !== d || text.charCodeAt(i + 2) !== d) continue;
    let j = i + 3;
    while (j < n && j - i - 3 < 6 && isDigit(text.charCodeAt(j))) j++;
    const length = j - i - 3;
    if (length >= 1 && length <= 5 && text.charCodeAt(j) === d) return text.slice(i + 3, j);
  }
  return undefined;
}

/**
 * The text of a 227 reply for a server: `Entering Passive Mode (h1,h2,h3,h4,p1,p2).`
 *
 * @throws {FtpUsageError} for a host that is not IPv4 or a bad port
 */
export function formatPasvReplyText(host: string, port: number): string {
  if (!isIpv4(host)) throw new FtpUsageError(`PASV needs an IPv4 address, got ${quote(host)}`);
  if (!isPort(port)) throw new FtpUsageError(`Port must be 1-65535, got ${port}`);
  return `Entering Passive Mode (${host.replaceAll(".", ",")},${port >> 8},${port & 255}).`;
}

/**
 * The text of a 229 reply for a server: `Entering Extended Passive Mode (|||port|)`.
 *
 * @throws {FtpUsageError} for a bad port
 */
export function formatEpsvReplyText(port: number): string {
  if (!isPort(port)) throw new FtpUsageError(`Port must be 1-65535, got ${port}`);
  return `Entering Extended Passive Mode (|||${port}|)`;
}
