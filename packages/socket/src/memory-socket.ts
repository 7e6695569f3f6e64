/**
 * An in-memory `Socket`: both ends of a connection in one process, with bounded buffers
 * (real backpressure) and half-close, for unit tests of protocol state machines.
 *
 * @module
 */

import { ConnectionResetError, formatAddress, SocketError, TlsError } from "@ftpkit/errors";
import { MemoryPipe } from "./memory-pipe.ts";
import type { Socket, SocketAddress, SocketInfo, TlsSession } from "./types.ts";

/** Options of {@link createSocketPair}. */
export interface SocketPairOptions {
  /**
   * Bytes a direction buffers before a write waits for the reader, like a kernel socket
   * buffer. Default 64 KiB.
   */
  highWaterMark?: number;
  /** The first socket's address. Default `127.0.0.1:1`. */
  a?: SocketAddress;
  /** The second socket's address. Default `127.0.0.1:2`. */
  b?: SocketAddress;
}

/** Default bytes buffered per direction. */
export const DEFAULT_MEMORY_HIGH_WATER_MARK: number = 64 * 1024;

/**
 * Creates two connected in-memory sockets: what one writes, the other reads.
 * `writable.close()` half-closes (the peer's readable ends, the other direction stays
 * open); `close()` closes both directions; `writable.abort()` resets the connection.
 * Written chunks are copied, as a kernel would. There is no TLS: `startTls()` throws a
 * `TlsError`.
 *
 * @example
 * ```ts
 * import { createSocketPair } from "@ftpkit/socket";
 * const [client, server] = createSocketPair();
 * const writer = server.writable.getWriter();
 * await writer.write(new TextEncoder().encode("220 ready\r\n"));
 * const { value } = await client.readable.getReader().read();
 * ```
 */
export function createSocketPair(options: SocketPairOptions = {}): [Socket, Socket] {
  const highWaterMark = options.highWaterMark ?? DEFAULT_MEMORY_HIGH_WATER_MARK;
  const a = options.a ?? { hostname: "127.0.0.1", port: 1, family: "IPv4" };
  const b = options.b ?? { hostname: "127.0.0.1", port: 2, family: "IPv4" };
  const toB = new MemoryPipe(highWaterMark, formatAddress(b.hostname, b.port));
  const toA = new MemoryPipe(highWaterMark, formatAddress(a.hostname, a.port));
  return [new MemorySocket(toA, toB, a, b), new MemorySocket(toB, toA, b, a)];
}

/** One end of an in-memory connection. */
class MemorySocket implements Socket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<SocketInfo>;
  readonly closed: Promise<void>;
  readonly #inbound: MemoryPipe;
  readonly #outbound: MemoryPipe;
  readonly #remote: string;
  readonly #resolveClosed: () => void;
  #closed = false;
  #readDone = false;
  #writeDone = false;

  constructor(
    inbound: MemoryPipe,
    outbound: MemoryPipe,
    local: SocketAddress,
    remote: SocketAddress,
  ) {
    this.#inbound = inbound;
    this.#outbound = outbound;
    this.#remote = formatAddress(remote.hostname, remote.port);
    this.opened = Promise.resolve({ localAddress: local, remoteAddress: remote, tls: undefined });
    let resolveClosed!: () => void;
    this.closed = new Promise<void>((resolve) => {
      resolveClosed = resolve;
    });
    this.#resolveClosed = resolveClosed;

    // highWaterMark 0: nothing is pulled ahead of a read, so the pipe's bound is the
    // whole of what this direction buffers.
    this.readable = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          let chunk: Uint8Array | undefined;
          try {
            chunk = await this.#inbound.read();
          } catch (error) {
            this.#readDone = true;
            this.#settle();
            throw error;
          }
          if (chunk === undefined) {
            controller.close();
            this.#readDone = true;
            this.#settle();
          } else {
            controller.enqueue(chunk);
          }
        },
        cancel: () => this.close(),
      },
      { highWaterMark: 0 },
    );
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) => {
        if (this.#closed) return Promise.reject(this.#closedError("write to"));
        return this.#outbound.push(chunk);
      },
      close: () => {
        this.#outbound.end();
        this.#writeDone = true;
        this.#settle();
      },
      abort: () => this.#reset(),
    });
  }

  tlsSession(): TlsSession | undefined {
    return undefined;
  }

  startTls(): Socket {
    throw new TlsError(`Cannot start TLS with "${this.#remote}": in-memory sockets have no TLS`, {
      address: this.#remote,
      reason: "tls",
    });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      // Like close(2): queued outgoing bytes still reach the peer, then its end of stream;
      // what the peer sends from now on is refused.
      this.#outbound.end();
      this.#inbound.closeReader();
      this.#resolveClosed();
    }
    return this.closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Aborting the writable resets the connection: both directions fail at the peer. */
  #reset(): void {
    const reset = new ConnectionResetError(
      `Connection to "${this.#remote}" was reset by the peer`,
      { address: this.#remote, reason: "reset" },
    );
    this.#outbound.reset(reset);
    this.#inbound.closeReader();
    this.#closed = true;
    this.#resolveClosed();
  }

  /** Both directions are done: the socket is closed without a `close()` call. */
  #settle(): void {
    if (this.#readDone && this.#writeDone) {
      this.#closed = true;
      this.#resolveClosed();
    }
  }

  #closedError(action: string): SocketError {
    return new SocketError(`Cannot ${action} "${this.#remote}": the socket is closed`, {
      address: this.#remote,
      reason: "closed",
    });
  }
}
