/**
 * A `Socket` over a native Bun socket (`Bun.connect` / `Bun.listen`, plain or TLS). Bun
 * pushes data through callbacks; the readable is a pull stream fed from a small queue,
 * and the socket is paused (`socket.pause()`, so TCP slows the peer) while the queue is
 * over its limit. Bun does not buffer writes: `write()` returns what the kernel took, and
 * the rest waits for the `drain` callback, so a write resolves once the kernel has it all.
 *
 * @module
 */

import type { SecureContext } from "node:tls";
import { FtpUsageError, type SocketError } from "@ftpkit/errors";
import {
  closedError,
  type Socket,
  type SocketAddress,
  type SocketInfo,
  type TlsClientOptions,
  type TlsInfo,
  type TlsSession,
  toSocketError,
} from "@ftpkit/socket";
import {
  type BunNativeSocket,
  type BunSocketHandler,
  type BunTlsOptions,
  tlsVersionNumber,
} from "./bun-api.ts";
import { startServerTls } from "./tls-server-upgrade.ts";

/** Receives the bytes of a socket whose server side was upgraded with `node:tls`. */
export interface DivertedSink {
  data(chunk: Uint8Array): void;
  drain(): void;
  end(): void;
  close(error: SocketError | undefined): void;
}

/** How a {@link BunSocket} came to be. */
export interface BunSocketOptions {
  /** `host:port` as the caller named it, for messages. */
  address: string;
  /** The host the caller connected to; for an accepted socket, the peer's IP. */
  peerName: string;
  /** Bytes queued before the socket is paused. */
  readLimit: number;
  /** How the socket speaks TLS natively: not, as a client, or as a server. */
  tls: "none" | "client" | "server";
  /** The client's TLS options (to resume a session and to check authorization). */
  clientTls: TlsClientOptions | undefined;
  /** Set on plain sockets accepted by a listener with `tls`: `startTls()` is the server side. */
  serverContext: SecureContext | undefined;
}

/** The one set of callbacks of every native socket: each dispatches to `socket.data`. */
export const bunHandlers: BunSocketHandler<BunSocket> = {
  open: (native) => native.data.onOpen(native),
  data: (native, chunk) => native.data.onData(chunk),
  drain: (native) => native.data.onDrain(),
  end: (native) => native.data.onEnd(),
  close: (native, error) => native.data.onClose(error),
  error: (native, error) => native.data.onError(error),
  handshake: (native, success, error) => native.data.onHandshake(success, error),
  session: (native, session) => native.data.onSession(session),
};

function toAddress(hostname: string, port: number, family: "IPv4" | "IPv6"): SocketAddress {
  return { hostname, port, family: family ?? (hostname.includes(":") ? "IPv6" : "IPv4") };
}

