/**
 * `bunSockets()`: the ftpkit socket adapter for Bun, on the native `Bun.connect` and
 * `Bun.listen` (plain and TLS, with session resumption), plus Bun's `node:tls` for the
 * one thing Bun's sockets lack: the server side of `startTls()`.
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
  type TlsClientOptions,
  toSocketError,
} from "@ftpkit/socket";
import { duplexServerContext } from "@ftpkit/socket-node/tls-over-duplex";
import { type BunNativeSocket, bunNamespace, tlsVersionNumber } from "./bun-api.ts";
import { BunSocket, bunHandlers, clientTlsOptions } from "./bun-socket.ts";
import { BunListener } from "./listener.ts";

/** Options of {@link bunSockets}. */
export interface BunSocketsOptions {
  /**
   * Bytes a socket queues for a consumer that is not reading before it pauses the
   * socket (default 1 MiB). Bun hands over what the kernel has (up to ~512 KiB per
   * callback), so the memory a slow reader costs is about this plus one callback.
   */
  readBufferSize?: number;
}

const DEFAULT_READ_LIMIT = 1024 * 1024;

/**
 * What this adapter does on Bun, as measured by the conformance suite (Bun 1.4): the
 * native TLS client resumes sessions of TLS 1.2 and 1.3 (the reference server confirms
 * it), half-close is `socket.shutdown()`, and server-side `startTls()` runs on `node:tls`.
 */
export const bunCapabilities: SocketCapabilities = Object.freeze({
  listen: true,
  tlsSessionReuse: Object.freeze({ tls12: true, tls13: true }),
  halfOpen: true,
  serverStartTls: true,
});

/**
 * Creates the socket adapter for Bun. Pass it to ftpkit explicitly.
 *
 * @example
 * ```ts
 * import { bunSockets } from "@ftpkit/socket-bun";
 *
 * const sockets = bunSockets();
 * await using socket = await sockets.connect({ host: "127.0.0.1", port: 21 });
 * const reader = socket.readable.getReader();
 * console.log(new TextDecoder().decode((await reader.read()).value));
 * ```
 */
export function bunSockets(options: BunSocketsOptions = {}): SocketAdapter {
  const bun = bunNamespace();
  const readLimit = options.readBufferSize ?? DEFAULT_READ_LIMIT;

  async function connect(connectOptions: ConnectOptions): Promise<Socket> {
    const { host, port, signal, timeout } = connectOptions;
    const address = formatAddress(host, port);
    if (signal?.aborted) throw connectAbortedError(address, signal.reason);
    const clientTls: TlsClientOptions | undefined =
      connectOptions.tls === undefined || connectOptions.tls === false
        ? undefined
        : connectOptions.tls === true
          ? {}
          : connectOptions.tls;
    const socket = new BunSocket({
      address,
      peerName: host,
      readLimit,
      tls: clientTls === undefined ? "none" : "client",
      clientTls,
      serverContext: undefined,
    });

    // Bun.connect takes no signal: race it, and close a socket that arrives too late.
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => reject(connectAbortedError(address, signal?.reason));
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeout !== undefined) {
        timer = setTimeout(() => reject(connectTimeoutError(address, timeout)), timeout);
      }
    });
    let connecting: Promise<unknown>;
    try {
      connecting = bun
        .connect<BunSocket>({
          hostname: host,
          port,
          data: socket,
          tls: clientTls === undefined ? undefined : clientTlsOptions(host, clientTls),
          allowHalfOpen: true,
          socket: bunHandlers,
        })
        .then(
          (native: BunNativeSocket<BunSocket>) => {
            socket.onOpen(native);
            return socket.opened;
          },
          (error: unknown) => {
            throw toSocketError(error, address, "connect");
          },
        );
    } catch (error) {
      // Bun throws at once for options it rejects (a port out of range).
      clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
      throw toSocketError(error, address, "connect");
    }
    try {
      await Promise.race([connecting, stopped]);
      return socket;
    } catch (error) {
      // Too late or failed: whatever connects later is closed at once.
      connecting.then(
        () => socket.close(),
        () => {},
      );
      await socket.close();
      throw error;
    } finally {
      clearTimeout(timer);
      if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    }
  }

  async function listen(listenOptions: ListenOptions): Promise<Listener> {
    const { host, port = 0, tls, implicitTls = false } = listenOptions;
    if (implicitTls && tls === undefined) {
      throw new FtpUsageError("listen({ implicitTls: true }) needs `tls` (a certificate and key)");
    }
    const versions = tls && {
      minVersion: tlsVersionNumber(tls.minVersion),
      maxVersion: tlsVersionNumber(tls.maxVersion),
    };
    return new BunListener(bun, {
      host,
      port,
      backlog: listenOptions.backlog,
      readLimit,
      nativeTls:
        tls !== undefined && implicitTls
          ? { cert: tls.cert, key: tls.key, ...versions }
          : undefined,
      serverContext: tls !== undefined && !implicitTls ? duplexServerContext(tls) : undefined,
    });
  }

  return Object.freeze({ runtime: "bun", capabilities: bunCapabilities, connect, listen });
}
