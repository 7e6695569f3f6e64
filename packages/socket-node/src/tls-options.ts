/**
 * Turns ftpkit's TLS options into Node's.
 *
 * @module
 */

import { isIP } from "node:net";
import type { ConnectionOptions, SecureContext } from "node:tls";
import { createSecureContext } from "node:tls";
import type { TlsClientOptions, TlsServerOptions } from "@ftpkit/socket";

/** Node `tls.connect()` options for a client connection to `host`. */
export function tlsConnectOptions(host: string, options: TlsClientOptions): ConnectionOptions {
  const session = options.session;
  return {
    host,
    // SNI carries names only (RFC 6066 §3); Node warns when given an IP address. The
    // certificate is still checked against `host`, IP addresses included.
    servername: options.servername ?? (isIP(host) === 0 ? host : undefined),
    ca: options.ca,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    // A session from another adapter means nothing to Node's TLS: connect without it.
    session:
      session?.runtime === "node" && session.data instanceof Uint8Array
        ? (session.data as Buffer)
        : undefined,
    minVersion: options.minVersion,
    maxVersion: options.maxVersion,
  };
}

/** The shared context of a listener: one context, so sessions resume across sockets. */
export function serverContext(options: TlsServerOptions): SecureContext {
  return createSecureContext({
    cert: options.cert,
    key: options.key,
    minVersion: options.minVersion ?? "TLSv1.2",
    maxVersion: options.maxVersion,
  });
}
