/**
 * One data connection (RFC 959 §2.3): a socket with its reader and writer, byte
 * counters, and, in MODE B and C, the decoder state that outlives one file.
 *
 * @module
 */

import type { ModeDecoder, ModeEvent } from "@ftpkit/modes";
import type { Socket, SocketInfo } from "@ftpkit/socket";
import { IdleTimer } from "./idle-timer.ts";

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

  /** Sends bytes; resolves when the socket accepted them (backpressure). */
  async write(chunk: Uint8Array): Promise<void> {
    this.#writer ??= this.socket.writable.getWriter();
    await this.#writer.write(chunk);
    this.bytesSent += chunk.byteLength;
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
    try {
      await this.socket.close();
    } finally {
      this.#onClose(this);
    }
  }
}
