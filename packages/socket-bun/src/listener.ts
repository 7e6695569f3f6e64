/**
 * A `Listener` over `Bun.listen`. Bun announces accepted sockets through its `open`
 * callback; they wait in a queue for `accept()`.
 *
 * @module
 */

import type { SecureContext } from "node:tls";
import { formatAddress, type SocketError } from "@ftpkit/errors";
import type { Listener, Socket, SocketAddress } from "@ftpkit/socket";
import type { BunNamespace, BunSocketHandler, BunTcpListener, BunTlsOptions } from "./bun-api.ts";
import { BunSocket, bunHandlers } from "./bun-socket.ts";
import { closedError, toSocketError } from "./socket-errors.ts";

/** How a {@link BunListener} listens. */
export interface BunListenerOptions {
  host: string;
  port: number;
  backlog: number | undefined;
  readLimit: number;
  /** The certificate for `Bun.listen` itself (implicit TLS). */
  nativeTls: BunTlsOptions | undefined;
  /** The certificate for server-side `startTls()` on plain accepted sockets. */
  serverContext: SecureContext | undefined;
}

/** A listening socket on `Bun.listen`. */
export class BunListener implements Listener {
  readonly address: SocketAddress;
  readonly #listener: BunTcpListener;
  readonly #label: string;
  readonly #ready: BunSocket[] = [];
  readonly #waiting: Array<{
    resolve: (socket: Socket) => void;
    reject: (error: SocketError) => void;
  }> = [];
  #closed = false;

  constructor(bun: BunNamespace, options: BunListenerOptions) {
    const tls = options.nativeTls === undefined ? "none" : "server";
    // Accepted sockets get their state in `open`, then share the dispatching callbacks.
    const handlers: BunSocketHandler<BunSocket> = {
      ...bunHandlers,
      open: (native) => {
        const socket = new BunSocket({
          address: formatAddress(native.remoteAddress, native.remotePort),
          peerName: native.remoteAddress,
          readLimit: options.readLimit,
          tls,
          clientTls: undefined,
          serverContext: options.serverContext,
        });
        native.data = socket;
        socket.onOpen(native);
        this.#arrived(socket);
      },
    };
    try {
      this.#listener = bun.listen<BunSocket>({
        hostname: options.host,
        port: options.port,
        tls: options.nativeTls,
        allowHalfOpen: true,
        backlog: options.backlog,
        socket: handlers,
      });
    } catch (error) {
      throw toSocketError(error, formatAddress(options.host, options.port), "listen");
    }
    this.address = {
      hostname: this.#listener.hostname,
      port: this.#listener.port,
      family: this.#listener.hostname.includes(":") ? "IPv6" : "IPv4",
    };
    this.#label = formatAddress(this.address.hostname, this.address.port);
  }

  #arrived(socket: BunSocket): void {
    if (this.#closed) {
      void socket.close();
      return;
    }
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) waiter.resolve(socket);
    else this.#ready.push(socket);
  }

  /** The next accepted socket; with implicit TLS its `opened` waits for the handshake. */
  accept(): Promise<Socket> {
    if (this.#closed) return Promise.reject(closedError(this.#label, "Listener"));
    const ready = this.#ready.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise<Socket>((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /** Stops listening; pending `accept()`s reject, unaccepted sockets close. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // false: stop accepting, keep the sockets already accepted.
    this.#listener.stop(false);
    for (const waiter of this.#waiting.splice(0))
      waiter.reject(closedError(this.#label, "Listener"));
    await Promise.all(this.#ready.splice(0).map((socket) => socket.close()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Yields accepted sockets until the listener closes; `break` closes it. */
  [Symbol.asyncIterator](): AsyncIterator<Socket> {
    return {
      next: async (): Promise<IteratorResult<Socket>> => {
        try {
          return { value: await this.accept(), done: false };
        } catch (error) {
          if (this.#closed) return { value: undefined, done: true };
          throw error;
        }
      },
      return: async (): Promise<IteratorResult<Socket>> => {
        await this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
