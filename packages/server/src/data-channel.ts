/**
 * How a session gets its data connections: passive (PASV/EPSV, we listen) or active
 * (PORT/EPRT, we connect), and the persistent connection of MODE B and C that carries
 * file after file until a new PASV/EPSV/PORT/EPRT replaces it.
 *
 * @module
 */

import { FtpError, formatAddress } from "@ftpkit/errors";
import type { HostPort } from "@ftpkit/reply";
import type {
  Listener,
  Socket,
  SocketAdapter,
  SocketAddress,
  TlsServerOptions,
} from "@ftpkit/socket";
import { canonicalHost } from "./data-address.ts";
import { DataConnection } from "./data-connection.ts";
import type { PassiveOptions } from "./options.ts";
import type { LogRecord } from "./server-log.ts";
import type { TransferStop } from "./transfer-stop.ts";

/** A data connection could not be had; `code` is the reply to send (425, 522). */
export class DataConnectionError extends FtpError {
  static override readonly errorName: string = "DataConnectionError";
}

/** What a data channel needs from its session and server. */
export interface DataChannelContext {
  sockets: SocketAdapter;
  session: number;
  record: (entry: LogRecord) => void;
  nextConnectionId: () => number;
  /** The client's address on the control connection: data connections must come from it. */
  controlRemote: SocketAddress;
  /** The server's address on the control connection: passive listeners bind there. */
  controlLocal: SocketAddress;
  passive: PassiveOptions;
  dataTimeout: number;
  /** Certificate for PROT P data connections. */
  tls: TlsServerOptions | undefined;
  requireSessionReuse: boolean;
  /** Adds a closed connection's bytes to the log's counters. */
  addBytes: (sent: number, received: number) => void;
}

interface PassiveSetup {
  listener: Listener;
  accepted: Promise<Socket>;
  secure: boolean;
}

let portCursor = 0;

/** Resolves after `ms`, or rejects with `error()` then; `clear` cancels. */
function deadline(ms: number, error: () => Error): { promise: Promise<never>; clear: () => void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  promise.catch(() => {});
  return { promise, clear: () => clearTimeout(timer) };
}

/** The data side of one session. */
export class DataChannel {
  readonly #ctx: DataChannelContext;
  #passive: PassiveSetup | undefined;
  #active: HostPort | undefined;
  #activeSecure = false;
  /** The connection kept open after a MODE B/C transfer. */
  #kept: DataConnection | undefined;
  readonly #open = new Set<DataConnection>();

  constructor(ctx: DataChannelContext) {
    this.#ctx = ctx;
  }

  /** True when a kept MODE B/C connection is still open: the next transfer answers 125. */
  get hasKeptConnection(): boolean {
    return this.#kept !== undefined && !this.#kept.closed && !this.#kept.ended;
  }

  /** The kept MODE B/C/E connection while {@link hasKeptConnection} is true. */
  get kept(): DataConnection | undefined {
    return this.hasKeptConnection ? this.#kept : undefined;
  }

  /** True when PASV/EPSV/PORT/EPRT prepared a connection that was not used yet. */
  get isPrepared(): boolean {
    return this.#passive !== undefined || this.#active !== undefined;
  }

  /** The prepared direction, for the 150 text. */
  get preparedDirection(): "passive" | "active" | undefined {
    return this.#passive !== undefined
      ? "passive"
      : this.#active !== undefined
        ? "active"
        : undefined;
  }

  /**
   * PASV/EPSV: listens for the client's data connection and returns the listening
   * address. Replaces whatever was prepared or kept before.
   */
  async listenPassive(secure: boolean): Promise<SocketAddress> {
    await this.reset();
    const host = this.#ctx.controlLocal.hostname;
    const tls = secure ? this.#ctx.tls : undefined;
    const listener = await this.#listen(host, tls);
    const accepted = this.#acceptFromClient(listener);
    accepted.catch(() => {});
    this.#passive = { listener, accepted, secure };
    return listener.address;
  }

