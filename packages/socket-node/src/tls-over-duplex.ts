/**
 * `node:tls` over a `Duplex`: a TLS `Socket` whose transport is another runtime's native
 * connection wrapped as a `node:stream` `Duplex`. `@ftpkit/socket-deno` runs all its TLS
 * this way (over `Deno.Conn`), `@ftpkit/socket-bun` the server side of `startTls()` (over
 * an accepted `Bun.listen` socket). It lives here because it is `node:tls` code; both
 * runtimes implement `node:tls`. For adapter authors: ftpkit users need nothing from it.
 *
 * @example
 * ```ts
 * import { serverTlsOverDuplex } from "@ftpkit/socket-node/tls-over-duplex";
 * const socket = serverTlsOverDuplex(duplex, secureContext, {
 *   address: "127.0.0.1:40001",
 *   localAddress,
 *   remoteAddress,
 * });
 * await socket.opened; // the handshake finished
 * ```
 *
 * @module
 */

import type { Duplex } from "node:stream";
import { createSecureContext, type SecureContext, TLSSocket } from "node:tls";
import { FtpUsageError, type SocketError, type SocketErrorReason } from "@ftpkit/errors";
import {
  reasonOf,
  type Socket,
  type SocketAddress,
  type SocketInfo,
  type SocketPhase,
  type TlsInfo,
  type TlsServerOptions,
  type TlsSession,
  toSocketError,
} from "@ftpkit/socket";

/** Who is at the other end of the transport. */
export interface DuplexPeer {
  /** `host:port` of the peer, for error messages. */
  address: string;
  localAddress: SocketAddress;
  remoteAddress: SocketAddress;
  /**
   * How the transport's runtime classifies an error that is not a `SocketError` yet.
   * Default: `reasonOf` of `@ftpkit/socket` (errno and TLS codes).
   */
  reasonOf?: (error: unknown) => SocketErrorReason;
}

/** How a {@link DuplexTlsSocket} was set up. */
export interface DuplexTlsSocketOptions extends DuplexPeer {
  /** The server side of the handshake (waits for `secure`, not `secureConnect`). */
  isServer: boolean;
  /** The runtime name stamped on issued sessions; `undefined`: hand out no sessions. */
  sessionRuntime: string | undefined;
}

/** A listener's certificate as a `node:tls` context, for {@link serverTlsOverDuplex}. */
export function duplexServerContext(tls: TlsServerOptions): SecureContext {
  return createSecureContext({
    cert: tls.cert,
    key: tls.key,
    minVersion: tls.minVersion,
    maxVersion: tls.maxVersion,
  });
}

/** The server side of a handshake over `transport`, with a listener's certificate. */
export function serverTlsOverDuplex(
  transport: Duplex,
  context: SecureContext,
  peer: DuplexPeer,
): DuplexTlsSocket {
  const secure = new TLSSocket(transport, { isServer: true, secureContext: context });
  return new DuplexTlsSocket(secure, { ...peer, isServer: true, sessionRuntime: undefined });
}

/** Bytes the readable holds before it pauses the TLS socket. */
const READ_HIGH_WATER = 64 * 1024;

