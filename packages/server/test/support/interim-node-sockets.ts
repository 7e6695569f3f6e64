/**
 * A small SocketAdapter over node:net and node:tls, used by these tests only while
 * @ftpkit/socket-node is being written. Server-side TLS sockets of one certificate
 * share one SecureContext, so that a data connection can resume the control
 * connection's session (TLS 1.2 and 1.3 tickets).
 */

import { createServer, connect as netConnect, type Server, type Socket as NetSocket } from "node:net";
import { createServer as createTlsServer, connect as tlsConnect, type Server as TlsServer, TLSSocket } from "node:tls";
import { SocketError } from "@ftpkit/errors";
import type {
  ConnectOptions,
  Listener,
  ListenOptions,
  Socket,
  SocketAdapter,
  SocketAddress,
  SocketInfo,
  TlsClientOptions,
  TlsServerOptions,
  TlsSession,
} from "@ftpkit/socket";

// One tls.Server per certificate handles every server-side handshake (raw sockets are
// handed to it as "connection" events), so that all of them share its session cache and
// ticket keys: what lets a data connection resume the control connection's session.
const tlsServers = new Map<string, { server: TlsServer; pending: Map<string, (s: TLSSocket | Error) => void> }>();
function keyOf(host: string | undefined, port: number | undefined, localPort: number | undefined): string {
  return `${host}:${port}:${localPort}`;
}
function serverHandshake(raw: NetSocket, tls: TlsServerOptions): Promise<TLSSocket> {
  const id = `${tls.cert}\0${tls.key}\0${tls.minVersion}\0${tls.maxVersion}`;
  let entry = tlsServers.get(id);
  if (entry === undefined) {
    // Node's ticket callback never renews a TLS 1.3 ticket on a resumed handshake; an
    // OpenSSL client (curl) then cannot resume a second data connection on TLS 1.3.
    const server = createTlsServer({ cert: tls.cert, key: tls.key, minVersion: tls.minVersion, maxVersion: tls.maxVersion });
    const pending = new Map<string, (s: TLSSocket | Error) => void>();
    // TLS 1.2 session IDs: Node keeps no server cache of its own, it asks these events.
    const sessions = new Map<string, Buffer>();
    server.on("newSession", (id: Buffer, data: Buffer, done: () => void) => {
      sessions.set(id.toString("hex"), data);
      if (sessions.size > 1000) sessions.delete(sessions.keys().next().value as string);
      done();
    });
    server.on("resumeSession", (id: Buffer, done: (e: Error | null, data: Buffer | null) => void) => {
      done(null, sessions.get(id.toString("hex")) ?? null);
    });
    server.on("secureConnection", (s: TLSSocket) => {
      const k = keyOf(s.remoteAddress, s.remotePort, s.localPort);
      pending.get(k)?.(s);
      pending.delete(k);
    });
    server.on("tlsClientError", (error: Error, s: TLSSocket) => {
      const k = keyOf(s.remoteAddress, s.remotePort, s.localPort);
      pending.get(k)?.(error);
      pending.delete(k);
    });
    entry = { server, pending };
    tlsServers.set(id, entry);
  }
  const { server, pending } = entry;
  return new Promise((resolve, reject) => {
    pending.set(keyOf(raw.remoteAddress, raw.remotePort, raw.localPort), (s) => (s instanceof Error ? reject(s) : resolve(s)));
    raw.resume();
    server.emit("connection", raw);
  });
}

/** A Socket whose TLS socket arrives later (server side): reads and writes wait for it. */
function deferredTls(raw: NetSocket, tls: TlsServerOptions): Socket {
  const ready = serverHandshake(raw, tls);
  return new DeferredSocket(ready);
}

function address(host: string | undefined, port: number | undefined, family: string | undefined): SocketAddress {
  return { hostname: host ?? "", port: port ?? 0, family: family === "IPv6" ? "IPv6" : "IPv4" };
}