  async #listen(host: string, tls: TlsServerOptions | undefined): Promise<Listener> {
    const range = this.#ctx.passive.ports;
    const base = tls === undefined ? { host } : { host, tls, implicitTls: true };
    if (range === undefined) return this.#ctx.sockets.listen({ ...base, port: 0 });
    const count = range.to - range.from + 1;
    let lastError: unknown;
    for (let i = 0; i < count; i++) {
      const port = range.from + ((portCursor++ + i) % count);
      try {
        return await this.#ctx.sockets.listen({ ...base, port });
      } catch (error) {
        lastError = error;
      }
    }
    throw new DataConnectionError(
      `No free passive port in ${range.from}-${range.to} on "${host}"`,
      { code: 425, cause: lastError },
    );
  }

  /** Accepts until a connection from the client's own address arrives (others are dropped: data theft). */
  async #acceptFromClient(listener: Listener): Promise<Socket> {
    const want = canonicalHost(this.#ctx.controlRemote.hostname);
    try {
      for (;;) {
        const socket = await listener.accept();
        let info: Awaited<Socket["opened"]>;
        try {
          info = await socket.opened;
        } catch {
          await socket.close();
          continue;
        }
        if (canonicalHost(info.remoteAddress.hostname) === want) return socket;
        this.#ctx.record({
          kind: "fault",
          session: this.#ctx.session,
          fault: "foreign-data-connection",
          detail: `refused a data connection from "${formatAddress(info.remoteAddress.hostname, info.remoteAddress.port)}"`,
        });
        await socket.close();
      }
    } finally {
      await listener.close();
    }
  }

  /** PORT/EPRT: the server will connect to `address` at the next transfer. */
  async setActive(address: HostPort, secure: boolean): Promise<void> {
    await this.reset();
    this.#active = address;
    this.#activeSecure = secure;
  }

  /**
   * The data connection for a transfer: the kept one (MODE B/C), or the prepared one
   * (accepted or connected now). Rejects with a {@link DataConnectionError} carrying
   * the reply code.
   */
  async connection(abort: TransferStop): Promise<{ connection: DataConnection; reused: boolean }> {
    if (this.hasKeptConnection) return { connection: this.#kept!, reused: true };
    await this.#dropKept();
    const timeout = deadline(
      this.#ctx.dataTimeout,
      () =>
        new DataConnectionError(`No data connection within ${this.#ctx.dataTimeout} ms`, {
          code: 425,
        }),
    );
    const aborted = new Promise<never>((_, reject) => {
      const fail = (): void => reject(new DataConnectionError("Transfer aborted", { code: 426 }));
      if (abort.aborted) fail();
      else abort.onAbort(fail);
    });
    aborted.catch(() => {});
    try {
      let socket: Socket;
      let direction: "passive" | "active";
      let secure: boolean;
      if (this.#passive !== undefined) {
        const setup = this.#passive;
        this.#passive = undefined;
        direction = "passive";
        secure = setup.secure;
        socket = await Promise.race([setup.accepted, timeout.promise, aborted]).catch(
          async (error) => {
            await setup.listener.close();
            setup.accepted.then((s) => s.close()).catch(() => {});
            throw error;
          },
        );
      } else if (this.#active !== undefined) {
        const address = this.#active;
        this.#active = undefined;
        direction = "active";
        secure = this.#activeSecure;
        if (secure) {
          throw new DataConnectionError(
            "TLS data connections in active mode are not supported by this server; use PASV or EPSV",
            { code: 534 },
          );
        }
        try {
          socket = await this.#ctx.sockets.connect({
            host: address.host,
            port: address.port,
            timeout: this.#ctx.dataTimeout,
            signal: abort.signal,
          });
        } catch (error) {
          throw new DataConnectionError(
            `Cannot open data connection to "${formatAddress(address.host, address.port)}": ${(error as Error).message}`,
            { code: 425, cause: error },
          );
        }
      } else {
        throw new DataConnectionError("Use PORT, PASV, EPRT or EPSV first", { code: 425 });
      }
      const info = await Promise.race([socket.opened, timeout.promise, aborted]).catch(
        async (error) => {
          await socket.close();
          throw new DataConnectionError(`Data connection failed: ${(error as Error).message}`, {
            code: 425,
            cause: error,
          });
        },
      );
      const connection = new DataConnection(
        this.#ctx.nextConnectionId(),
        socket,
        info,
        direction,
        (c) => this.#closed(c),
      );
      this.#open.add(connection);
      this.#ctx.record({
        kind: "data-open",
        session: this.#ctx.session,
        connection: connection.id,
        direction,
        remote: formatAddress(info.remoteAddress.hostname, info.remoteAddress.port),
        secure: info.tls !== undefined,
        ...(info.tls !== undefined ? { resumed: info.tls.resumed } : {}),
      });
      if (secure && info.tls === undefined) {
        await connection.close();
        throw new DataConnectionError("Data connection did not negotiate TLS", { code: 522 });
      }
      if (secure && this.#ctx.requireSessionReuse && info.tls?.resumed !== true) {
        await connection.close();
        throw new DataConnectionError("SSL connection failed: session reuse required", {
          code: 522,
        });
      }
      return { connection, reused: false };
    } finally {
      timeout.clear();
    }
  }

  /**
   * Starts writing the bytes gathered on the open data connections: a reply about to go
   * out on the control connection goes after them.
   */
  flush(): void {
    for (const connection of this.#open) void connection.flush().catch(() => {});
  }

  /** After a MODE B/C transfer: keep the connection for the next one. */
  keep(connection: DataConnection): void {
    if (!connection.closed) this.#kept = connection;
  }

  #closed(connection: DataConnection): void {
    this.#open.delete(connection);
    if (this.#kept === connection) this.#kept = undefined;
    this.#ctx.addBytes(connection.bytesSent, connection.bytesReceived);
    this.#ctx.record({
      kind: "data-close",
      session: this.#ctx.session,
      connection: connection.id,
      bytesSent: connection.bytesSent,
      bytesReceived: connection.bytesReceived,
      transfers: connection.transfers,
    });
  }

  async #dropKept(): Promise<void> {
    const kept = this.#kept;
    this.#kept = undefined;
    if (kept !== undefined) await kept.close();
  }

  /** Forgets what was prepared and closes the kept connection (new PASV/PORT, MODE change, REIN). */
  async reset(): Promise<void> {
    const passive = this.#passive;
    this.#passive = undefined;
    this.#active = undefined;
    if (passive !== undefined) {
      await passive.listener.close();
      passive.accepted.then((s) => s.close()).catch(() => {});
    }
    await this.#dropKept();
  }

  /** Closes everything: the session ends. */
  async close(): Promise<void> {
    await this.reset();
    await Promise.all([...this.#open].map((c) => c.close()));
  }
}
