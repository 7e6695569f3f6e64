/**
 * A `Socket` over a `node:tls` `TLSSocket`. Deno's native TLS (`Deno.connectTls`,
 * `Deno.startTls`, `Deno.listenTls`) reports neither the protocol version nor the cipher,
 * has no `rejectUnauthorized: false` and no version limits, cannot upgrade the server
 * side, and `Deno.startTls` fails while a read is pending. Deno's `node:tls` does all of
 * that at the same speed (measured: see the package README), so every TLS connection of
 * this adapter is a `TLSSocket` over the native `Deno.Conn` (see `conn-duplex.ts`).
 *
 * @module
 */

import type { TLSSocket } from "node:tls";
import { FtpUsageError, type SocketError } from "@ftpkit/errors";
import type { Socket, SocketAddress, SocketInfo, TlsInfo, TlsSession } from "@ftpkit/socket";
import { toSocketError } from "./socket-errors.ts";

/** How {@link NodeTlsSocket} was set up. */
export interface NodeTlsSocketOptions {
  /** `host:port` of the peer, for error messages. */
  address: string;
  localAddress: SocketAddress;
  remoteAddress: SocketAddress;
  /** The server side of the handshake (waits for `secure`, not `secureConnect`). */
  isServer: boolean;
  /** The runtime name stamped on issued sessions; `undefined`: hand out no sessions. */
  sessionRuntime: string | undefined;
}

/** Bytes the readable holds before it pauses the TLS socket. */
const READ_HIGH_WATER = 64 * 1024;

/** A TLS `Socket` backed by a `node:tls` `TLSSocket`. */
export class NodeTlsSocket implements Socket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<SocketInfo>;
  readonly closed: Promise<void>;
  readonly #tls: TLSSocket;
  readonly #options: NodeTlsSocketOptions;
  #session: Uint8Array | undefined;
  #secure = false;
  #ended = false;
  #failure: SocketError | undefined;
  #closing: Promise<void> | undefined;

  constructor(tls: TLSSocket, options: NodeTlsSocketOptions) {
    this.#tls = tls;
    this.#options = options;
    const { address } = options;

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
      this.#failure ??= toSocketError(
        error,
        address,
        this.#secure ? "read" : "tls",
        this.#secure ? undefined : handshakeReason(error),
      );
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
              if (error) reject(this.#failure ?? toSocketError(error, address, "write"));
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