/** A socket on Bun's native sockets. */
export class BunSocket implements Socket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<SocketInfo>;
  readonly closed: Promise<void>;
  readonly #options: BunSocketOptions;
  #native: BunNativeSocket<BunSocket> | undefined;
  #resolveOpened!: (info: SocketInfo) => void;
  #rejectOpened!: (error: SocketError) => void;
  #resolveClosed!: () => void;
  #isOpen = false;
  #info: SocketInfo | undefined;
  #goneNative = false;
  #readController!: ReadableStreamDefaultController<Uint8Array>;
  #writeController!: WritableStreamDefaultController;
  #queue: Uint8Array[] = [];
  #queued = 0;
  #paused = false;
  /** The stream asked for a chunk (a read is pending) and none was queued. */
  #demand = false;
  #eof = false;
  #readDone = false;
  #writeDone = false;
  #pendingWrite:
    | { rest: Uint8Array; resolve: () => void; reject: (error: SocketError) => void }
    | undefined;
  #failure: SocketError | undefined;
  #session: Uint8Array | undefined;
  #closing: Promise<void> | undefined;
  #upgraded: Socket | undefined;
  #divert: DivertedSink | undefined;

  constructor(options: BunSocketOptions) {
    this.#options = options;
    this.opened = new Promise<SocketInfo>((resolve, reject) => {
      this.#resolveOpened = resolve;
      this.#rejectOpened = reject;
    });
    // Whoever connects or accepts decides whether to look; no unhandled rejection.
    this.opened.catch(() => {});
    this.closed = new Promise<void>((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#readController = controller;
        },
        pull: () => {
          this.#pull();
        },
        cancel: () => {
          this.#readDone = true;
          return this.close();
        },
      },
      { highWaterMark: 0 },
    );
    this.writable = new WritableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#writeController = controller;
        },
        write: (chunk) => this.#write(chunk),
        close: () => this.#shutdown(),
        abort: () => this.close(),
      },
      { highWaterMark: 1 },
    );
  }

  // --- callbacks from Bun -------------------------------------------------------------

  /** @internal */
  onOpen(native: BunNativeSocket<BunSocket>): void {
    if (this.#native === native) return;
    this.#native = native;
    // Closed (a timeout, an abort) before Bun delivered the socket.
    if (this.#closing !== undefined) {
      native.terminate();
      return;
    }
    const session = this.#options.clientTls?.session;
    // Set before the ClientHello goes out: that is how Bun's own node:tls resumes.
    if (session !== undefined && session.runtime === "bun" && session.data instanceof Uint8Array) {
      native.setSession(session.data);
    }
    if (this.#options.tls === "none") this.#open();
  }

  /** @internal */
  onHandshake(success: boolean, error: Error | null): void {
    const native = this.#native;
    if (native === undefined || this.#isOpen) return;
    // Bun reports success for an unverified peer when rejectUnauthorized is false.
    if (!success) {
      const failure = toSocketError(
        error ?? new Error("certificate verification failed"),
        this.#options.address,
        "tls",
        "tls",
      );
      this.#failure = failure;
      this.#rejectOpened(failure);
      native.terminate();
      return;
    }
    this.#open();
  }

  /** @internal */
  onSession(session: Uint8Array): void {
    this.#session = session;
  }

  /** @internal */
  onData(chunk: Uint8Array): void {
    if (this.#divert !== undefined) {
      this.#divert.data(chunk);
      return;
    }
    // After a client upgradeTLS, Bun still shows the raw socket the ciphertext.
    if (this.#upgraded !== undefined || this.#readDone) return;
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#demand) {
      // Goes straight to the pending read; the stream calls pull again if it wants more.
      this.#demand = false;
      this.#readController.enqueue(bytes);
      return;
    }
    this.#queue.push(bytes);
    this.#queued += bytes.byteLength;
    if (this.#queued >= this.#options.readLimit && !this.#paused) {
      this.#paused = true;
      this.#native?.pause();
    }
  }

  /** @internal */
  onDrain(): void {
    if (this.#divert !== undefined) {
      this.#divert.drain();
      return;
    }
    const pending = this.#pendingWrite;
    if (pending === undefined) return;
    this.#pendingWrite = undefined;
    this.#writeRest(pending.rest, pending.resolve, pending.reject);
  }

  /** @internal */
  onEnd(): void {
    if (this.#divert !== undefined) {
      this.#divert.end();
      return;
    }
    this.#eof = true;
    this.#wakeReader();
  }

  /** @internal */
  onError(error: Error): void {
    this.#failure ??= toSocketError(
      error,
      this.#options.address,
      this.#isOpen ? "read" : "connect",
    );
  }

  /** @internal */
  onClose(error?: Error): void {
    this.#goneNative = true;
    if (error !== undefined) this.onError(error);
    if (this.#divert !== undefined) {
      this.#divert.close(this.#failure);
      this.#resolveClosed();
      return;
    }
    if (!this.#isOpen) {
      this.#rejectOpened(
        this.#failure ??
          toSocketError(
            new Error("the connection closed during the handshake"),
            this.#options.address,
            "tls",
            "tls",
          ),
      );
    }
    this.#eof = true;
    this.#wakeReader();
    const pending = this.#pendingWrite;
    this.#pendingWrite = undefined;
    pending?.reject(this.#failure ?? closedError(this.#options.address, "Socket"));
    if (!this.#writeDone) {
      this.#writeDone = true;
      this.#writeController.error(this.#failure ?? closedError(this.#options.address, "Socket"));
    }
    this.#resolveClosed();
  }

  // --- reading ------------------------------------------------------------------------

  #pull(): void {
    const chunk = this.#queue.shift();
    if (chunk !== undefined) {
      this.#queued -= chunk.byteLength;
      this.#readController.enqueue(chunk);
      if (this.#paused && this.#queued < this.#options.readLimit) {
        this.#paused = false;
        this.#native?.resume();
      }
      return;
    }
    if (this.#eof) {
      this.#finishReading();
      return;
    }
    // Returning without a chunk: the stream calls pull again only after an enqueue, so
    // the next data callback serves the pending read (no promise per chunk).
    this.#demand = true;
  }

  #wakeReader(): void {
    if (this.#queue.length > 0 || !this.#demand) return;
    this.#demand = false;
    this.#finishReading();
  }

  #finishReading(): void {
    if (this.#readDone) return;
    this.#readDone = true;
    // A failure while the socket was open, not the close() of our own.
    if (this.#failure !== undefined && this.#closing === undefined) {
      this.#readController.error(this.#failure);
    } else {
      this.#readController.close();
    }
    this.#releaseIfDone();
  }

  // --- writing ------------------------------------------------------------------------

  async #write(chunk: Uint8Array): Promise<void> {
    if (chunk.byteLength === 0) return;
    // A TLS socket takes application data only after the handshake.
    if (!this.#isOpen) await this.opened;
    return new Promise<void>((resolve, reject) => this.#writeRest(chunk, resolve, reject));
  }

  #writeRest(rest: Uint8Array, resolve: () => void, reject: (error: SocketError) => void): void {
    const native = this.#native;
    const written = native === undefined || this.#goneNative ? -1 : native.write(rest);
    if (written < 0) {
      reject(this.#failure ?? closedError(this.#options.address, "Socket"));
    } else if (written === rest.byteLength) {
      resolve();
    } else {
      this.#pendingWrite = { rest: rest.subarray(written), resolve, reject };
    }
  }

  async #shutdown(): Promise<void> {
    if (this.#goneNative) throw this.#failure ?? closedError(this.#options.address, "Socket");
    this.#native?.shutdown();
    this.#writeDone = true;
    this.#releaseIfDone();
  }

  #releaseIfDone(): void {
    if (this.#readDone && this.#writeDone && !this.#goneNative) this.#native?.end();
  }

  // --- the Socket interface -----------------------------------------------------------

  #open(): void {
    const native = this.#native;
    if (native === undefined || this.#isOpen) return;
    this.#isOpen = true;
    const tls: TlsInfo | undefined =
      this.#options.tls === "none"
        ? undefined
        : {
            protocol: native.getTLSVersion() ?? "unknown",
            cipher: native.getCipher()?.name,
            resumed: native.isSessionReused(),
            // A server asks no client certificate: nothing to authorize.
            authorized: this.#options.tls === "client" ? native.authorized : false,
          };
    this.#info = {
      localAddress: toAddress(native.localAddress, native.localPort, native.localFamily),
      remoteAddress: toAddress(native.remoteAddress, native.remotePort, native.remoteFamily),
      tls,
    };
    this.#resolveOpened(this.#info);
  }

  /**
   * The newest session the server issued (TLS 1.3 tickets come after the handshake, so
   * ask after the first exchange); on a resumed connection without a new ticket, the
   * session it resumed.
   */
  tlsSession(): TlsSession | undefined {
    if (this.#upgraded !== undefined) return this.#upgraded.tlsSession();
    if (this.#options.tls !== "client" || this.#native === undefined) return undefined;
    const resumedWith = this.#options.clientTls?.session;
    const data =
      this.#session ??
      (this.#native.isSessionReused() && resumedWith?.runtime === "bun"
        ? resumedWith.data
        : undefined) ??
      this.#native.getSession();
    return data === undefined ? undefined : { runtime: "bun", data };
  }

  /**
   * Upgrades to TLS. Client side: Bun's `upgradeTLS` (it resumes `options.session`).
   * Server side (accepted by a listener with `tls`): `node:tls` over this socket, since
   * Bun's `upgradeTLS` only speaks the client side.
   */
  startTls(options: TlsClientOptions = {}): Socket {
    const native = this.#native;
    if (this.#upgraded !== undefined || this.#options.tls !== "none") {
      throw new FtpUsageError(`Socket "${this.#options.address}" already speaks TLS`);
    }
    if (native === undefined || this.#goneNative || this.#closing !== undefined) {
      throw new FtpUsageError(`Socket "${this.#options.address}" is closed; cannot start TLS`);
    }
    const context = this.#options.serverContext;
    let upgraded: Socket;
    if (context !== undefined) {
      upgraded = startServerTls(this, context);
    } else {
      if (this.#queue.length > 0) {
        throw new FtpUsageError(
          `Socket "${this.#options.address}" has ${this.#queued} unread bytes; ` +
            "read them before startTls()",
        );
      }
      const secure = new BunSocket({
        ...this.#options,
        tls: "client",
        clientTls: options,
        serverContext: undefined,
      });
      const [, tlsNative] = native.upgradeTLS({
        data: secure,
        tls: clientTlsOptions(this.#options.peerName, options),
        socket: bunHandlers,
      });
      secure.onOpen(tlsNative);
      upgraded = secure;
    }
    this.#upgraded = upgraded;
    this.#retire();
    void upgraded.closed.then(() => this.#resolveClosed());
    return upgraded;
  }

  /** The upgrade took the connection: end this object's streams. */
  #retire(): void {
    if (!this.#readDone) {
      this.#readDone = true;
      this.#demand = false;
      this.#readController.close();
    }
    if (!this.#writeDone) {
      this.#writeDone = true;
      this.#writeController.error(
        new FtpUsageError(
          `Socket "${this.#options.address}" was upgraded to TLS; use the new socket`,
        ),
      );
    }
  }

  /**
   * Hands the raw connection to `sink` (the server side of a `node:tls` upgrade): the
   * queued bytes first, then every callback. Returns the raw operations the sink needs.
   * @internal
   */
  divert(sink: DivertedSink): {
    address: string;
    info: SocketInfo;
    write(chunk: Uint8Array): number;
    pause(): void;
    resume(): void;
    shutdown(): void;
    terminate(): void;
  } {
    const native = this.#native;
    const info = this.#info;
    if (native === undefined || info === undefined) {
      throw closedError(this.#options.address, "Socket");
    }
    this.#divert = sink;
    const queued = this.#queue.splice(0);
    this.#queued = 0;
    for (const chunk of queued) sink.data(chunk);
    if (this.#eof) sink.end();
    if (this.#goneNative) sink.close(this.#failure);
    return {
      address: this.#options.address,
      info,
      write: (chunk) => (this.#goneNative ? -1 : native.write(chunk)),
      pause: () => native.pause(),
      resume: () => {
        this.#paused = false;
        native.resume();
      },
      shutdown: () => native.shutdown(),
      terminate: () => native.terminate(),
    };
  }

  /** Closes gracefully (TLS: close_notify) and waits until Bun reports it closed. Idempotent. */
  close(): Promise<void> {
    if (this.#upgraded !== undefined) return this.#upgraded.close();
    this.#closing ??= (async () => {
      const pending = this.#pendingWrite;
      this.#pendingWrite = undefined;
      const native = this.#native;
      if (native !== undefined && !this.#goneNative) {
        // A write still waiting for the peer to read would hold end() back: drop it.
        if (pending !== undefined) native.terminate();
        else native.end();
      }
      pending?.reject(closedError(this.#options.address, "Socket"));
      if (native === undefined) this.#resolveClosed();
      await this.closed;
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Bun's TLS options for a client: SNI defaults to the host when it is a name. */
export function clientTlsOptions(peerName: string, options: TlsClientOptions): BunTlsOptions {
  const isIpLiteral = /^[\d.]+$/.test(peerName) || peerName.includes(":");
  return {
    ca: options.ca,
    rejectUnauthorized: options.rejectUnauthorized ?? true,
    serverName: options.servername ?? (isIpLiteral ? undefined : peerName),
    minVersion: tlsVersionNumber(options.minVersion),
    maxVersion: tlsVersionNumber(options.maxVersion),
  };
}
