/**
 * The arguments of PORT (RFC 959 §4.1.2) and EPRT (RFC 2428 §2): clients encode them,
 * servers parse them.
 *
 * @module
 */

import { FtpProtocolError, FtpUsageError } from "@ftpkit/errors";
import { isIpv4, isIpv6, isPort } from "./address.ts";
import type { HostPort } from "./passive-reply.ts";
import { quote } from "./reply-text.ts";

/** An EPRT argument: address family, host and port. */
export interface EprtAddress extends HostPort {
  /** 1 = IPv4, 2 = IPv6 (RFC 2428 §2, the IANA address family numbers). */
  family: 1 | 2;
}

/**
 * Parses a PORT argument `h1,h2,h3,h4,p1,p2`.
 *
 * @throws {FtpProtocolError} when it is not six numbers 0-255 with a port 1-65535
 *
 * @example
 * ```ts
 * parsePortArgument("127,0,0,1,82,248"); // { host: "127.0.0.1", port: 21240 }
 * ```
 */
export function parsePortArgument(argument: string): HostPort {
  const parts = argument.trim().split(",");
  const n = parts.map((p) => (/^\s*\d{1,3}\s*$/.test(p) ? Number(p) : Number.NaN));
  if (n.length !== 6 || n.some((v) => !(v <= 255))) {
    throw new FtpProtocolError(
      `PORT needs "h1,h2,h3,h4,p1,p2" with numbers 0-255, got ${quote(argument)}`,
    );
  }
  const port = n[4]! * 256 + n[5]!;
  if (!isPort(port)) throw new FtpProtocolError(`PORT gives port 0 in ${quote(argument)}`);
  return { host: n.slice(0, 4).join("."), port };
}

/**
 * Encodes a PORT argument.
 *
 * @throws {FtpUsageError} for a host that is not IPv4 (use EPRT) or a bad port
 *
 * @example
 * ```ts
 * encodePortArgument("127.0.0.1", 21240); // "127,0,0,1,82,248"
 * ```
 */
export function encodePortArgument(host: string, port: number): string {
  if (!isIpv4(host))
    throw new FtpUsageError(`PORT needs an IPv4 address, got ${quote(host)}; use EPRT`);
  if (!isPort(port)) throw new FtpUsageError(`Port must be 1-65535, got ${port}`);
  return `${host.replaceAll(".", ",")},${port >> 8},${port & 255}`;
}

/**
 * Parses an EPRT argument `<d><family><d><address><d><port><d>` with any delimiter
 * (`|1|132.235.1.2|6275|`, `|2|::1|6275|`). The address must be a literal of the
 * family given, never a host name (a server must not resolve names it is sent).
 *
 * @throws {FtpProtocolError} when malformed, for a family other than 1 or 2, an
 *   address not of that family, or a bad port
 *
 * @example
 * ```ts
 * parseEprtArgument("|2|::1|21241|"); // { family: 2, host: "::1", port: 21241 }
 * ```
 */
export function parseEprtArgument(argument: string): EprtAddress {
  const text = argument.trim();
  const d = text[0];
  const parts = d === undefined ? [] : text.split(d);
  // "|1|h|p|" splits into ["", "1", "h", "p", ""].
  if (
    d === undefined ||
    d.charCodeAt(0) < 33 ||
    d.charCodeAt(0) > 126 ||
    parts.length !== 5 ||
    parts[4] !== ""
  ) {
    throw new FtpProtocolError(`EPRT needs "|family|address|port|", got ${quote(argument)}`);
  }
  const [, family, host, portText] = parts as [string, string, string, string, string];
  if (family !== "1" && family !== "2") {
    throw new FtpProtocolError(
      `EPRT address family must be 1 (IPv4) or 2 (IPv6), got ${quote(family)}`,
    );
  }
  if (family === "1" ? !isIpv4(host) : !isIpv6(host)) {
    throw new FtpProtocolError(
      `EPRT address ${quote(host)} is not an ${family === "1" ? "IPv4" : "IPv6"} address`,
    );
  }
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!isPort(port))
    throw new FtpProtocolError(`EPRT port must be 1-65535, got ${quote(portText)}`);
  return { family: family === "1" ? 1 : 2, host, port };
}

/**
 * Encodes an EPRT argument; the family follows from the host.
 *
 * @throws {FtpUsageError} for a host that is not an IPv4 or IPv6 literal, or a bad port
 *
 * @example
 * ```ts
 * encodeEprtArgument("::1", 21241);       // "|2|::1|21241|"
 * encodeEprtArgument("127.0.0.1", 21241); // "|1|127.0.0.1|21241|"
 * ```
 */
export function encodeEprtArgument(host: string, port: number): string {
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  const family = isIpv4(bare) ? 1 : isIpv6(bare) ? 2 : 0;
  if (family === 0) throw new FtpUsageError(`EPRT needs an IP address, got ${quote(host)}`);
  if (!isPort(port)) throw new FtpUsageError(`Port must be 1-65535, got ${port}`);
  return `|${family}|${bare}|${port}|`;
}
