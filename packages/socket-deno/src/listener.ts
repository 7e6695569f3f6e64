/**
 * A `Listener` over `Deno.listen`. With `tls` the accepted sockets upgrade on the server
 * side (`startTls()` after FTP's `AUTH TLS`, or at once with `implicitTls`).
 *
 * @module
 */

import type { SecureContext } from "node:tls";
import { formatAddress } from "@ftpkit/errors";
import {
  acceptIterator,
  closedError,
  type Listener,
  type Socket,
  type SocketAddress,
} from "@ftpkit/socket";
import { ConnSocket, toSocketAddress } from "./conn-socket.ts";
import type { DenoTcpListener } from "./deno-api.ts";
import { toSocketError } from "./socket-errors.ts";

/** How accepted sockets are set up. */
export interface ConnListenerOptions {
  maxRead: number;
  /** `TCP_NODELAY` on every accepted connection. */
  noDelay: boolean;
  /** The listener's certificate, when it has `tls`. */
  serverContext: SecureContext | undefined;
  /** Every accepted socket speaks TLS at once. */
  implicitTls: boolean;
}

/** A listening socket on Deno's native `Deno.Listener`. */
export class ConnListener implements Listener {
  readonly address: SocketAddress;
  readonly #listener: DenoTcpListener;
  readonly #options: ConnListenerOptions;
  readonly #label: string;
  #closed = false;

  constructor(listener: DenoTcpListener, options: ConnListenerOptions) {
    this.#listener = listener;
    this.#options = options;
    this.address = toSocketAddress(listener.addr);
    this.#label = formatAddress(this.address.hostname, this.address.port);
  }

  /** The next accepted socket; with `implicitTls` its `opened` waits for the handshake. */
  async accept(): Promise<Socket> {
    if (this.#closed) throw closedError(this.#label, "Listener");
    let conn: Awaited<ReturnType<DenoTcpListener["accept"]>>;
    try {
      conn = await this.#listener.accept();
    } catch (error) {
      if (this.#closed) throw closedError(this.#label, "Listener");
      throw toSocketError(error, this.#label, "accept");
    }
    const socket = new ConnSocket(conn, {
      peerName: conn.remoteAddr.hostname,
      maxRead: this.#options.maxRead,
      noDelay: this.#options.noDelay,
      serverContext: this.#options.serverContext,
    });
    return this.#options.implicitTls ? socket.startTls() : socket;
  }

  /** Stops listening; a pending `accept()` rejects. Idempotent. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      try {
        this.#listener.close();
      } catch {
        // Already closed.
      }
    }
    return Promise.resolve();
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Yields accepted sockets until the listener closes; `break` closes it. */
  [Symbol.asyncIterator](): AsyncIterator<Socket> {
    return acceptIterator(this, () => this.#closed);
  }
}
