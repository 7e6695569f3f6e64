/**
 * One direction of a proxied connection: every chunk read from `source` is written to
 * the destination `delayMs` after it arrived, in arrival order, unchanged. The end of
 * the stream (FIN) and a reset travel the same way, behind the bytes before them.
 *
 * @module
 */

import type { Socket } from "node:net";

type Item =
  | { due: number; arrived: number; kind: "data"; chunk: Buffer }
  | { due: number; arrived: number; kind: "end" }
  | { due: number; arrived: number; kind: "destroy" };

/** What a pipe measured: bytes, chunks and how late chunks really left. */
export interface PipeMeter {
  bytes: number;
  chunks: number;
  /** Sum over chunks of (time written − time arrived), in milliseconds. */
  delaySumMs: number;
}

/** Options of {@link DelayedPipe}. */
export interface DelayedPipeOptions {
  /** One-way delay in milliseconds (half the round-trip time). */
  delayMs: number;
  /** Pause reading from the source while this many bytes wait. Default 32 MiB. */
  highWaterBytes?: number;
  /** Called for every chunk when it arrives (before the delay). */
  onChunk?: (chunk: Buffer) => void;
  /** Called for every chunk when it is written on (after the delay). */
  onForward?: (chunk: Buffer) => void;
  meter: PipeMeter;
}

/**
 * Forwards `source` to a destination that may not exist yet (the upstream connection
 * is opened `delayMs` after the client connected, as a SYN would take that long).
 * Backpressure: reading pauses while too many bytes wait for their time or for the
 * destination to drain.
 */
export class DelayedPipe {
  readonly #source: Socket;
  readonly #options: DelayedPipeOptions;
  readonly #high: number;
  readonly #queue: Item[] = [];
  #head = 0;
  #queuedBytes = 0;
  #destination: Socket | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerDue = Number.POSITIVE_INFINITY;
  #paused = false;
  #done = false;

  constructor(source: Socket, options: DelayedPipeOptions) {
    this.#source = source;
    this.#options = options;
    this.#high = options.highWaterBytes ?? 32 * 1024 * 1024;
    source.on("data", (chunk: Buffer) => {
      options.onChunk?.(chunk);
      this.#push({ due: 0, arrived: 0, kind: "data", chunk });
    });
    source.on("end", () => this.#push({ due: 0, arrived: 0, kind: "end" }));
    // A reset (or any error) is passed on as a reset of the other side, in order.
    source.on("error", () => this.#push({ due: 0, arrived: 0, kind: "destroy" }));
    source.on("close", (hadError: boolean) => {
      if (hadError) this.#push({ due: 0, arrived: 0, kind: "destroy" });
    });
  }

  /** Starts writing to `destination` (items already due go out at once). */
  attach(destination: Socket): void {
    this.#destination = destination;
    destination.on("drain", () => this.#flush());
    this.#flush();
  }

  #push(item: Item): void {
    if (this.#done) return;
    const now = performance.now();
    item.arrived = now;
    item.due = now + this.#options.delayMs;
    if (item.kind === "data") {
      this.#queuedBytes += item.chunk.length;
      if (this.#queuedBytes > this.#high && !this.#paused) {
        this.#paused = true;
        this.#source.pause();
      }
    } else {
      // Nothing after the end or a reset is forwarded.
      this.#done = item.kind === "destroy";
    }
    this.#queue.push(item);
    if (this.#queue.length - this.#head === 1) this.#flush();
  }

  #flush(): void {
    const destination = this.#destination;
    if (destination === undefined) return;
    const now = performance.now();
    const meter = this.#options.meter;
    while (this.#head < this.#queue.length) {
      const item = this.#queue[this.#head]!;
      // Timers fire up to a millisecond late; anything due within 0.5 ms goes now.
      if (item.due > now + 0.5) {
        this.#arm(item.due - now);
        break;
      }
      if (item.kind === "data" && destination.writableNeedDrain) break;
      this.#queue[this.#head] = undefined as unknown as Item;
      this.#head++;
      if (destination.destroyed) continue;
      if (item.kind === "data") {
        this.#queuedBytes -= item.chunk.length;
        meter.bytes += item.chunk.length;
        meter.chunks++;
        meter.delaySumMs += now - item.arrived;
        this.#options.onForward?.(item.chunk);
        destination.write(item.chunk);
      } else if (item.kind === "end") {
        destination.end();
      } else {
        // A reset is passed on as a reset (RST), not as a FIN.
        destination.resetAndDestroy();
      }
    }
    // Forwarded items leave the array in batches, so a long transfer does not keep them.
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    if (this.#paused && this.#queuedBytes <= this.#high / 2) {
      this.#paused = false;
      this.#source.resume();
    }
  }

  #arm(inMs: number): void {
    const due = performance.now() + inMs;
    if (this.#timer !== undefined && this.#timerDue <= due) return;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerDue = due;
    this.#timer = setTimeout(
      () => {
        this.#timer = undefined;
        this.#timerDue = Number.POSITIVE_INFINITY;
        this.#flush();
      },
      Math.max(0, Math.floor(inMs)),
    );
  }

  /** Drops whatever waits and stops the timer. */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#queue.length = 0;
    this.#head = 0;
    this.#done = true;
  }
}
