/**
 * `denoSockets()`: the ftpkit socket adapter for Deno. Plain TCP runs on the native
 * `Deno.connect` / `Deno.listen` (faster than Deno's `node:net`); TLS runs on Deno's
 * `node:tls` over those native connections (see `tls-upgrade.ts` for why).
 *
 * @module
 */

import { FtpUsageError, formatAddress } from "@ftpkit/errors";
import {
  type ConnectOptions,
  connectAbortedError,
  connectTimeoutError,
  type Listener,
  type ListenOptions,
  type Socket,
  type SocketAdapter,
  type SocketCapabilities,
} from "@ftpkit/socket";
import { duplexServerContext } from "@ftpkit/socket-node/tls-over-duplex";
import { ConnSocket } from "./conn-socket.ts";
import { type DenoTcpConn, denoNamespace } from "./deno-api.ts";
import { ConnListener } from "./listener.ts";
import { DEFAULT_MAX_READ } from "./slab-reader.ts";
import { toSocketError } from "./socket-errors.ts";

/** Options of {@link denoSockets}. */
export interface DenoSocketsOptions {
  /**
   * The most bytes one read takes from the kernel (default 1 MiB). Reads start at 16 KiB
   * and grow while the connection is busy, so idle sockets stay small.
   */
  maxReadSize?: number;
  /**
   * Turn Nagle's algorithm off (`TCP_NODELAY`) on every connection, connected or accepted
   * (default true, as `nodeSockets()`). Deno leaves it on; with it on, FTP's small replies
   * and MODE B/C block headers wait for delayed ACKs, about 3 ms per file on a persistent
   * data connection.
   */
  noDelay?: boolean;
}

/**
 * What this adapter does on Deno, as measured by the conformance suite (Deno 2.9):
 * neither `Deno.connectTls` nor Deno's `node:tls` resumes a TLS session (a server that
 * records resumption sees a full handshake every time, TLS 1.2 and 1.3), so
 * `tlsSessionReuse` is false; server-side `startTls()` works through `node:tls`.
 */
export const denoCapabilities: SocketCapabilities = Object.freeze({
  listen: true,
  tlsSessionReuse: Object.freeze({ tls12: false, tls13: false }),
  halfOpen: true,
  serverStartTls: true,
});

/**
 * Creates the socket adapter for Deno. Pass it to ftpkit explicitly.
 *
 * @example
 * ```ts
 * import { denoSockets } from "@ftpkit/socket-deno";
 *
 * const sockets = denoSockets();
 * await using socket = await sockets.connect({ host: "127.0.0.1", port: 21 });
 * const reader = socket.readable.getReader();
 * console.log(new TextDecoder().decode((await reader.read()).value));
 * ```
 */
export function denoSockets(options: DenoSocketsOptions = {}): SocketAdapter {
  const deno = denoNamespace();
  const maxRead = options.maxReadSize ?? DEFAULT_MAX_READ;
  const noDelay = options.noDelay ?? true;

  async function connect(connectOptions: ConnectOptions): Promise<Socket> {
    const { host, port, signal, timeout } = connectOptions;
    const address = formatAddress(host, port);
    if (signal?.aborted) throw connectAbortedError(address, signal.reason);
    // One signal for the caller's abort and the timeout; it also bounds the handshake.
    const deadline = new AbortController();
    let failure: Error | undefined;
    const onAbort = (): void => {
      failure ??= connectAbortedError(address, signal?.reason);
      deadline.abort(failure);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    const timer =
      timeout === undefined
        ? undefined
        : setTimeout(() => {
            failure ??= connectTimeoutError(address, timeout);
            deadline.abort(failure);
          }, timeout);
    try {
      let conn: DenoTcpConn;
      try {
        conn = await deno.connect({
          hostname: host,
          port,
          transport: "tcp",
          signal: deadline.signal,
        });
      } catch (error) {
        throw failure ?? toSocketError(error, address, "connect");
      }
      const plain = new ConnSocket(conn, {
        peerName: host,
        maxRead,
        noDelay,
        serverContext: undefined,
      });
      if (failure !== undefined) {
        await plain.close();
        throw failure;
      }
      if (connectOptions.tls === undefined || connectOptions.tls === false) return plain;
      const secure = plain.startTls(connectOptions.tls === true ? {} : connectOptions.tls);
      const stopped = new Promise<never>((_, reject) => {
        if (deadline.signal.aborted) reject(failure);
        deadline.signal.addEventListener("abort", () => reject(failure), { once: true });
      });
      try {
        await Promise.race([secure.opened, stopped]);
      } catch (error) {
        await secure.close();
        throw error;
      }
      return secure;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  async function listen(listenOptions: ListenOptions): Promise<Listener> {
    const { host, port = 0, tls, implicitTls = false } = listenOptions;
    if (implicitTls && tls === undefined) {
      throw new FtpUsageError("listen({ implicitTls: true }) needs `tls` (a certificate and key)");
    }
    const serverContext = tls === undefined ? undefined : duplexServerContext(tls);
    let listener: ReturnType<typeof deno.listen>;
    try {
      listener = deno.listen({
        hostname: host,
        port,
        transport: "tcp",
        tcpBacklog: listenOptions.backlog,
      });
    } catch (error) {
      throw toSocketError(error, formatAddress(host, port), "listen");
    }
    return new ConnListener(listener, { maxRead, noDelay, serverContext, implicitTls });
  }

  return Object.freeze({ runtime: "deno", capabilities: denoCapabilities, connect, listen });
}
