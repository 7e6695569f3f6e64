/**
 * A `Listener` over `Bun.listen`. Bun announces accepted sockets through its `open`
 * callback; they wait in an `AcceptQueue` for `accept()`.
 *
 * @module
 */

import type { SecureContext } from "node:tls";
import { formatAddress } from "@ftpkit/errors";
import {
  AcceptQueue,
  acceptIterator,
  closedError,
  type Listener,
  type Socket,
  type SocketAddress,
  toSocketError,
} from "@ftpkit/socket";
import type { BunNamespace, BunSocketHandler, BunTcpListener, BunTlsOptions } from "./bun-api.ts";
import { BunSocket, bunHandlers } from "./bun-socket.ts";

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
  readonly #queue = new AcceptQueue<BunSocket>();

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
        this.#queue.deliver(socket);
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

  /** The next accepted socket; with implicit TLS its `opened` waits for the handshake. */
  accept(): Promise<Socket> {
    return this.#queue.accept(() => closedError(this.#label, "Listener"));
  }

  /** Stops listening; pending `accept()`s reject, unaccepted sockets close. Idempotent. */
  async close(): Promise<void> {
    if (this.#queue.closed) return;
    // false: stop accepting, keep the sockets already accepted.
    this.#listener.stop(false);
    await this.#queue.close(closedError(this.#label, "Listener"));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Yields accepted sockets until the listener closes; `break` closes it. */
  [Symbol.asyncIterator](): AsyncIterator<Socket> {
    return acceptIterator(this, () => this.#queue.closed);
  }
}
