/**
 * One open data connection, read chunk by chunk with an idle limit.
 *
 * @module
 */

import { ConnectionResetError, FtpError, FtpTimeoutError, SocketError } from "@ftpkit/errors";
import type { Socket } from "@ftpkit/socket";
import type { TraceEvent } from "./options.ts";
import type { SessionStats } from "./stats.ts";

/** A data connection being read. */
export class DataChannel {
  readonly #socket: Socket;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #stats: SessionStats;
  readonly #trace: ((event: TraceEvent) => void) | undefined;
  readonly #idle: number;
  /** `host:port` of the peer. */
  readonly address: string;
  #error: FtpError | undefined;
  #ended = false;
  #closed = false;
  #reading = false;
  #last = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    socket: Socket,
    address: string,
    options: {
      stats: SessionStats;
      trace: ((event: TraceEvent) => void) | undefined;
      idleTimeout: number;
    },
  ) {
    this.#socket = socket;
    this.address = address;
    this.#reader = socket.readable.getReader();
    this.#stats = options.stats;
    this.#trace = options.trace;
    this.#idle = options.idleTimeout;
  }

  /** True once the peer ended the connection or it failed or was closed. */
  get ended(): boolean {
    return this.#ended || this.#closed || this.#error !== undefined;
  }

  /**
   * The next chunk, or undefined at the end of the connection. With `idleLimit` false
   * the wait has no time limit (a persistent connection idle between files).
   */
  read(idleLimit = true): Promise<Uint8Array | undefined> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#ended || this.#closed) return Promise.resolve(undefined);
    this.#reading = idleLimit;
    this.#last = Date.now();
    if (idleLimit) this.#arm();
    // Once per chunk: one `then` with handlers made once, no async frame of its own.
    return this.#reader.read().then(this.#onRead, this.#onReadError);
  }

  readonly #onRead = (result: ReadableStreamReadResult<Uint8Array>): Uint8Array | undefined => {
    this.#reading = false;
    if (this.#error !== undefined) throw this.#error;
    if (result.done) {
      this.#ended = true;
      return undefined;
    }
    this.#stats.bytesReceived += result.value.length;
    return result.value;
  };

  readonly #onReadError = (error: unknown): never => {
    this.#reading = false;
    this.#error ??= dataError(error, this.address);
    throw this.#error;
  };

  /** Puts the idle limit on a read started without it: data is expected now. */
  expectData(): void {
    if (this.#closed || this.#reading) return;
    this.#reading = true;
    this.#last = Date.now();
    this.#arm();
  }

  /**
   * Stops our direction (FIN). For downloads: vsftpd sends its 226 only once the client
   * has closed its end, so closing it early saves a round trip per file.
   */
  halfClose(): void {
    this.#socket.writable.close().catch(() => {});
  }

  /** Fails the pending and later reads with `error` and closes the connection. */
  fail(error: FtpError): void {
    this.#error ??= error;
    void this.close();
  }

  /** Closes the connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#trace?.({ type: "data-close", address: this.address });
    this.#reader.cancel().catch(() => {});
    await this.#socket.close().catch(() => {});
  }

  #arm(): void {
    if (this.#timer !== undefined || !(this.#idle > 0) || !Number.isFinite(this.#idle)) return;
    this.#timer = setTimeout(() => this.#check(), this.#idle);
  }

  #check(): void {
    this.#timer = undefined;
    if (!this.#reading || this.#closed) return;
    const quiet = Date.now() - this.#last;
    if (quiet >= this.#idle) {
      this.fail(
        new FtpTimeoutError(
          `No data from "${this.address}" for ${this.#idle} ms; the data connection was closed`,
        ),
      );
      return;
    }
    this.#timer = setTimeout(() => this.#check(), this.#idle - quiet);
  }
}

function dataError(error: unknown, address: string): FtpError {
  if (FtpError.isInstance(error)) return error;
  if (error instanceof SocketError) return error;
  return new ConnectionResetError(
    `The data connection "${address}" failed: ${error instanceof Error ? error.message : String(error)}`,
    { address, reason: "reset", cause: error },
  );
}
