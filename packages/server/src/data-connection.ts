/**
 * One data connection (RFC 959 §2.3): a socket with its reader and writer, byte
 * counters, and, in MODE B and C, the decoder state that outlives one file.
 *
 * @module
 */

import { nextTick } from "node:process";
import type { ModeDecoder, ModeEvent } from "@ftpkit/modes";
import type { Socket, SocketInfo } from "@ftpkit/socket";
import { IdleTimer } from "./idle-timer.ts";

/** What {@link DataConnection.buffer} gathers at most before it writes: about sixteen 16 KiB files. */
export const GATHER_BYTES = 256 * 1024;

const RESOLVED: Promise<void> = Promise.resolve();

/** A data connection between the server and a client. */
export class DataConnection {
  /** Its number in the server's log. */
  readonly id: number;
  readonly socket: Socket;
  readonly info: SocketInfo;
  readonly direction: "passive" | "active";
  bytesSent = 0;
  bytesReceived = 0;
  /** Transfers it carried. */
  transfers = 0;
  /** MODE B/C uploads: the decoder, kept across files, and events decoded past an EOF. */
  decoder: ModeDecoder | undefined;
  decoderKey = "";
  pending: ModeEvent[] = [];
  /** True once the peer's side ended (read returned done). */
  ended = false;
  /** The data timeout of the transfer running on it (one timer for all its transfers). */
  readonly watchdog: IdleTimer = new IdleTimer();
  #scratch: Uint8Array | undefined;
  /** Bytes gathered by `buffer`, not written yet. */
  #gathered: Uint8Array | undefined;
  #gatheredBytes = 0;
  #flushScheduled = false;
  /** The write of gathered bytes in flight. */
  #flushing: Promise<void> | undefined;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #writer: WritableStreamDefaultWriter<Uint8Array> | undefined;
  #closed = false;
  readonly #onClose: (connection: DataConnection) => void;

  constructor(
    id: number,
    socket: Socket,
    info: SocketInfo,
    direction: "passive" | "active",
    onClose: (connection: DataConnection) => void,
  ) {
    this.id = id;
    this.socket = socket;
    this.info = info;
    this.direction = direction;
    this.#onClose = onClose;
    void socket.closed.then(() => {
      this.ended = true;
    });
  }

  /** True once closed by either side as far as this server knows. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A buffer of at least `bytes` kept for this connection, to join small pieces into one
   * write; free again once that write has resolved (the socket took the bytes).
   */
  scratch(bytes: number): Uint8Array {
    if (this.#scratch === undefined || this.#scratch.length < bytes) {
      this.#scratch = new Uint8Array(bytes);
    }
    return this.#scratch;
  }

  /** Sends bytes (after any gathered ones); resolves when the socket accepted them (backpressure). */
  async write(chunk: Uint8Array): Promise<void> {
    if (this.#gatheredBytes > 0 || this.#flushing !== undefined) await this.flush();
    this.#writer ??= this.socket.writable.getWriter();
    await this.#writer.write(chunk);
    this.bytesSent += chunk.byteLength;
  }

  /**
   * Copies `chunk` to go out in one write with the bytes that follow it: the pieces of
   * many small files over a kept connection (MODE B, C, E), one write a batch instead of
   * one a file. Resolves at once while there is room; once {@link GATHER_BYTES} are
   * gathered it writes them and resolves when the socket accepted them, as `write` does
   * (backpressure). Whatever is gathered is written at the end of the tick at the latest
   * (and before `write`, `flush`, `finish` and `close`), so bytes never wait for I/O
   * in here: the session's replies go out after them.
   */
  async buffer(chunk: Uint8Array): Promise<void> {
    if (this.#flushing !== undefined) await this.#flushing;
    if (this.#gatheredBytes + chunk.length > GATHER_BYTES) await this.flush();
    if (chunk.length > GATHER_BYTES / 2) return this.write(chunk);
    this.#gather(chunk);
  }

  /**
   * What {@link buffer} does when that needs no wait: copies `pieces` to go out with the
   * bytes around them, and returns true; false, with nothing done, when a gathered write
   * is in flight or they do not fit in what is left to gather.
   */
  gatherNow(pieces: readonly Uint8Array[]): boolean {
    if (this.#flushing !== undefined || this.#closed) return false;
    let bytes = this.#gatheredBytes;
    for (let i = 0; i < pieces.length; i++) bytes += pieces[i]!.length;
    if (bytes > GATHER_BYTES) return false;
    for (let i = 0; i < pieces.length; i++) this.#gather(pieces[i]!);
    return true;
  }

  #gather(chunk: Uint8Array): void {
    this.#gathered ??= new Uint8Array(GATHER_BYTES);
    this.#gathered.set(chunk, this.#gatheredBytes);
    this.#gatheredBytes += chunk.length;
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      nextTick(this.#flushAtTickEnd);
    }
  }

  readonly #flushAtTickEnd = (): void => {
    this.#flushScheduled = false;
    void this.flush().catch(() => {});
  };

  /**
   * Writes what `buffer` gathered: the write starts now (before anything written after
   * this call), and the promise resolves once the socket accepted it.
   */
  flush(): Promise<void> {
    if (this.#gatheredBytes === 0) return this.#flushing ?? RESOLVED;
    const bytes = this.#gathered!.subarray(0, this.#gatheredBytes);
    this.#gatheredBytes = 0;
    this.#writer ??= this.socket.writable.getWriter();
    // The writer starts a write at once when none is in flight. Nothing is gathered
    // while this one is (`buffer` waits for it), so the buffer is free once it settled.
    const flushing: Promise<void> = this.#writer
      .write(bytes)
      .then(() => {
        this.bytesSent += bytes.byteLength;
      })
      .finally(() => {
        if (this.#flushing === flushing) this.#flushing = undefined;
      });
    this.#flushing = flushing;
    return flushing;
  }

  /** The next bytes from the peer, or undefined when it closed its side. */
  async read(): Promise<Uint8Array | undefined> {
    if (this.ended) return undefined;
    this.#reader ??= this.socket.readable.getReader();
    const { value, done } = await this.#reader.read();
    if (done) {
      this.ended = true;
      return undefined;
    }
    this.bytesReceived += value.byteLength;
    return value;
  }

  /** Half-closes (FIN after everything written) and then closes: the end of a STREAM file. */
  async finish(): Promise<void> {
    if (this.#closed) return;
    try {
      await this.flush();
      this.#writer ??= this.socket.writable.getWriter();
      await this.#writer.close();
    } catch {
      // The peer is gone already; closing is all that is left.
    }
    await this.close();
  }

  /** Closes at once. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.ended = true;
    this.watchdog.dispose();
    // What was gathered goes out first, as bytes written before the close would: the
    // socket sends what it took before its FIN.
    void this.flush().catch(() => {});
    try {
      await this.socket.close();
    } finally {
      this.#onClose(this);
    }
  }
}
