/**
 * `Listener` over a Node `net.Server`. Accepted sockets are plain, or TLS from the first
 * byte with `implicitTls`; with `tls` alone they upgrade on `startTls()` (explicit FTPS).
 *
 * @module
 */

import type { Socket as NetSocket, Server } from "node:net";
import type { SecureContext } from "node:tls";
import { formatAddress, SocketError } from "@ftpkit/errors";
import type { Listener, Socket, SocketAddress } from "@ftpkit/socket";
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
}

interface Waiter {
  resolve: (socket: Socket) => void;
  reject: (error: unknown) => void;
}

/** A listening Node server; iterate it or call `accept()`. */
export class NodeListener implements Listener {
  readonly address: SocketAddress;
  readonly #server: Server;
  readonly #init: NodeListenerInit;
  #queue: Socket[] = [];
  #waiters: Waiter[] = [];
  #closed = false;

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
    const next = this.#queue.shift();
    if (next) return Promise.resolve(next);
    if (this.#closed) return Promise.reject(this.#closedError());
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    // Stops listening at once; server.close()'s callback would wait for every accepted
    // socket, which stay open by contract.
    this.#server.close();
    const error = this.#closedError();
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    const unclaimed = this.#queue.splice(0);
    return Promise.all(unclaimed.map((socket) => socket.close())).then(() => undefined);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Yields accepted sockets until the listener closes; `break` closes it. */
  [Symbol.asyncIterator](): AsyncIterator<Socket> {
    return {
      next: async (): Promise<IteratorResult<Socket>> => {
        try {
          return { done: false, value: await this.accept() };
        } catch (error) {
          if (this.#closed) return { done: true, value: undefined };
          throw error;
        }
      },
      return: async (): Promise<IteratorResult<Socket>> => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  #onConnection(raw: NetSocket): void {
    if (this.#closed) {
      raw.destroy();
      return;
    }
    raw.setNoDelay(this.#init.noDelay);
    const address = formatAddress(raw.remoteAddress ?? "", raw.remotePort ?? 0);
    const { context, implicitTls, closeTimeout } = this.#init;
    let socket: NodeSocket;
    if (context && implicitTls) {
      const secure = serverTlsSocket(raw, context);
      socket = new NodeSocket(secure, {
        address,
        host: raw.remoteAddress ?? "",
        serverContext: undefined,
        ready: handshake(secure, "secure"),
        closeTimeout,
      });
    } else {
      socket = new NodeSocket(raw, {
        address,
        host: raw.remoteAddress ?? "",
        serverContext: context,
        ready: Promise.resolve(),
        closeTimeout,
      });
    }
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(socket);
    else this.#queue.push(socket);
  }

  #closedError(): SocketError {
    const address = formatAddress(this.address.hostname, this.address.port);
    return new SocketError(`Listener on "${address}" is closed`, { address, reason: "closed" });
  }
}
