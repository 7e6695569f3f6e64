/**
 * Opening a session for a command: the URL split into where to log in and which path
 * to work on, and login failures told apart from later ones (exit code 3).
 *
 * @module
 */

import { connect, parseFtpUrl, type Session } from "@ftpkit/client";
import { FtpAbortError, FtpError, FtpUsageError } from "@ftpkit/errors";
import type { SocketAdapter } from "@ftpkit/socket";
import type { CommonOptions } from "./args.ts";

/** The server could not be reached or refused the login. */
export class ConnectFailedError extends FtpError {
  static override readonly errorName: string = "ConnectFailedError";
}

/** A URL taken apart: the login URL (no path) and the path, relative to the login folder. */
export interface RemoteLocation {
  /** The URL with its path removed: where to connect and as whom. */
  loginUrl: string;
  /** Percent-decoded path without the leading "/" (RFC 1738 §3.2.2: relative to the login folder). */
  path: string;
  /** True when the URL ends in "/" (or has no path): it names a folder. */
  folder: boolean;
}

/** Splits an FTP URL into a {@link RemoteLocation}. */
export function locate(url: string): RemoteLocation {
  const { path } = parseFtpUrl(url);
  const login = new URL(url);
  login.pathname = "/";
  login.search = "";
  login.hash = "";
  return { loginUrl: login.href, path, folder: path === "" || path.endsWith("/") };
}

/** Connects and logs in; failures become a {@link ConnectFailedError}. */
export async function openSession(
  loginUrl: string,
  sockets: SocketAdapter,
  common: CommonOptions,
  signal?: AbortSignal,
): Promise<Session> {
  try {
    return await connect(loginUrl, {
      sockets,
      ...(common.insecure ? { tls: { rejectUnauthorized: false } } : {}),
      ...(signal === undefined ? {} : { signal }),
    });
  } catch (cause) {
    if (FtpUsageError.isInstance(cause) || FtpAbortError.isInstance(cause)) throw cause;
    throw new ConnectFailedError(
      `Cannot log in at "${redact(loginUrl)}": ${(cause as Error).message}`,
      { cause },
    );
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:@/]*):[^@/]*@/i, "$1:****@");
}
