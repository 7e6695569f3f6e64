/**
 * A `SocketAdapter` over in-memory socket pairs: listeners on made-up ports of
 * 127.0.0.1, connections delivered to them. Enough for the client's state-machine tests
 * (no TLS). Counts connects so tests can count data connections.
 */

import { ConnectionRefusedError, SocketError } from "@ftpkit/errors";
import type { Listener, Socket, SocketAdapter, SocketAddress } from "@ftpkit/socket";
import { createSocketPair } from "@ftpkit/socket";

interface MemoryListener extends Listener {
  deliver(socket: Socket): void;
}

export interface MemoryAdapter extends SocketAdapter {
  connects: number;
  /** Host names connected to, in order. */
  readonly connectedHosts: string[];
}

export function memoryAdapter(): MemoryAdapter {
  const listeners = new Map<number, MemoryListener>();
  let nextPort = 40000;
  const adapter: MemoryAdapter = {
    runtime: "memory",
    capabilities: {
      listen: true,
      tlsSessionReuse: { tls12: false, tls13: false },
      halfOpen: true,
      serverStartTls: false,
    },
    connects: 0,
    connectedHosts: [],
    async connect(options) {
      adapter.connects++;
      adapter.connectedHosts.push(options.host);
      const listener = listeners.get(options.port);
      if (
        listener === undefined ||
        (options.host !== "127.0.0.1" && options.host !== "localhost")
      ) {
        throw new ConnectionRefusedError(
          `Connection to "${options.host}:${options.port}" refused`,
          {
            address: `${options.host}:${options.port}`,
            reason: "refused",
          },
        );
      }
      const local: SocketAddress = { hostname: "127.0.0.1", port: nextPort++, family: "IPv4" };
      const [client, server] = createSocketPair({ a: local, b: listener.address });
      listener.deliver(server);
      return client;
    },
    async listen(options) {
      const port = options.port === undefined || options.port === 0 ? nextPort++ : options.port;
      if (listeners.has(port)) {
        throw new SocketError(`Port ${port} is in use`, {
          address: `127.0.0.1:${port}`,
          reason: "address-in-use",
        });
      }
      const queue: Socket[] = [];
      const waiters: { resolve: (s: Socket) => void; reject: (e: unknown) => void }[] = [];
      let closed = false;
      const address: SocketAddress = { hostname: "127.0.0.1", port, family: "IPv4" };
      const listener: MemoryListener = {
        address,
        deliver(socket) {
          const w = waiters.shift();
          if (w) w.resolve(socket);
          else queue.push(socket);
        },
        accept() {
          const s = queue.shift();
          if (s) return Promise.resolve(s);
          if (closed)
            return Promise.reject(
              new SocketError("Listener closed", {
                address: `127.0.0.1:${port}`,
                reason: "closed",
              }),
            );
          return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
        },
        async close() {
          if (closed) return;
          closed = true;
          listeners.delete(port);
          for (const w of waiters.splice(0)) {
            w.reject(
              new SocketError("Listener closed", {
                address: `127.0.0.1:${port}`,
                reason: "closed",
              }),
            );
          }
        },
        async [Symbol.asyncDispose]() {
          await listener.close();
        },
        async *[Symbol.asyncIterator]() {
          for (;;) {
            try {
              yield await listener.accept();
            } catch {
              return;
            }
          }
        },
      };
      listeners.set(port, listener);
      return listener;
    },
  };
  return adapter;
}
