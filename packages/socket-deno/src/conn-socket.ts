/**
 * A plain `Socket` over a native `Deno.Conn`: a pull `ReadableStream` that reads only when
 * the consumer asks (so a slow consumer leaves the bytes in the kernel and TCP slows the
 * peer), and a `WritableStream` whose writes resolve once the kernel took the bytes.
 *
 * @module
 */

import type { SecureContext } from "node:tls";
import { FtpUsageError, formatAddress } from "@ftpkit/errors";
import {
  closedError,
  type Socket,
  type SocketAddress,
  type SocketInfo,
  type TlsClientOptions,
  type TlsSession,
} from "@ftpkit/socket";
import { writeAll } from "./conn-duplex.ts";
import type { DenoNetAddr, DenoTcpConn } from "./deno-api.ts";
import { SlabReader } from "./slab-reader.ts";
import { toSocketError } from "./socket-errors.ts";
import { startClientTls, startServerTls, type UpgradeTarget } from "./tls-upgrade.ts";

/** How a {@link ConnSocket} came to be. */
export interface ConnSocketOptions {
  /** The host the caller connected to; for an accepted socket, the peer's IP. */
  peerName: string;
  /** Upper bound of one read. */
  maxRead: number;
  /** Turn Nagle's algorithm off (`TCP_NODELAY`); see {@link applyNoDelay}. */
  noDelay: boolean;
  /** Set on sockets accepted by a listener with `tls`: `startTls()` is the server side. */
  serverContext: SecureContext | undefined;
}

/** Converts a Deno address; Deno does not tell the family, the literal does. */
export function toSocketAddress(addr: DenoNetAddr): SocketAddress {
  return {
    hostname: addr.hostname,
    port: addr.port,
    family: addr.hostname.includes(":") ? "IPv6" : "IPv4",
  };
}

/**
 * Sets `TCP_NODELAY` on `conn`. Deno leaves Nagle's algorithm on for `Deno.connect` and
 * accepted connections; FTP writes small pieces back to back (`213`, `125`, `250` replies,
 * a MODE B block header then its bytes), and Nagle holds each second piece until the peer
 * ACKs the first, which a delayed ACK puts off by up to 40 ms on Linux (RFC 896; RFC 1122
 * §4.2.3.2). Measured: 2000 files of 1 KiB in MODE B from `@ftpkit/server` took 5.7 s with
 * Nagle on, 0.3 s with it off.
 */
export function applyNoDelay(conn: DenoTcpConn, noDelay: boolean): void {
  if (!noDelay) return;
  try {
    conn.setNoDelay(true);
  } catch {
    // A connection the peer already reset may refuse it (setsockopt says EINVAL on
    // macOS); the option only speeds things up, and the first read or write reports the
    // reset with the address.
  }
}

