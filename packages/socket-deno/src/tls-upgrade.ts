/**
 * Starts TLS on a native connection with `node:tls`: the client side with the caller's
 * options, or the server side with a listener's certificate.
 *
 * @module
 */

import { isIP } from "node:net";
import { type SecureContext, TLSSocket, connect as tlsConnect } from "node:tls";
import type { SocketAddress, TlsClientOptions } from "@ftpkit/socket";
import { connDuplex } from "./conn-duplex.ts";
import type { DenoTcpConn } from "./deno-api.ts";
import { NodeTlsSocket } from "./node-tls-socket.ts";
import type { SlabReader } from "./slab-reader.ts";

/** The native connection being upgraded. */
export interface UpgradeTarget {
  conn: DenoTcpConn;
  reader: SlabReader;
  /** A read in flight at the moment of the upgrade (its bytes belong to TLS). */
  firstRead: Promise<Uint8Array | null> | undefined;
  /** The host the caller connected to (a name or an IP literal). */
  peerName: string;
  address: string;
  localAddress: SocketAddress;
  remoteAddress: SocketAddress;
}

/** The client side of a handshake. Deno's `node:tls` resumes no session, so none is sent. */
export function startClientTls(target: UpgradeTarget, options: TlsClientOptions): NodeTlsSocket {
  const duplex = connDuplex(target.conn, target.reader, target.address, target.firstRead);
  const servername =
    options.servername ?? (isIP(target.peerName) === 0 ? target.peerName : undefined);
  const socket = tlsConnect({
    socket: duplex,
    host: target.peerName,
    servername,
    ca: options.ca,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    minVersion: options.minVersion,
    maxVersion: options.maxVersion,
  });
  return new NodeTlsSocket(socket, {
    address: target.address,
    localAddress: target.localAddress,
    remoteAddress: target.remoteAddress,
    isServer: false,
    sessionRuntime: undefined,
  });
}

/** The server side of a handshake, with the listener's certificate. */
export function startServerTls(target: UpgradeTarget, context: SecureContext): NodeTlsSocket {
  const duplex = connDuplex(target.conn, target.reader, target.address, target.firstRead);
  const socket = new TLSSocket(duplex, { isServer: true, secureContext: context });
  return new NodeTlsSocket(socket, {
    address: target.address,
    localAddress: target.localAddress,
    remoteAddress: target.remoteAddress,
    isServer: true,
    sessionRuntime: undefined,
  });
}
