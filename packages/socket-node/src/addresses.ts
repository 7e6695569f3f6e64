/**
 * Reads a Node socket's addresses and TLS state into ftpkit's shapes.
 *
 * @module
 */

import type { Socket as NetSocket } from "node:net";
import { TLSSocket } from "node:tls";
import type { SocketAddress, SocketInfo, TlsInfo } from "@ftpkit/socket";

/** Node reported `family` as a number (4, 6) in some 18.x releases, a string otherwise. */
function family(value: unknown, hostname: string): "IPv4" | "IPv6" {
  if (value === "IPv6" || value === 6) return "IPv6";
  if (value === "IPv4" || value === 4) return "IPv4";
  return hostname.includes(":") ? "IPv6" : "IPv4";
}

/** A `SocketAddress` from Node's address fields. */
export function socketAddress(
  hostname: string | undefined,
  port: number | undefined,
  familyValue: unknown,
): SocketAddress {
  const host = hostname ?? "";
  return { hostname: host, port: port ?? 0, family: family(familyValue, host) };
}

/** TLS details of a socket that finished its handshake; undefined for a plain one. */
export function tlsInfo(socket: NetSocket): TlsInfo | undefined {
  if (!(socket instanceof TLSSocket)) return undefined;
  return {
    protocol: socket.getProtocol() ?? "unknown",
    cipher: socket.getCipher()?.name,
    resumed: socket.isSessionReused(),
    authorized: socket.authorized,
  };
}

/** What an open socket knows about itself. */
export function socketInfo(socket: NetSocket): SocketInfo {
  return {
    localAddress: socketAddress(socket.localAddress, socket.localPort, socket.localFamily),
    remoteAddress: socketAddress(socket.remoteAddress, socket.remotePort, socket.remoteFamily),
    tls: tlsInfo(socket),
  };
}