class NodeSocket implements Socket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<SocketInfo>;
  readonly closed: Promise<void>;
  readonly #raw: NetSocket;
  readonly #serverTls: TlsServerOptions | undefined;
  #session: Buffer | undefined;
  #detached = false;

  constructor(raw: NetSocket, ready: Promise<void>, serverTls: TlsServerOptions | undefined) {
    this.#raw = raw;
    this.#serverTls = serverTls;
    raw.on("session", (s: Buffer) => {
      this.#session = s;
    });
    this.opened = ready.then(() => {
      const tls = raw instanceof TLSSocket
        ? {
            protocol: raw.getProtocol() ?? "",
            cipher: raw.getCipher()?.name,
            resumed: raw.isSessionReused(),
            authorized: raw.authorized,
          }
        : undefined;
      return {
        localAddress: address(raw.localAddress, raw.localPort, raw.localFamily),
        remoteAddress: address(raw.remoteAddress, raw.remotePort, raw.remoteFamily),
        tls,
      };
    });
    this.opened.catch(() => {});
    this.closed = new Promise((resolve) => raw.once("close", () => resolve()));
    raw.on("error", () => {});
    raw.pause();
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          raw.on("data", (chunk: Buffer) => {
            if (this.#detached) return;
            controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
            if ((controller.desiredSize ?? 0) <= 0) raw.pause();
          });
          raw.once("end", () => {
            if (!this.#detached) controller.close();
          });
          raw.once("close", () => {
            try {
              if (!this.#detached) controller.close();
            } catch {
              // already closed
            }
          });
        },
        pull: () => {
          if (!this.#detached) raw.resume();
        },
        cancel: () => {
          raw.destroy();
        },
      },
      { highWaterMark: 4 },
    );
    this.writable = new WritableStream<Uint8Array>({
      write: (chunk) =>
        new Promise((resolve, reject) => {
          raw.write(chunk, (e) => (e ? reject(new SocketError(e.message, { address: "", reason: "reset" })) : resolve()));
        }),
      close: () =>
        new Promise((resolve) => {
          raw.end(() => resolve());
        }),
      abort: () => {
        raw.destroy();
      },
    });
  }

  tlsSession(): TlsSession | undefined {
    return this.#session === undefined ? undefined : { runtime: "interim", data: this.#session };
  }

  startTls(options: TlsClientOptions = {}): Socket {
    this.#detached = true;
    this.#raw.removeAllListeners("data");
    this.#raw.removeAllListeners("end");
    if (this.#serverTls !== undefined) return deferredTls(this.#raw, this.#serverTls);
    const tls = tlsConnect({ socket: this.#raw, ca: options.ca, servername: options.servername, rejectUnauthorized: options.rejectUnauthorized ?? true, session: options.session?.data as Buffer | undefined });
    const ready = new Promise<void>((resolve, reject) => {
      tls.once("secureConnect", () => resolve());
      tls.once("error", reject);
    });
    return new NodeSocket(tls, ready, undefined);
  }

  async close(): Promise<void> {
    this.#raw.destroy();
    await this.closed;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

class DeferredSocket implements Socket {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  readonly opened: Promise<SocketInfo>;
  readonly closed: Promise<void>;
  readonly #inner: Promise<NodeSocket>;

  constructor(ready: Promise<TLSSocket>) {
    this.#inner = ready.then((tls) => new NodeSocket(tls, Promise.resolve(), undefined));
    this.#inner.catch(() => {});
    this.opened = this.#inner.then((s) => s.opened);
    this.opened.catch(() => {});
    this.closed = this.#inner.then((s) => s.closed, () => undefined);
    let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
    this.readable = new ReadableStream<Uint8Array>({
      pull: async (controller) => {
        reader ??= (await this.#inner).readable.getReader();
        const { value, done } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: async () => {
        await (await this.#inner).close();
      },
    }, { highWaterMark: 0 });
    let writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
    this.writable = new WritableStream<Uint8Array>({
      write: async (chunk) => {
        writer ??= (await this.#inner).writable.getWriter();
        await writer.write(chunk);
      },
      close: async () => {
        writer ??= (await this.#inner).writable.getWriter();
        await writer.close();
      },
    });
  }

  tlsSession(): TlsSession | undefined {
    return undefined;
  }

  startTls(): Socket {
    throw new Error("already TLS");
  }

  async close(): Promise<void> {
    try {
      await (await this.#inner).close();
    } catch {
      // handshake failed: nothing open
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

class NodeListener implements Listener {
  readonly address: SocketAddress;
  readonly #server: Server;
  readonly #queue: Socket[] = [];
  readonly #waiting: { resolve: (s: Socket) => void; reject: (e: Error) => void }[] = [];
  #closed = false;

  constructor(server: Server, options: ListenOptions) {
    this.#server = server;
    const a = server.address() as { address: string; port: number; family: string };
    this.address = address(a.address, a.port, a.family);
    server.on("connection", (raw: NetSocket) => {
      let socket: Socket;
      if (options.tls !== undefined && options.implicitTls) {
        socket = deferredTls(raw, options.tls);
      } else {
        socket = new NodeSocket(raw, Promise.resolve(), options.tls);
      }
      const w = this.#waiting.shift();
      if (w !== undefined) w.resolve(socket);
      else this.#queue.push(socket);
    });
  }

  accept(): Promise<Socket> {
    const s = this.#queue.shift();
    if (s !== undefined) return Promise.resolve(s);
    if (this.#closed) return Promise.reject(new SocketError("Listener closed", { address: "", reason: "closed" }));
    return new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) w.reject(new SocketError("Listener closed", { address: "", reason: "closed" }));
    // server.close() waits for accepted sockets to end; a Listener's close does not.
    this.#server.close();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Socket> {
    for (;;) {
      try {
        yield await this.accept();
      } catch {
        return;
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export function interimNodeSockets(): SocketAdapter {
  return {
    runtime: "node",
    capabilities: { listen: true, tlsSessionReuse: { tls12: true, tls13: true }, halfOpen: true, serverStartTls: true },
    async connect(options: ConnectOptions): Promise<Socket> {
      const raw = netConnect({ host: options.host, port: options.port });
      const ready = new Promise<void>((resolve, reject) => {
        raw.once("connect", () => resolve());
        raw.once("error", (e) => reject(new SocketError(`Cannot connect to "${options.host}:${options.port}": ${e.message}`, { address: `${options.host}:${options.port}`, reason: "refused", cause: e })));
      });
      const socket = new NodeSocket(raw, ready, undefined);
      await socket.opened;
      return socket;
    },
    async listen(options: ListenOptions): Promise<Listener> {
      const server = createServer({ pauseOnConnect: true });
      await new Promise<void>((resolve, reject) => {
        server.once("error", (e) => reject(new SocketError(e.message, { address: `${options.host}:${options.port}`, reason: "address-in-use", cause: e })));
        server.listen(options.port ?? 0, options.host, resolve);
      });
      return new NodeListener(server, options);
    },
  };
}
