/**
 * A pull-based `ReadableStream` over a Node socket that reads ahead of its consumer.
 * `Readable.toWeb` reads at about 40 % of the raw `data` rate on this machine; this one
 * lets the socket flow while the read-ahead queue holds less than `readAhead` bytes and
 * pauses it above that, so reads and the consumer's work overlap and the socket is not
 * stopped and restarted for every chunk.
 *
 * The read-ahead lives in a queue of this class, not in the web stream (whose
 * `highWaterMark` is 0: a chunk only ever goes to a waiting read). That keeps it
 * reachable: {@link SocketReadable.detach} hands it back to the Node socket with
 * `unshift()`, where `tls.connect({ socket })` finds it, so bytes the peer sent right
 * after AUTH TLS (RFC 4217 §4) still reach the TLS handshake.
 *
 * A default (not `"bytes"`) stream: a byte stream's `enqueue` transfers the chunk's
 * ArrayBuffer, which Node may share between several `Buffer`s, and a {@link ReadSlab}
 * between several chunks.
 *
 * Chunks come from the socket's `data` events, or, for a socket created with a
 * {@link ReadSlab} as its `onread`, from the slab; such a socket is paused from the start
 * and resumed by the first pull.
 *
 * @module
 */

import type { Socket as NetSocket } from "node:net";
import type { ReadSlab } from "./read-slab.ts";

/** Queue slots are cleared with this so that consumed chunks can be collected. */
const FREED = new Uint8Array(0);

/** The readable side of a {@link NodeSocket}, driven by the socket's events. */
export class SocketReadable {
  /** Bytes from the peer: Node `Buffer`s, or views into a {@link ReadSlab}. */
  readonly stream: ReadableStream<Uint8Array>;
  readonly #socket: NetSocket;
  readonly #readAhead: number;
  readonly #resumeAt: number;
  /** Chunks come from this slab, not from `data` events. */
  readonly #slab: ReadSlab | undefined;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  /** Chunks read ahead, oldest at `#head`. */
  #queue: Uint8Array[] = [];
  #head = 0;
  /** Bytes in `#queue`. */
  #queued = 0;
  /** A read is waiting for the next chunk (the queue is empty). */
  #waiting = false;
  /** Listening to the socket (from the first pull on). */
  #started = false;
  /** The socket flows (resumed by us), as opposed to paused by us. */
  #flowing = false;
  /** The peer's end of stream arrived; the stream closes once the queue is read. */
  #ended = false;
  /** Nothing more goes to the stream (closed, errored, cancelled or detached). */
  #done = false;

  readonly #onData = (chunk: Uint8Array): void => {
    // A slab's socket may still read while a cancel closes it; nobody wants those bytes.
    if (this.#done) return;
    if (this.#waiting) {
      // The common case when the consumer keeps up: straight to the waiting read.
      this.#waiting = false;
      this.#controller.enqueue(chunk);
      return;
    }
    this.#queue.push(chunk);
    this.#queued += chunk.byteLength;
    if (this.#queued >= this.#readAhead) this.#pause();
  };

  /**
   * `onCancel` runs when the consumer cancels the stream. `readAhead` is how many bytes
   * may wait for the consumer before the socket is paused. With `slab`, the socket was
   * created with `onread: slab.onread`.
   */
  constructor(socket: NetSocket, onCancel: () => void, readAhead: number, slab?: ReadSlab) {
    this.#socket = socket;
    this.#slab = slab;
    if (slab !== undefined) {
      slab.sink = this.#onData;
      // Nothing is read before the first pull (a connecting socket stays unread).
      socket.pause();
    }
    this.#readAhead = Math.max(1, readAhead);
    // Resume once half the read-ahead is consumed: one pause and resume per half of it,
    // not per chunk, when the consumer is the slower side.
    this.#resumeAt = this.#readAhead >> 1;
    // Nothing listens before the first pull: until then the socket buffers what it reads
    // itself (up to its own highWaterMark), and a listener's pauseOnConnect holds.
    this.stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
        },
        pull: () => this.#pull(),
        cancel: () => {
          if (this.#finish()) onCancel();
        },
      },
      { highWaterMark: 0 },
    );
  }

  /** The peer's end of stream arrived (after every byte). */
  end(): void {
    if (this.#done || this.#ended) return;
    this.#ended = true;
    if (this.#head === this.#queue.length && this.#finish()) this.#controller.close();
  }

  /** The socket failed: pending and later reads reject with `error`. */
  fail(error: unknown): void {
    // After the peer's end every byte is here; a later failure (a reset on close) loses none.
    if (this.#ended) return;
    if (this.#finish()) this.#controller.error(error);
  }

  /**
   * Stops reading and puts what was read ahead back into the Node socket, in order,
   * so that a TLS socket taking it over (`tls.connect({ socket })`) reads it first.
   * The stream ends; a read pending on it resolves as done.
   */
  detach(): void {
    const socket = this.#socket;
    socket.pause();
    const queue = this.#queue;
    const head = this.#head;
    this.#ended = true;
    if (this.#finish()) this.#controller.close();
    if (!socket.readableEnded) {
      for (let i = queue.length - 1; i >= head; i--) socket.unshift(queue[i]!);
    }
  }

  #pull(): void {
    if (this.#head < this.#queue.length) {
      const chunk = this.#take();
      this.#controller.enqueue(chunk);
      if (this.#ended) {
        if (this.#head === this.#queue.length && this.#finish()) this.#controller.close();
      } else if (!this.#flowing && this.#queued <= this.#resumeAt) {
        this.#resume();
      }
      return;
    }
    if (this.#ended) {
      if (this.#finish()) this.#controller.close();
      return;
    }
    this.#waiting = true;
    if (!this.#started) {
      this.#started = true;
      if (this.#slab === undefined) this.#socket.on("data", this.#onData);
    }
    if (!this.#flowing) this.#resume();
  }

  /** The oldest queued chunk, removed from the queue. */
  #take(): Uint8Array {
    const queue = this.#queue;
    const chunk = queue[this.#head]!;
    queue[this.#head++] = FREED;
    this.#queued -= chunk.byteLength;
    if (this.#head === queue.length) {
      queue.length = 0;
      this.#head = 0;
    } else if (this.#head >= 1024) {
      // A consumer that never drains the queue completely: drop the read slots.
      queue.splice(0, this.#head);
      this.#head = 0;
    }
    return chunk;
  }

  #resume(): void {
    this.#flowing = true;
    this.#socket.resume();
  }

  #pause(): void {
    this.#flowing = false;
    this.#socket.pause();
  }

  #finish(): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.#waiting = false;
    this.#queue = [];
    this.#head = 0;
    this.#queued = 0;
    if (this.#started && this.#slab === undefined) this.#socket.off("data", this.#onData);
    return true;
  }
}
