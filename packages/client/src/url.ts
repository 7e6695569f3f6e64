/**
 * FTP URLs (RFC 1738 §3.2): `ftp://user:password@host:port/path`, plus `ftpes://`
 * (explicit FTPS, AUTH TLS on port 21) and `ftps://` (implicit FTPS, port 990).
 *
 * @module
 */

import { FtpUsageError } from "@ftpkit/errors";
import type { SecureMode } from "./options.ts";

/** Where to connect and how, as read from a URL. */
export interface FtpTarget {
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  port: number;
  /** User from the URL, percent-decoded; undefined when absent. */
  user: string | undefined;
  /** Password from the URL, percent-decoded; undefined when absent. */
  password: string | undefined;
  /** The scheme's protection. */
  secure: SecureMode;
  /** The URL's path, percent-decoded, without the leading "/" ("" for none). */
  path: string;
}

const SCHEMES: Readonly<Record<string, { secure: SecureMode; port: number }>> = {
  "ftp:": { secure: false, port: 21 },
  "ftpes:": { secure: "explicit", port: 21 },
  "ftps:": { secure: "implicit", port: 990 },
};

/**
 * Reads an FTP URL.
 *
 * @throws {FtpUsageError} for another scheme, a missing host, or CR, LF or NUL anywhere
 *
 * @example
 * ```ts
 * parseFtpUrl("ftpes://me:s%40cret@[::1]:2121/pub");
 * // { host: "::1", port: 2121, user: "me", password: "s@cret", secure: "explicit", path: "pub" }
 * ```
 */
export function parseFtpUrl(url: string | URL): FtpTarget {
  const text = String(url);
  if (/[\r\n\0]/.test(text)) {
    throw new FtpUsageError("Refusing an FTP URL that contains CR, LF or NUL");
  }
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch (cause) {
    throw new FtpUsageError(`Cannot read the URL "${redact(text)}"`, { cause });
  }
  const scheme = SCHEMES[parsed.protocol];
  if (scheme === undefined) {
    throw new FtpUsageError(
      `The URL "${redact(text)}" has the scheme "${parsed.protocol}"; use ftp:, ftpes: or ftps:`,
    );
  }
  let host = parsed.hostname;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "") throw new FtpUsageError(`The URL "${redact(text)}" names no host`);
  const port = parsed.port === "" ? scheme.port : Number(parsed.port);
  const user = parsed.username === "" ? undefined : decode(parsed.username, text);
  const password = parsed.password === "" ? undefined : decode(parsed.password, text);
  for (const [name, value] of [
    ["user", user],
    ["password", password],
  ] as const) {
    if (value !== undefined && /[\r\n\0]/.test(value)) {
      throw new FtpUsageError(`Refusing a URL whose ${name} contains CR, LF or NUL`);
    }
  }
  const path = decode(parsed.pathname.replace(/^\//, ""), text);
  if (/[\r\n\0]/.test(path))
    throw new FtpUsageError("Refusing a URL whose path contains CR, LF or NUL");
  return { host, port, user, password, secure: scheme.secure, path };
}

function decode(value: string, url: string): string {
  try {
    return decodeURIComponent(value);
  } catch (cause) {
    throw new FtpUsageError(`The URL "${redact(url)}" has a bad percent-escape`, { cause });
  }
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, "$1:****@");
}
