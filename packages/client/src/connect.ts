/**
 * `connect()`: from a URL to a logged-in {@link Session}.
 *
 * @module
 */

import { FtpUsageError } from "@ftpkit/errors";
import { Lane, pipelinedLoginFailures, resolveSettings } from "./lane.ts";
import type { ConnectOptions } from "./options.ts";
import { Session } from "./session.ts";
import { createStats } from "./stats.ts";
import { parseFtpUrl } from "./url.ts";

/**
 * Connects and logs in. The URL says where and who: `ftp://user:password@host:port/path`
 * (plain), `ftpes://` (explicit FTPS: AUTH TLS, required) or `ftps://` (implicit FTPS,
 * port 990); `options.secure` overrides the scheme. The URL's path, when there is one,
 * becomes the working directory.
 *
 * With pipelining on (the default) a server that loses or reorders replies to the login
 * burst is connected to once more, one command at a time (a bad greeting is not).
 *
 * @throws {FtpReplyError} when the login or AUTH TLS is refused
 * @throws {SocketError} when the server cannot be reached
 * @throws {TlsError} when the TLS handshake fails (e.g. an untrusted certificate)
 *
 * @example
 * ```ts
 * import { connect } from "@ftpkit/client";
 * import { nodeSockets } from "@ftpkit/socket-node";
 *
 * await using session = await connect("ftpes://me:secret@ftp.example.com/", {
 *   sockets: nodeSockets(),
 *   tls: { ca: myCaPem },
 * });
 * console.log(await session.pwd());
 * ```
 */
export async function connect(url: string | URL, options: ConnectOptions): Promise<Session> {
  if (options === undefined || options.sockets === undefined) {
    throw new FtpUsageError('connect() needs "sockets": a SocketAdapter such as nodeSockets()');
  }
  const target = parseFtpUrl(url);
  let settings = resolveSettings(target, options);
  const stats = createStats();
  let lane: Lane;
  try {
    lane = await Lane.open(settings, stats, options.signal);
  } catch (error) {
    const retry = typeof error === "object" && error !== null && pipelinedLoginFailures.has(error);
    if (!retry || options.signal?.aborted) throw error;
    settings.trace?.({
      type: "notice",
      message: "login failed with pipelining; retrying one command at a time",
    });
    settings = { ...settings, pipelining: false };
    lane = await Lane.open(settings, stats, options.signal);
  }
  const session = new Session(lane, settings);
  if (target.path !== "") {
    try {
      await session.cd(target.path, options.signal ? { signal: options.signal } : {});
    } catch (error) {
      await session.close();
      throw error;
    }
  }
  return session;
}
