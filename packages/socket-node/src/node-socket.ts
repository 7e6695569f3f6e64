/**
 * `Socket` over a Node `net.Socket` or `tls.TLSSocket`.
 *
 * @module
 */

import type { Socket as NetSocket } from "node:net";
import { type SecureContext, TLSSocket, connect as tlsConnect } from "node:tls";
import { ConnectionResetError, type SocketError, TlsError } from "@ftpkit/errors";
import type { Socket, SocketInfo, TlsClientOptions, TlsSession } from "@ftpkit/socket";
import { socketInfo } from "./addresses.ts";
import type { ReadSlab } from "./read-slab.ts";
import { closedError, type SocketPhase, toSocketError } from "./socket-errors.ts";
import { SocketReadable } from "./socket-readable.ts";
import { SocketWritable } from "./socket-writable.ts";
import { serverTlsSocket, tlsConnectOptions } from "./tls-options.ts";

/**
 * Bytes a socket reads ahead of its consumer before it is paused. Pausing after every
 * chunk instead (no read-ahead) cost a pause, a `nextTick` and a restart of reading per
 * 64 KiB chunk: against vsftpd, whose `sendfile()` makes the reader the bottleneck, up to
 * 1.4-2x the CPU per byte of raw `data` events. TLS's 16 KiB records made it worse. The
 * read-ahead does not get in the way of `startTls()`: it goes back into the Node socket
 * before the TLS socket takes over.
 */
export const DEFAULT_READ_AHEAD = 1024 * 1024;

/** How a {@link NodeSocket} came to be, and what it may do next. */
export interface NodeSocketInit {
  /** `host:port` of the peer, for error messages. */
  address: string;
  /** The host name the client connected to (TLS name checks on `startTls()`). */
  host: string;
  /** A server-side socket upgrades as the TLS server with this context. */
  serverContext: SecureContext | undefined;
  /** Resolves once the socket is usable (connected, TLS handshake done). */
  ready: Promise<void>;
  /** How long `close()` waits for the FIN / close_notify to go out before destroying. */
  closeTimeout: number;
  /** Bytes the readable reads ahead of its consumer ({@link DEFAULT_READ_AHEAD}). */
  readAhead: number;
  /** The socket was created with `onread: slab.onread`: its bytes come from the slab. */
  slab?: ReadSlab;
}

