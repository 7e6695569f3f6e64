/**
 * The server: listens, admits sessions within the limits, and runs each one.
 *
 * @module
 */

import { FtpUsageError, formatAddress } from "@ftpkit/errors";
import { encodeReply } from "@ftpkit/reply";
import type { Listener, Socket, SocketAddress } from "@ftpkit/socket";
import { canonicalHost } from "./data-address.ts";
import { type FaultOptions, FaultState } from "./faults.ts";
import { type ResolvedLimits, resolveLimits, type ServerOptions } from "./options.ts";
import { READ_AHEAD_SERVER_FILES, ReadAheadBudget } from "./read-ahead.ts";
import { ServerLog } from "./server-log.ts";
import { Session, type SessionHost } from "./session.ts";
import { FileOpener } from "./storage/file-opener.ts";
import { memoryStorage } from "./storage/memory-storage.ts";
import type { Storage } from "./storage/types.ts";

/** Where {@link FtpServer.listen} listens. */
export interface ServerListenOptions {
  /** Default `"127.0.0.1"`. */
  host?: string;
  /** Default 0: a free port, reported in the returned address. */
  port?: number;
}

/**
 * A running FTP server. Dispose it (`await using`) or call `close()`; both are
 * idempotent.
 */
export interface FtpServer extends AsyncDisposable {
  /** Starts listening; resolves with the real address (the port chosen for port 0). */
  listen(options?: ServerListenOptions): Promise<SocketAddress>;
  /** The listening address, once listening. */
  readonly address: SocketAddress | undefined;
  /** `ftp://host:port` (or `ftps://` for implicit TLS), once listening. */
  readonly url: string;
  /** Commands, replies, data connections and transfers, with exact counters. */
  readonly log: ServerLog;
  /** The storage sessions see (unless a login grant gives another). */
  readonly storage: Storage;
  /** The faults in force; assigning replaces them (and their `times` counters). */
  faults: FaultOptions;
  /** Sessions connected now. */
  readonly sessionCount: number;
  /** Stops listening and ends every session. */
  close(): Promise<void>;
}

const realSleep = (ms: number): Promise<void> =>
  ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms));

class Server implements FtpServer, SessionHost {
  readonly options: ServerOptions;
  readonly limits: ResolvedLimits;
  readonly log: ServerLog;
  readonly storage: Storage;
  readonly sleep: (ms: number) => Promise<void>;
  readonly readAheadBudget: ReadAheadBudget = new ReadAheadBudget(READ_AHEAD_SERVER_FILES);
  readonly fileOpener: FileOpener = new FileOpener();
  #faults: FaultState;
  #listener: Listener | undefined;
  #acceptLoop: Promise<void> | undefined;
  readonly #sessions = new Set<Session>();
  readonly #perIp = new Map<string, number>();
  #sessionIds = 0;
  #connectionIds = 0;
  #closed: Promise<void> | undefined;

  constructor(options: ServerOptions) {
    if (options.sockets === undefined) {
      throw new FtpUsageError(
        "createServer needs a socket adapter: createServer({ sockets: nodeSockets() }) (or denoSockets(), bunSockets())",
      );
    }
    if (options.tls !== undefined && (!options.tls.cert || !options.tls.key)) {
      throw new FtpUsageError("tls needs both cert and key (PEM)");
    }
    this.options = options;
    this.limits = resolveLimits(options.limits);
    this.log = new ServerLog(options.logEntries ?? 100_000);
    this.storage = options.storage ?? memoryStorage();
    this.sleep = options.sleep ?? realSleep;
    this.#faults = new FaultState(options.faults);
  }

  get faults(): FaultOptions {
    return this.#faults.options;
  }

  set faults(value: FaultOptions) {
    this.#faults = new FaultState(value);
  }

  /** The live fault state, for sessions. */
  get faultState(): FaultState {
    return this.#faults;
  }

