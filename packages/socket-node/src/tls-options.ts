/**
 * Turns ftpkit's TLS options into Node's.
 *
 * @module
 */

import type { Socket as NetSocket } from "node:net";
import { isIP } from "node:net";
import type { ConnectionOptions, SecureContext } from "node:tls";
import {
  createSecureContext,
  createServer as createTlsServer,
  TLSSocket,
  type Server as TlsServer,
} from "node:tls";
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

// One context per certificate for the whole process, not per listener: FTPS data
// connections arrive on a new listener for each PASV/EPSV and must resume the session
// of the control connection, accepted by another listener (RFC 4217 §10.2). A shared
// context shares the TLS ticket keys that make that resumption work.
const contexts = new Map<string, SecureContext>();

/** The shared context of every listener with these options, so sessions resume across them. */
export function serverContext(options: TlsServerOptions): SecureContext {
  const key = JSON.stringify([options.cert, options.key, options.minVersion, options.maxVersion]);
  let context = contexts.get(key);
  if (context === undefined) {
    context = createSecureContext({
      cert: options.cert,
      key: options.key,
      minVersion: options.minVersion ?? "TLSv1.2",
      maxVersion: options.maxVersion,
    });
    contexts.set(key, context);
  }
  return context;
}

// TLS 1.2 clients that resume by session ID (curl does) need a server-side session cache.
// Node keeps none of its own: a TLSSocket asks its `server` through the "newSession" and
// "resumeSession" events. This never-listening tls.Server is that cache, one per context.
const sessionCaches = new WeakMap<SecureContext, TlsServer>();
const MAX_CACHED_SESSIONS = 10_000;

function sessionCache(context: SecureContext): TlsServer {
  let server = sessionCaches.get(context);
  if (server === undefined) {
    const sessions = new Map<string, Buffer>();
    server = createTlsServer();
    server.on("newSession", (id: Buffer, data: Buffer, done: () => void) => {
      sessions.set(id.toString("hex"), data);
      if (sessions.size > MAX_CACHED_SESSIONS)
        sessions.delete(sessions.keys().next().value as string);
      done();
    });
    server.on(
      "resumeSession",
      (id: Buffer, done: (error: Error | null, data: Buffer | null) => void) => {
        done(null, sessions.get(id.toString("hex")) ?? null);
      },
    );
    sessionCaches.set(context, server);
  }
  return server;
}

/** The server side of TLS over an accepted socket: shared context and session cache. */
export function serverTlsSocket(raw: NetSocket, context: SecureContext): TLSSocket {
  const secure = new TLSSocket(raw, {
    isServer: true,
    secureContext: context,
    server: sessionCache(context),
  });
  // With a `server`, Node reports handshake failures as the internal "_tlsError" event
  // (a tls.Server turns it into "tlsClientError"); without this the socket would stay
  // open and the handshake pending forever.
  secure.once("_tlsError", (error: Error) => secure.destroy(error));
  return secure;
}