/** One connected Node socket, plain or TLS. */
export class NodeSocket implements Socket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<SocketInfo>;
  readonly closed: Promise<void>;
  readonly #socket: NetSocket;
  readonly #init: NodeSocketInit;
  readonly #reader: SocketReadable;
  readonly #writer: SocketWritable;
  #error: SocketError | undefined;
  #phase: SocketPhase;
  #closing = false;
  #session: TlsSession | undefined;
  #upgraded: NodeSocket | undefined;
  #resolveClosed!: () => void;

  readonly #onEnd = (): void => {
    this.#reader.end();
  };

  readonly #onError = (error: unknown): void => {
    this.#error ??= toSocketError(error, this.#init.address, this.#phase);
    this.#reader.fail(this.#error);
  };

  readonly #onClose = (): void => {
    if (this.#closing) {
      this.#reader.end();
    } else {
      // Destroyed without an end of stream and without an error: the peer is gone.
      this.#reader.fail(
        this.#error ??
          new ConnectionResetError(`Connection to "${this.#init.address}" closed abruptly`, {
            address: this.#init.address,
            reason: "reset",
          }),
      );
    }
    this.#resolveClosed();
  };

  readonly #onSession = (session: Uint8Array): void => {
    this.#session = { runtime: "node", data: session };
  };

  constructor(socket: NetSocket, init: NodeSocketInit) {
    this.#socket = socket;
    this.#init = init;
    this.#phase = socket instanceof TLSSocket ? "tls" : "connect";
    this.closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#reader = new SocketReadable(socket, () => void this.close(), init.readAhead, init.slab);
    this.#writer = new SocketWritable(
      socket,
      (error) => this.#error ?? this.#ioError(error),
      () => reset(socket),
    );
    this.readable = this.#reader.stream;
    this.writable = this.#writer.stream;
    socket.on("end", this.#onEnd);
    socket.on("error", this.#onError);
    socket.on("close", this.#onClose);
    socket.on("session", this.#onSession);
    if (socket.destroyed) this.#onClose();
    this.opened = init.ready.then(
      () => {
        this.#phase = "io";
        return socketInfo(socket);
      },
      (error: unknown) => {
        const failure = toSocketError(error, init.address, this.#phase);
        this.#error ??= failure;
        this.#reader.fail(failure);
        this.#writer.fail(failure);
        socket.destroy();
        throw failure;
      },
    );
    // Whoever only reads sees the failure there; do not also report it as unhandled.
    this.opened.catch(() => {});
  }

  tlsSession(): TlsSession | undefined {
    return this.#upgraded ? this.#upgraded.tlsSession() : this.#session;
  }

  startTls(options: TlsClientOptions = {}): Socket {
    const { address, host, serverContext } = this.#init;
    if (this.#socket instanceof TLSSocket || this.#upgraded) {
      throw new TlsError(`Cannot start TLS with "${address}": the socket already speaks TLS`, {
        address,
        reason: "tls",
      });
    }
    if (this.#closing || this.#socket.destroyed) throw closedError(address);
    const raw = this.#socket;
    this.#detach();
    let secure: TLSSocket;
    let ready: Promise<void>;
    if (serverContext) {
      // RFC 4217 §4: after AUTH TLS the server side of the handshake runs on this socket.
      secure = serverTlsSocket(raw, serverContext);
      ready = handshake(secure, "secure");
    } else {
      secure = tlsConnect({
        socket: raw,
        ...tlsConnectOptions(host, options),
      });
      ready = handshake(secure, "secureConnect");
    }
    const { slab: _, ...init } = this.#init;
    const upgraded = new NodeSocket(secure, { ...init, ready });
    this.#upgraded = upgraded;
    void upgraded.closed.then(() => this.#resolveClosed());
    return upgraded;
  }

  close(): Promise<void> {
    if (this.#upgraded) return this.#upgraded.close();
    if (this.#closing) return this.closed;
    this.#closing = true;
    const socket = this.#socket;
    if (socket.destroyed) return this.closed;
    if (socket.writableEnded || socket.writableLength > 0 || socket.connecting) {
      // Nothing to flush politely: the peer is not taking our bytes, or we already ended.
      socket.destroy();
      return this.closed;
    }
    // end() sends TLS close_notify before the FIN; some FTPS servers require it on
    // uploads. A peer that never lets it out does not keep us waiting.
    const timer = setTimeout(() => socket.destroy(), this.#init.closeTimeout);
    timer.unref?.();
    socket.once("finish", () => {
      clearTimeout(timer);
      socket.destroy();
    });
    socket.end();
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Hands the Node socket over to a TLS socket: this object's streams end here. */
  #detach(): void {
    const socket = this.#socket;
    socket.off("end", this.#onEnd);
    socket.off("error", this.#onError);
    socket.off("close", this.#onClose);
    socket.off("session", this.#onSession);
    // The TLS socket reports errors; this keeps a late one on the plain socket harmless.
    socket.on("error", () => {});
    this.#reader.detach();
    this.#writer.fail(
      new TlsError(`Socket to "${this.#init.address}" was upgraded to TLS: use the new socket`, {
        address: this.#init.address,
        reason: "tls",
      }),
    );
  }

  #ioError(error: unknown): SocketError {
    if (this.#closing) return closedError(this.#init.address);
    return toSocketError(error, this.#init.address, this.#phase);
  }
}

/** Resolves on `event` (the end of the handshake); rejects on the socket's first error. */
export function handshake(
  socket: NetSocket,
  event: "connect" | "secure" | "secureConnect",
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onDone = (): void => {
      cleanup();
      resolve();
    };
    const onError = (error: unknown): void => {
      cleanup();
      reject(error);
    };
    const onClose = (): void => {
      cleanup();
      reject(
        Object.assign(new Error("The connection closed during the handshake"), {
          code: "ECONNRESET",
        }),
      );
    };
    const cleanup = (): void => {
      socket.off(event, onDone);
      socket.off("error", onError);
      socket.off("close", onClose);
      socket.off("end", onClose);
    };
    socket.on(event, onDone);
    socket.on("error", onError);
    socket.on("close", onClose);
    // With allowHalfOpen an end of stream alone does not close the socket.
    socket.on("end", onClose);
  });
}

/**
 * Aborting a writable resets the connection (RST, SO_LINGER 0) so the peer sees a failure,
 * not an orderly end of data. TLS sockets have no TCP handle of their own: destroyed.
 */
function reset(socket: NetSocket): void {
  if (socket instanceof TLSSocket || socket.destroyed) {
    socket.destroy();
    return;
  }
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}