/** A plain TCP socket on Deno's native `Deno.Conn`. */
export class ConnSocket implements Socket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<SocketInfo>;
  readonly closed: Promise<void>;
  readonly #conn: DenoTcpConn;
  readonly #reader: SlabReader;
  readonly #options: ConnSocketOptions;
  readonly #info: SocketInfo;
  readonly #address: string;
  #resolveClosed!: () => void;
  #readController!: ReadableStreamDefaultController<Uint8Array>;
  #writeController!: WritableStreamDefaultController;
  #pendingRead: Promise<Uint8Array | null> | undefined;
  #readDone = false;
  #writeDone = false;
  #released = false;
  #closing: Promise<void> | undefined;
  #upgraded: Socket | undefined;

  constructor(conn: DenoTcpConn, options: ConnSocketOptions) {
    this.#conn = conn;
    this.#options = options;
    // Before any byte: TLS handshakes over this connection get it too.
    applyNoDelay(conn, options.noDelay);
    this.#reader = new SlabReader(conn, options.maxRead);
    const remoteAddress = toSocketAddress(conn.remoteAddr);
    this.#info = { localAddress: toSocketAddress(conn.localAddr), remoteAddress, tls: undefined };
    // Errors name the host as the caller gave it: "ftp.example.com:21", not its IP.
    this.#address = formatAddress(options.peerName, remoteAddress.port);
    this.opened = Promise.resolve(this.#info);
    this.closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });

    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#readController = controller;
        },
        pull: (controller) => this.#pull(controller),
        cancel: () => {
          this.#readDone = true;
          return this.close();
        },
      },
      // Zero: read only for a waiting consumer; the kernel buffer is the only buffer.
      { highWaterMark: 0 },
    );

    this.writable = new WritableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#writeController = controller;
        },
        write: async (chunk) => {
          if (chunk.byteLength === 0) return;
          try {
            await writeAll(this.#conn, chunk);
          } catch (error) {
            throw this.#closing !== undefined
              ? closedError(this.#address, "Socket")
              : toSocketError(error, this.#address, "write");
          }
        },
        close: async () => {
          try {
            await this.#conn.closeWrite();
          } catch (error) {
            throw toSocketError(error, this.#address, "write");
          }
          this.#writeDone = true;
          this.#releaseIfDone();
        },
        abort: () => this.close(),
      },
      { highWaterMark: 1 },
    );
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    const read = this.#reader.read();
    this.#pendingRead = read;
    let chunk: Uint8Array | null;
    try {
      chunk = await read;
    } catch (error) {
      this.#pendingRead = undefined;
      if (this.#upgraded !== undefined || this.#readDone) return;
      this.#readDone = true;
      if (this.#closing !== undefined) {
        controller.close();
      } else {
        controller.error(toSocketError(error, this.#address, "read"));
        void this.close();
      }
      return;
    }
    this.#pendingRead = undefined;
    // Upgraded while this read was in flight: the TLS layer took the same read.
    if (this.#upgraded !== undefined || this.#readDone) return;
    if (chunk === null) {
      this.#readDone = true;
      controller.close();
      this.#releaseIfDone();
      return;
    }
    controller.enqueue(chunk);
  }

  /** Both directions finished: release the connection. */
  #releaseIfDone(): void {
    if (!this.#readDone || !this.#writeDone || this.#released) return;
    this.#released = true;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer's reset.
    }
    this.#resolveClosed();
  }

  /** Plain sockets have no TLS session. */
  tlsSession(): TlsSession | undefined {
    return this.#upgraded?.tlsSession();
  }

  /**
   * Upgrades to TLS with `node:tls` over this connection. On a socket accepted by a
   * listener with `tls` it is the server side, else the client side.
   */
  startTls(options: TlsClientOptions = {}): Socket {
    if (this.#upgraded !== undefined) {
      throw new FtpUsageError(`Socket "${this.#address}" was already upgraded to TLS`);
    }
    if (this.#closing !== undefined || this.#released) {
      throw new FtpUsageError(`Socket "${this.#address}" is closed; cannot start TLS`);
    }
    const target: UpgradeTarget = {
      conn: this.#conn,
      reader: this.#reader,
      firstRead: this.#pendingRead,
      peerName: this.#options.peerName,
      address: this.#address,
      localAddress: this.#info.localAddress,
      remoteAddress: this.#info.remoteAddress,
    };
    const context = this.#options.serverContext;
    const upgraded =
      context === undefined ? startClientTls(target, options) : startServerTls(target, context);
    this.#upgraded = upgraded;
    // This object is spent: its streams end, and it closes with the TLS socket.
    if (!this.#readDone) {
      this.#readDone = true;
      this.#readController.close();
    }
    if (!this.#writeDone) {
      this.#writeDone = true;
      this.#writeController.error(
        new FtpUsageError(`Socket "${this.#address}" was upgraded to TLS; use the new socket`),
      );
    }
    void upgraded.closed.then(() => this.#resolveClosed());
    return upgraded;
  }

  /** Closes the connection (or the TLS socket it became). Idempotent. */
  close(): Promise<void> {
    if (this.#upgraded !== undefined) return this.#upgraded.close();
    this.#closing ??= (async () => {
      if (!this.#released) {
        this.#released = true;
        try {
          this.#conn.close();
        } catch {
          // Already closed.
        }
      }
      // A pending read rejects now and ends the readable; without one, end it here.
      if (!this.#readDone && this.#pendingRead === undefined) {
        this.#readDone = true;
        this.#readController.close();
      }
      if (!this.#writeDone) {
        this.#writeDone = true;
        this.#writeController.error(closedError(this.#address, "Socket"));
      }
      this.#resolveClosed();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
