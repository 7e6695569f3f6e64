/**
 * `memorySockets()`: a `SocketAdapter` over an in-process network of in-memory sockets.
 * Listening allocates a port, connecting finds the listener or is refused; no TLS.
 *
 * @module
 */

import { ConnectionRefusedError, formatAddress, SocketError, TlsError } from "@ftpkit/errors";
import { AcceptQueue, acceptIterator } from "./accept-queue.ts";
import { connectAbortedError } from "./adapter-errors.ts";
import { createSocketPair, DEFAULT_MEMORY_HIGH_WATER_MARK } from "./memory-socket.ts";
import type {
  ConnectOptions,
  Listener,
  ListenOptions,
  Socket,
  SocketAdapter,
  SocketAddress,
  SocketCapabilities,
} from "./types.ts";

/** Options of {@link memorySockets}. */
export interface MemorySocketsOptions {
  /** Bytes each direction of a connection buffers. Default 64 KiB. */
  highWaterMark?: number;
}

/** What the in-memory adapter does: everything but TLS. */
export const MEMORY_CAPABILITIES: SocketCapabilities = Object.freeze({
  listen: true,
  tlsSessionReuse: Object.freeze({ tls12: false, tls13: false }),
  halfOpen: true,
  serverStartTls: false,
});

/** Ports handed out by `listen({ port: 0 })` and to connecting clients. */
const FIRST_PORT = 40000;
const LAST_PORT = 65535;

/**
 * Creates an isolated in-process network: sockets of one `memorySockets()` reach only
 * listeners of the same one. For unit tests of code that takes a `SocketAdapter`.
 *
 * @example
 * ```ts
 * import { memorySockets } from "@ftpkit/socket";
 * const sockets = memorySockets();
 * await using listener = await sockets.listen({ host: "127.0.0.1", port: 0 });
 * const client = await sockets.connect({ host: "127.0.0.1", port: listener.address.port });
 * const server = await listener.accept();
 * ```
 */
export function memorySockets(options: MemorySocketsOptions = {}): SocketAdapter {
  const highWaterMark = options.highWaterMark ?? DEFAULT_MEMORY_HIGH_WATER_MARK;
  const listeners = new Map<string, MemoryListener>();
  const usedPorts = new Map<string, Set<number>>();
  let nextPort = FIRST_PORT;

  const allocate = (host: string): number => {
    const used = usedPorts.get(host) ?? new Set<number>();
    usedPorts.set(host, used);
    for (let tries = 0; tries <= LAST_PORT - FIRST_PORT; tries++) {
      const port = nextPort;
      nextPort = nextPort === LAST_PORT ? FIRST_PORT : nextPort + 1;
      if (!used.has(port)) {
        used.add(port);
        return port;
      }
    }
    throw new SocketError(`No free port on "${host}"`, {
      address: formatAddress(host, 0),
      reason: "address-in-use",
    });
  };
  const release = (host: string, port: number): void => {
    usedPorts.get(host)?.delete(port);
  };

  return {
    runtime: "memory",
    capabilities: MEMORY_CAPABILITIES,

    async connect({ host, port, tls, signal }: ConnectOptions): Promise<Socket> {
      const address = formatAddress(host, port);
      if (signal?.aborted) throw connectAbortedError(address, signal.reason);
      if (tls) {
        throw new TlsError(
          `Cannot connect to "${address}" with TLS: in-memory sockets have no TLS`,
          {
            address,
            reason: "tls",
          },
        );
      }
      // A listener on the wildcard address takes connections to any host, as on a real stack.
      const listener =
        listeners.get(address) ??
        listeners.get(formatAddress(familyOf(host) === "IPv6" ? "::" : "0.0.0.0", port)) ??
        listeners.get(formatAddress("::", port));
      if (!listener) {
        throw new ConnectionRefusedError(`Cannot connect to "${address}": connection refused`, {
          address,
          reason: "refused",
        });
      }
      const localPort = allocate(host);
      const family = familyOf(host);
      const [client, server] = createSocketPair({
        highWaterMark,
        a: { hostname: host, port: localPort, family },
        b: { hostname: host, port, family },
      });
      void client.closed.then(() => release(host, localPort));
      listener.deliver(server);
      return client;
    },

    async listen({ host, port = 0, tls, implicitTls }: ListenOptions): Promise<Listener> {
      if (tls || implicitTls) {
        throw new TlsError(
          `Cannot listen with TLS on "${formatAddress(host, port)}": in-memory sockets have no TLS`,
          { address: formatAddress(host, port), reason: "tls" },
        );
      }
      let bound = port;
      if (port === 0) {
        bound = allocate(host);
      } else {
        const used = usedPorts.get(host) ?? new Set<number>();
        usedPorts.set(host, used);
        if (used.has(port)) {
          throw new SocketError(`Cannot listen on "${formatAddress(host, port)}": address in use`, {
            address: formatAddress(host, port),
            reason: "address-in-use",
          });
        }
        used.add(port);
      }
      const key = formatAddress(host, bound);
      const listener = new MemoryListener(
        { hostname: host, port: bound, family: familyOf(host) },
        () => {
          listeners.delete(key);
          release(host, bound);
        },
      );
      listeners.set(key, listener);
      return listener;
    },
  };
}

function familyOf(host: string): "IPv4" | "IPv6" {
  return host.includes(":") ? "IPv6" : "IPv4";
}

/** A listener of the in-memory network. */
class MemoryListener implements Listener {
  readonly address: SocketAddress;
  readonly #onClose: () => void;
  readonly #queue = new AcceptQueue();

  constructor(address: SocketAddress, onClose: () => void) {
    this.address = address;
    this.#onClose = onClose;
  }

  /** A client connected: hand its server end to a waiting accept or queue it. */
  deliver(socket: Socket): void {
    this.#queue.deliver(socket);
  }

  accept(): Promise<Socket> {
    return this.#queue.accept(() => this.#closedError());
  }

  async close(): Promise<void> {
    if (this.#queue.closed) return;
    this.#onClose();
    await this.#queue.close(this.#closedError());
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Yields accepted sockets until the listener closes; `break` closes it. */
  [Symbol.asyncIterator](): AsyncIterator<Socket> {
    return acceptIterator(this, () => this.#queue.closed);
  }

  #closedError(): SocketError {
    const address = formatAddress(this.address.hostname, this.address.port);
    return new SocketError(`Listener on "${address}" is closed`, { address, reason: "closed" });
  }
}
