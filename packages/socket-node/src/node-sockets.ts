/**
 * `nodeSockets()`: the `SocketAdapter` for Node, on `node:net` and `node:tls`.
 *
 * @module
 */

import { createServer, type Socket as NetSocket, connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { FtpUsageError, formatAddress } from "@ftpkit/errors";
import {
  type ConnectOptions,
  connectAbortedError,
  type Listener,
  type ListenOptions,
  type Socket,
  type SocketAdapter,
  type SocketCapabilities,
} from "@ftpkit/socket";
import { NodeListener } from "./node-listener.ts";
import { DEFAULT_READ_AHEAD, handshake, NodeSocket } from "./node-socket.ts";
import { ReadSlab } from "./read-slab.ts";
import { timeoutError, toSocketError } from "./socket-errors.ts";
import { serverContext, tlsConnectOptions } from "./tls-options.ts";

/** Options of {@link nodeSockets}. */
export interface NodeSocketsOptions {
  /** Disable Nagle's algorithm (`setNoDelay`); FTP control replies are small. Default true. */
  noDelay?: boolean;
  /**
   * How long `close()` waits for the FIN (and TLS close_notify) to leave before it destroys
   * the socket. Default 2000 ms.
   */
  closeTimeout?: number;
  /**
   * Bytes a socket's readable reads ahead of its consumer before the socket is paused:
   * the memory a connection may hold beyond the kernel's buffers. Default 1 MiB; 0 pauses
   * after every chunk.
   */
  readAhead?: number;
}

/** The resolved {@link NodeSocketsOptions} every socket of one adapter shares. */
interface Settings {
  noDelay: boolean;
  closeTimeout: number;
  readAhead: number;
}

/**
 * What the Node adapter does on Node, as measured by `@ftpkit/conformance` on Node 20
 * (OpenSSL 3): both TLS versions resume sessions, checked by a server that records
 * `isSessionReused()`. Bun's `node:tls` measures the same.
 */
export const NODE_CAPABILITIES: SocketCapabilities = Object.freeze({
  listen: true,
  tlsSessionReuse: Object.freeze({ tls12: true, tls13: true }),
  halfOpen: true,
  serverStartTls: true,
});

/**
 * The same adapter on Deno's Node compatibility layer: its `node:tls` accepts the
 * `session` option but never resumes (the reference server records a full handshake
 * every time), so it says so.
 */
const NODE_ON_DENO_CAPABILITIES: SocketCapabilities = Object.freeze({
  ...NODE_CAPABILITIES,
  tlsSessionReuse: Object.freeze({ tls12: false, tls13: false }),
});

/**
 * Node's `net.connect({ onread })` with a buffer function. Deno's and Bun's `node:net`
 * are other implementations: there the sockets keep their `data` events.
 */
const READS_INTO_SLABS = !("Deno" in globalThis) && !("Bun" in globalThis);

function capabilities(): SocketCapabilities {
  return "Deno" in globalThis ? NODE_ON_DENO_CAPABILITIES : NODE_CAPABILITIES;
}

/**
 * The socket adapter for Node.js, built on `node:net` and `node:tls`.
 *
 * @example
 * ```ts
 * import { nodeSockets } from "@ftpkit/socket-node";
 * const sockets = nodeSockets();
 * await using socket = await sockets.connect({ host: "ftp.example.com", port: 21 });
 * const reader = socket.readable.getReader();
 * console.log(new TextDecoder().decode((await reader.read()).value)); // "220 ..."
 * ```
 */
export function nodeSockets(options: NodeSocketsOptions = {}): SocketAdapter {
  const readAhead = options.readAhead ?? DEFAULT_READ_AHEAD;
  // 0 is allowed (a pause after every chunk); NaN would never pause: no backpressure.
  if (!(Number.isFinite(readAhead) && readAhead >= 0)) {
    throw new FtpUsageError(
      `nodeSockets(): readAhead must be a number of bytes >= 0, got "${String(readAhead)}"`,
    );
  }
  const settings: Settings = {
    noDelay: options.noDelay ?? true,
    closeTimeout: options.closeTimeout ?? 2000,
    readAhead,
  };
  return {
    runtime: "node",
    capabilities: capabilities(),
    connect: (connectOptions) => connect(connectOptions, settings),
    listen: (listenOptions) => listen(listenOptions, settings),
  };
}

async function connect(options: ConnectOptions, settings: Settings): Promise<Socket> {
  const { host, port, signal } = options;
  const address = formatAddress(host, port);
  if (signal?.aborted) throw connectAbortedError(address, signal.reason);
  const tlsOptions = options.tls === true ? {} : options.tls || undefined;
  // tls.connect passes allowHalfOpen on to its TLSSocket; @types/node omits it.
  const netOptions = { host, port, allowHalfOpen: true, noDelay: settings.noDelay };
  // Plain sockets read into slabs (read-slab.ts); TLS sockets have no `onread`.
  const slab = tlsOptions === undefined && READS_INTO_SLABS ? new ReadSlab() : undefined;
  const raw: NetSocket = tlsOptions
    ? tlsConnect({ ...netOptions, ...tlsConnectOptions(host, tlsOptions) })
    : netConnect(slab ? { ...netOptions, onread: slab.onread } : netOptions);
  // The socket exists before the handshake ends so that it sees TLS 1.2's 'session' event,
  // which Node emits before 'secureConnect'.
  const socket = new NodeSocket(raw, {
    address,
    host,
    serverContext: undefined,
    ready: bounded(handshake(raw, tlsOptions ? "secureConnect" : "connect"), address, options),
    closeTimeout: settings.closeTimeout,
    readAhead: settings.readAhead,
    ...(slab ? { slab } : {}),
  });
  await socket.opened;
  return socket;
}

/** `ready`, or a rejection once `timeout` passed or `signal` aborted. */
async function bounded(
  ready: Promise<void>,
  address: string,
  { signal, timeout }: ConnectOptions,
): Promise<void> {
  if (timeout === undefined && signal === undefined) return ready;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const gaveUp = new Promise<never>((_, reject) => {
    if (timeout !== undefined) {
      timer = setTimeout(() => reject(timeoutError(address, timeout)), timeout);
    }
    if (signal) {
      onAbort = () => reject(connectAbortedError(address, signal.reason));
      signal.addEventListener("abort", onAbort, { once: true });
    }
  });
  try {
    await Promise.race([ready, gaveUp]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener("abort", onAbort);
  }
}

async function listen(options: ListenOptions, settings: Settings): Promise<Listener> {
  const { host, port = 0, backlog } = options;
  const context = options.tls ? serverContext(options.tls) : undefined;
  // pauseOnConnect: nothing is read before the accepted socket's readable is pulled; what
  // the readable reads ahead after that goes back to the socket for a server-side startTls.
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: unknown): void => {
      server.off("listening", onListening);
      reject(toSocketError(error, formatAddress(host, port), "listen"));
    };
    const onListening = (): void => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen({ host, port, backlog });
  });
  // Errors after listening (EMFILE on accept) must not crash the process; accept() keeps
  // waiting for the next connection.
  server.on("error", () => {});
  return new NodeListener(server, {
    context,
    implicitTls: options.implicitTls === true && context !== undefined,
    ...settings,
  });
}
