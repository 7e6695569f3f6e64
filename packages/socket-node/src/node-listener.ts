/**
 * `Listener` over a Node `net.Server`. Accepted sockets are plain, or TLS from the first
 * byte with `implicitTls`; with `tls` alone they upgrade on `startTls()` (explicit FTPS).
 *
 * @module
 */

import type { Socket as NetSocket, Server } from "node:net";
import type { SecureContext } from "node:tls";
import { formatAddress, SocketError } from "@ftpkit/errors";
import {
  AcceptQueue,
  acceptIterator,
  type Listener,
  type Socket,
  type SocketAddress,
} from "@ftpkit/socket";
import { socketAddress } from "./addresses.ts";
import { handshake, NodeSocket } from "./node-socket.ts";
import { serverTlsSocket } from "./tls-options.ts";

/** How accepted sockets are set up. */
export interface NodeListenerInit {
  /** The context of TLS on accepted sockets, when the listener has `tls`. */
  context: SecureContext | undefined;
  implicitTls: boolean;
  noDelay: boolean;
  closeTimeout: number;
  readAhead: number;
}

/** A listening Node server; iterate it or call `accept()`. */
export class NodeListener implements Listener {
  readonly address: SocketAddress;
  readonly #server: Server;
  readonly #init: NodeListenerInit;
  readonly #queue = new AcceptQueue<NodeSocket>();

  /** Takes a server that is already listening. */
  constructor(server: Server, init: NodeListenerInit) {
    this.#server = server;
    this.#init = init;
    const bound = server.address();
    this.address =
      bound !== null && typeof bound === "object"
        ? socketAddress(bound.address, bound.port, bound.family)
        : socketAddress(undefined, undefined, undefined);
    server.on("connection", (socket: NetSocket) => this.#onConnection(socket));
  }

  accept(): Promise<Socket> {
    return this.#queue.accept(() => this.#closedError());
  }

  close(): Promise<void> {
    if (this.#queue.closed) return Promise.resolve();
    // Stops listening at once; server.close()'s callback would wait for every accepted
    // socket, which stay open by contract.
    this.#server.close();
    return this.#queue.close(this.#closedError());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Yields accepted sockets until the listener closes; `break` closes it. */
  [Symbol.asyncIterator](): AsyncIterator<Socket> {
    return acceptIterator(this, () => this.#queue.closed);
  }

  #onConnection(raw: NetSocket): void {
    if (this.#queue.closed) {
      raw.destroy();
      return;
    }
    raw.setNoDelay(this.#init.noDelay);
    const address = formatAddress(raw.remoteAddress ?? "", raw.remotePort ?? 0);
    const { context, implicitTls, closeTimeout, readAhead } = this.#init;
    let socket: NodeSocket;
    if (context && implicitTls) {
      const secure = serverTlsSocket(raw, context);
      socket = new NodeSocket(secure, {
        address,
        host: raw.remoteAddress ?? "",
        serverContext: undefined,
        ready: handshake(secure, "secure"),
        closeTimeout,
        readAhead,
      });
    } else {
      socket = new NodeSocket(raw, {
        address,
        host: raw.remoteAddress ?? "",
        serverContext: context,
        ready: Promise.resolve(),
        closeTimeout,
        readAhead,
      });
    }
    this.#queue.deliver(socket);
  }

  #closedError(): SocketError {
    const address = formatAddress(this.address.hostname, this.address.port);
    return new SocketError(`Listener on "${address}" is closed`, { address, reason: "closed" });
  }
}