  get address(): SocketAddress | undefined {
    return this.#listener?.address;
  }

  get url(): string {
    const a = this.#listener?.address;
    if (a === undefined)
      throw new FtpUsageError("The server is not listening yet: await server.listen() first");
    return `${this.options.tls?.implicit ? "ftps" : "ftp"}://${formatAddress(a.hostname, a.port)}`;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  nextConnectionId(): number {
    return ++this.#connectionIds;
  }

  async listen(options: ServerListenOptions = {}): Promise<SocketAddress> {
    if (this.#closed !== undefined) throw new FtpUsageError("The server was closed");
    if (this.#listener !== undefined) throw new FtpUsageError("The server is already listening");
    const tls = this.options.tls;
    this.#listener = await this.options.sockets.listen({
      host: options.host ?? "127.0.0.1",
      port: options.port ?? 0,
      ...(tls === undefined
        ? {}
        : {
            tls: {
              cert: tls.cert,
              key: tls.key,
              minVersion: tls.minVersion,
              maxVersion: tls.maxVersion,
            },
            implicitTls: tls.implicit ?? false,
          }),
    });
    this.#acceptLoop = this.#accept(this.#listener);
    return this.#listener.address;
  }

  async #accept(listener: Listener): Promise<void> {
    for (;;) {
      let socket: Socket;
      try {
        socket = await listener.accept();
      } catch {
        return;
      }
      void this.#admit(socket);
    }
  }

  async #admit(socket: Socket): Promise<void> {
    let info: Awaited<Socket["opened"]>;
    try {
      info = await socket.opened;
    } catch {
      await socket.close();
      return;
    }
    const id = ++this.#sessionIds;
    const ip = canonicalHost(info.remoteAddress.hostname);
    const remote = formatAddress(info.remoteAddress.hostname, info.remoteAddress.port);
    const refused =
      this.#closed !== undefined
        ? "server closing"
        : this.#sessions.size >= this.limits.maxSessions
          ? `too many sessions (limit ${this.limits.maxSessions})`
          : (this.#perIp.get(ip) ?? 0) >= this.limits.maxSessionsPerIp
            ? `too many sessions from ${ip} (limit ${this.limits.maxSessionsPerIp})`
            : undefined;
    if (refused !== undefined) {
      this.log.record({ kind: "connect", session: id, remote, refused });
      try {
        const writer = socket.writable.getWriter();
        await writer.write(encodeReply(421, `Service not available: ${refused}`));
      } catch {
        // Gone already.
      }
      await socket.close();
      return;
    }
    this.log.record({ kind: "connect", session: id, remote });
    this.#perIp.set(ip, (this.#perIp.get(ip) ?? 0) + 1);
    const session = new Session(id, this, socket, info);
    this.#sessions.add(session);
    try {
      await session.run(this.options.greeting ?? "ftpkit server ready");
    } catch {
      // A session's failure ends that session only.
    } finally {
      this.#sessions.delete(session);
      const left = (this.#perIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.#perIp.delete(ip);
      else this.#perIp.set(ip, left);
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#listener?.close();
      await this.#acceptLoop;
      for (const session of this.#sessions) session.close("server closing");
      await Promise.all([...this.#sessions].map((s) => s.done));
      await this.fileOpener.close();
    })();
    return this.#closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Creates an FTP server. It does nothing until `listen()`.
 *
 * @example
 * ```ts
 * import { createServer, memoryStorage } from "@ftpkit/server";
 * import { nodeSockets } from "@ftpkit/socket-node";
 *
 * await using server = createServer({
 *   sockets: nodeSockets(),
 *   storage: memoryStorage({ "hello.txt": "hello\n" }),
 *   users: { anna: "secret" },
 * });
 * const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
 * // ftp://anna:secret@127.0.0.1:<port>/hello.txt
 * ```
 */
export function createServer(options: ServerOptions): FtpServer {
  return new Server(options);
}
