/**
 * Starts TLS on a native connection with `node:tls`: the client side with the caller's
 * options, or the server side with a listener's certificate. Deno's native TLS
 * (`Deno.connectTls`, `Deno.startTls`, `Deno.listenTls`) reports neither the protocol
 * version nor the cipher, has no `rejectUnauthorized: false` and no version limits, cannot
 * upgrade the server side, and `Deno.startTls` fails while a read is pending. Deno's
 * `node:tls` does all of that at the same speed (measured: see the package README), so
 * every TLS connection of this adapter is a `TLSSocket` over the native `Deno.Conn` (see
 * `conn-duplex.ts`), wrapped by `@ftpkit/socket-node/tls-over-duplex`.
 *
 * @module
 */

import { isIP } from "node:net";
import { type SecureContext, connect as tlsConnect } from "node:tls";
import type { SocketAddress, TlsClientOptions } from "@ftpkit/socket";
import {
  type DuplexPeer,
  DuplexTlsSocket,
  serverTlsOverDuplex,
} from "@ftpkit/socket-node/tls-over-duplex";
import { connDuplex } from "./conn-duplex.ts";
import type { DenoTcpConn } from "./deno-api.ts";
import type { SlabReader } from "./slab-reader.ts";
import { reasonOf } from "./socket-errors.ts";

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

function peerOf(target: UpgradeTarget): DuplexPeer {
  return {
    address: target.address,
    localAddress: target.localAddress,
    remoteAddress: target.remoteAddress,
    reasonOf,
  };
}

/** The client side of a handshake. Deno's `node:tls` resumes no session, so none is sent. */
export function startClientTls(target: UpgradeTarget, options: TlsClientOptions): DuplexTlsSocket {
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
  return new DuplexTlsSocket(socket, {
    ...peerOf(target),
    isServer: false,
    sessionRuntime: undefined,
  });
}

/** The server side of a handshake, with the listener's certificate. */
export function startServerTls(target: UpgradeTarget, context: SecureContext): DuplexTlsSocket {
  const duplex = connDuplex(target.conn, target.reader, target.address, target.firstRead);
  return serverTlsOverDuplex(duplex, context, peerOf(target));
}