/** A TLS `Socket` backed by a `node:tls` `TLSSocket` over a `Duplex`. */
export class DuplexTlsSocket implements Socket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<SocketInfo>;
  readonly closed: Promise<void>;
  readonly #tls: TLSSocket;
  readonly #options: DuplexTlsSocketOptions;
  #session: Uint8Array | undefined;
  #secure = false;
  #ended = false;
  #failure: SocketError | undefined;
  #closing: Promise<void> | undefined;

  constructor(tls: TLSSocket, options: DuplexTlsSocketOptions) {
    this.#tls = tls;
    this.#options = options;
    const { address } = options;
    const classify = options.reasonOf ?? reasonOf;
    // An I/O failure, classified the way the transport's runtime names its errors.
    const ioError = (error: unknown, phase: SocketPhase): SocketError =>
      toSocketError(error, address, phase, classify(error));

    this.opened = new Promise<SocketInfo>((resolve, reject) => {
      const secureEvent = options.isServer ? "secure" : "secureConnect";
      const settle = (): void => {
        tls.off(secureEvent, onSecure);
        tls.off("error", onError);
        tls.off("end", onAbandoned);
        tls.off("close", onAbandoned);
      };
      const onSecure = (): void => {
        settle();
        this.#secure = true;
        resolve({
          localAddress: options.localAddress,
          remoteAddress: options.remoteAddress,
          tls: this.#tlsInfo(),
        });
      };
      const onError = (error: unknown): void => {
        settle();
        reject(toSocketError(error, address, "tls", handshakeReason(error)));
      };
      // The peer gave up (an alert, then FIN): with allowHalfOpen nothing else would end it.
      const onAbandoned = (): void => {
        settle();
        reject(
          this.#failure ??
            toSocketError(
              new Error("the connection closed during the handshake"),
              address,
              "tls",
              "tls",
            ),
        );
        tls.destroy();
      };
      tls.once(secureEvent, onSecure);
      tls.once("error", onError);
      tls.once("end", onAbandoned);
      tls.once("close", onAbandoned);
    });
    // Whoever accepts or connects decides whether to look at `opened`; an unobserved
    // handshake failure must not become an unhandled rejection.
    this.opened.catch(() => {});

    this.closed = new Promise<void>((resolve) => tls.once("close", () => resolve()));

    tls.on("error", (error: unknown) => {
      this.#failure ??= this.#secure
        ? ioError(error, "read")
        : toSocketError(error, address, "tls", handshakeReason(error));
    });
    if (options.sessionRuntime !== undefined) {
      tls.on("session", (session: Uint8Array) => {
        this.#session = session;
      });
    }

    let paused = false;
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          const finish = (error?: SocketError): void => {
            if (this.#ended) return;
            this.#ended = true;
            if (error === undefined) controller.close();
            else controller.error(error);
          };
          tls.on("data", (chunk: Uint8Array) => {
            if (this.#ended) return;
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            if ((controller.desiredSize ?? 0) <= 0 && !paused) {
              paused = true;
              tls.pause();
            }
          });
          tls.once("end", () => finish());
          // A close without an end: an error, or close() while the peer was still sending.
          tls.once("close", () => finish(this.#closing === undefined ? this.#failure : undefined));
        },
        pull: () => {
          if (paused) {
            paused = false;
            tls.resume();
          }
        },
        cancel: () => {
          this.#ended = true;
          return this.close();
        },
      },
      { highWaterMark: READ_HIGH_WATER, size: (chunk) => chunk.byteLength },
    );

    this.writable = new WritableStream<Uint8Array>(
      {
        write: (chunk) =>
          new Promise<void>((resolve, reject) => {
            if (chunk.byteLength === 0) return resolve();
            tls.write(chunk, (error) => {
              if (error) reject(this.#failure ?? ioError(error, "write"));
              else resolve();
            });
          }),
        // end() sends close_notify, then FIN through the transport's final().
        close: () =>
          new Promise<void>((resolve, reject) => {
            if (tls.destroyed)
              return reject(
                this.#failure ?? toSocketError(new Error("closed"), address, "write", "closed"),
              );
            tls.end(() => resolve());
          }),
        abort: () => this.close(),
      },
      { highWaterMark: 1 },
    );
  }

  #tlsInfo(): TlsInfo {
    const tls = this.#tls;
    return {
      protocol: tls.getProtocol() ?? "unknown",
      cipher: tls.getCipher()?.name,
      resumed: tls.isSessionReused(),
      // A server does not ask for client certificates, so it has nothing to authorize.
      authorized: this.#options.isServer ? false : tls.authorized,
    };
  }

  /** The newest session ticket the server issued, when this runtime can resume it. */
  tlsSession(): TlsSession | undefined {
    const runtime = this.#options.sessionRuntime;
    if (runtime === undefined || this.#session === undefined) return undefined;
    return { runtime, data: this.#session };
  }

  /** Always throws: this socket already speaks TLS. */
  startTls(): Socket {
    throw new FtpUsageError(`Socket "${this.#options.address}" already speaks TLS`);
  }

  /** Destroys the TLS socket and its transport; idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#tls.destroy();
      await this.closed;
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Handshake failures are TLS errors, except a refused or reset transport. */
function handshakeReason(error: unknown): "tls" | "reset" | "refused" | "timeout" {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ECONNRESET" || code === "EPIPE") return "reset";
  if (code === "ECONNREFUSED") return "refused";
  if (code === "ETIMEDOUT") return "timeout";
  return "tls";
}
