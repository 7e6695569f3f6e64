/**
 * One direction of an in-memory connection: a bounded byte queue with TCP's semantics
 * (FIN after the queued bytes, reset, the reader going away).
 *
 * @module
 */

import { ConnectionResetError, SocketError } from "@ftpkit/errors";

/**
 * A bounded queue of chunks between a writer and a reader. `push` resolves once the
 * queue is below its high-water mark again, the way a kernel socket buffer makes a
 * blocking write wait.
 */
export class MemoryPipe {
  readonly #highWaterMark: number;
  readonly #address: string;
  #chunks: Uint8Array[] = [];
  #head = 0;
  #queued = 0;
  #ended = false;
  #readerGone = false;
  #error: SocketError | undefined;
  #readWaiter: (() => void) | undefined;
  #drainWaiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];

  /** `address` names the reading end in error messages. */
  constructor(highWaterMark: number, address: string) {
    this.#highWaterMark = highWaterMark;
    this.#address = address;
  }

  /** Bytes written and not yet read. */
  get queued(): number {
    return this.#queued;
  }

  /**
   * Queues a copy of `chunk` (a socket takes the bytes; the caller may reuse its buffer)
   * once the queue is below its high-water mark, as a blocking write waits for room in a
   * kernel buffer. The queue so holds at most the high-water mark plus one chunk.
   */
  push(chunk: Uint8Array): Promise<void> {
    const failure = this.#writeFailure();
    if (failure) return Promise.reject(failure);
    if (this.#ended) {
      return Promise.reject(
        new SocketError(`Cannot write to "${this.#address}": the writable side was closed`, {
          address: this.#address,
          reason: "closed",
        }),
      );
    }
    if (chunk.byteLength === 0) return Promise.resolve();
    const copy = chunk.slice();
    if (this.#queued < this.#highWaterMark) {
      this.#enqueue(copy);
      return Promise.resolve();
    }
    return new Promise((resolve, reject) =>
      this.#drainWaiters.push({
        resolve: () => {
          this.#enqueue(copy);
          resolve();
        },
        reject,
      }),
    );
  }

  #enqueue(chunk: Uint8Array): void {
    this.#chunks.push(chunk);
    this.#queued += chunk.byteLength;
    this.#wakeReader();
  }

  /** The writer is done (FIN): the reader gets the queued bytes, then the end. */
  end(): void {
    this.#ended = true;
    this.#wakeReader();
  }

  /** The next chunk, or `undefined` at the end; rejects when the pipe was reset. */
  async read(): Promise<Uint8Array | undefined> {
    for (;;) {
      if (this.#error) throw this.#error;
      if (this.#readerGone) return undefined;
      if (this.#head < this.#chunks.length) {
        const chunk = this.#chunks[this.#head]!;
        this.#chunks[this.#head++] = EMPTY;
        if (this.#head === this.#chunks.length) {
          this.#chunks = [];
          this.#head = 0;
        }
        this.#queued -= chunk.byteLength;
        if (this.#queued < this.#highWaterMark) this.#wakeWriters();
        return chunk;
      }
      if (this.#ended) return undefined;
      await new Promise<void>((resolve) => {
        this.#readWaiter = resolve;
      });
    }
  }

  /** The connection was reset: the reader gets `error`, a waiting writer too. */
  reset(error: SocketError): void {
    if (this.#error || this.#readerGone) return;
    this.#error = error;
    this.#drop();
  }

  /** The reader went away: queued bytes are dropped and further writes fail (RST). */
  closeReader(): void {
    if (this.#readerGone) return;
    this.#readerGone = true;
    this.#drop();
  }

  #drop(): void {
    this.#chunks = [];
    this.#head = 0;
    this.#queued = 0;
    this.#wakeReader();
    const failure = this.#writeFailure();
    for (const waiter of this.#drainWaiters.splice(0)) waiter.reject(failure);
  }

  #writeFailure(): SocketError | undefined {
    if (this.#error) return this.#error;
    if (this.#readerGone) {
      return new ConnectionResetError(`Connection to "${this.#address}" was reset by the peer`, {
        address: this.#address,
        reason: "reset",
      });
    }
    return undefined;
  }

  #wakeReader(): void {
    const waiter = this.#readWaiter;
    this.#readWaiter = undefined;
    waiter?.();
  }

  #wakeWriters(): void {
    while (this.#queued < this.#highWaterMark) {
      const waiter = this.#drainWaiters.shift();
      if (!waiter) return;
      waiter.resolve();
    }
  }
}

const EMPTY = new Uint8Array(0);
