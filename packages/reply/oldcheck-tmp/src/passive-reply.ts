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

/** `(|||port|)` with any delimiter; the address fields are empty in practice (RFC 2428 §3). */
const EPSV = /\(([\x21-\x7e])([^)]*?)\1([^)]*?)\1(\d{1,5})\1\)/;
const EPSV_BARE = /([\x21-\x2f\x3a-\x7e])\1\1(\d{1,5})\1/;

/**
 * Decodes a 229 reply to EPSV: `229 Entering Extended Passive Mode (|||6446|)`. The
 * delimiter may be any printable ASCII character (RFC 2428 §3), the parentheses may be
 * missing.
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
  const m = EPSV.exec(text) ?? EPSV_BARE.exec(text);
  const digits = m === null ? undefined : m.length === 5 ? m[4] : m[2];
  const port = digits === undefined ? Number.NaN : Number(digits);
  if (!isPort(port)) {
    throw malformed(
      reply,
      `Cannot find "(|||port|)" with a port 1-65535 in the EPSV reply ${quote(text)}`,
    );
  }
  return port;
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
