/**
 * One data connection as a sequence of per-file body streams, with backpressure.
 *
 * @module
 */

import { FtpAbortError, FtpUsageError } from "@ftpkit/errors";
import { type ByteSource, type ChunkPuller, pullChunks } from "./byte-source.ts";
import { FileSplitter, type FileSplitterEvent, type FileSplitterOptions } from "./file-splitter.ts";
import type { TransferMode } from "./types.ts";

/** Options of {@link splitFileBodies}. */
export interface FileBodiesOptions extends FileSplitterOptions {
  /** Called with each restart marker the sender embeds (B, C, E), in order with the data. */
  onRestart?: (marker: string, fileIndex: number) => void;
}

interface CurrentBody {
  index: number;
  controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  finished: boolean;
  cancelled: boolean;
}

/**
 * Reads the files of one data connection (modes B, C and E carry many; S and Z one) as one
 * `ReadableStream` body per file.
 *
 * Contract:
 * - `nextFile()` resolves with the next file's body as soon as the first event of that file
 *   has arrived (an empty file's body closes at once), or with `undefined` when the
 *   connection closed cleanly between files.
 * - A body ends at its file's EOF marker; the bytes after it, in the same chunk or later,
 *   belong to the next file. The source is read only when a body is pulled (or when
 *   `nextFile()` looks for the next file), so a slow consumer slows the connection.
 * - Bodies come strictly in order. Calling `nextFile()` before the previous body was read
 *   to its end drains (reads and discards) the rest of it; that body then errors with
 *   `FtpAbortError` unless it was cancelled. Cancelling a body only marks it: its remaining
 *   bytes are drained by the next `nextFile()`.
 * - A connection that closes inside a file errors that body (and `nextFile()`) with
 *   `TruncatedTransferError` carrying the bytes delivered; malformed input with
 *   `FtpProtocolError`. Errors are sticky.
 * - `cancel()` / `[Symbol.asyncDispose]()` stop the source and error an open body with
 *   `FtpAbortError`; calling them twice is harmless. The object is also an async iterator of
 *   bodies; `break` in `for await` cancels.
 *
 * @example
 * ```ts
 * await using files = splitFileBodies("B", dataConnection.readable);
 * for (const path of paths) {
 *   const body = await files.nextFile();
 *   if (body === undefined) throw new Error(`connection closed before ${path}`);
 *   await body.pipeTo(openSink(path));
 * }
 * ```
 */
export class FileBodies
  implements AsyncIterableIterator<ReadableStream<Uint8Array>>, AsyncDisposable
{
  readonly #source: ChunkPuller;
  readonly #splitter: FileSplitter;
  readonly #onRestart: ((marker: string, fileIndex: number) => void) | undefined;
  #queue: FileSplitterEvent[] = [];
  #head = 0;
  #sourceDone = false;
  #error: unknown;
  #failed = false;
  #closed = false;
  #current: CurrentBody | undefined;
  #nextIndex = 0;
  #chain: Promise<unknown> = Promise.resolve();

  constructor(mode: TransferMode, source: ByteSource, options: FileBodiesOptions = {}) {
    this.#source = pullChunks(source);
    this.#splitter = new FileSplitter(mode, options);
    this.#onRestart = options.onRestart;
  }

  /** Files whose body has been read (or drained) to its end. */
  get filesCompleted(): number {
    return this.#splitter.filesCompleted;
  }

  /** The next file's body, or `undefined` when the connection ended between files. */
  nextFile(): Promise<ReadableStream<Uint8Array> | undefined> {
    return this.#locked(async () => {
      if (this.#closed) throw new FtpUsageError("These file bodies were cancelled");
      const previous = this.#current;
      if (previous !== undefined && !previous.finished) {
        await this.#drain(previous);
      }
      this.#current = undefined;
      if ((await this.#peek()) === undefined) return undefined;
      const body: CurrentBody = {
        index: this.#nextIndex++,
        controller: undefined,
        finished: false,
        cancelled: false,
      };
      this.#current = body;
      return new ReadableStream<Uint8Array>(
        {
          start: (controller) => {
            body.controller = controller;
          },
          pull: (controller) => this.#locked(() => this.#pull(body, controller)),
          cancel: () => {
            body.cancelled = true;
          },
        },
        { highWaterMark: 0 },
      );
    });
  }

  /** Iterator protocol: `{ value: body }` per file, `{ done: true }` at a clean end. */
  async next(): Promise<IteratorResult<ReadableStream<Uint8Array>, undefined>> {
    const body = await this.nextFile();
    return body === undefined ? { done: true, value: undefined } : { done: false, value: body };
  }

  /** Iterator protocol: `break` in `for await` cancels the source. */
  async return(): Promise<IteratorResult<ReadableStream<Uint8Array>, undefined>> {
    await this.cancel();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stops reading: cancels the source, errors an unfinished body. Harmless twice. */
  async cancel(reason?: unknown): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const error = new FtpAbortError("The data connection's file bodies were cancelled", {
      cause: reason,
    });
    const current = this.#current;
    if (current !== undefined && !current.finished && !current.cancelled) {
      current.finished = true;
      try {
        current.controller?.error(error);
      } catch {
        // Already closed by its reader.
      }
    }
    if (!this.#failed) {
      this.#failed = true;
      this.#error = error;
    }
    await this.#source.cancel(reason);
  }

  /** Same as {@link cancel}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.cancel();
  }

  #locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#chain.then(fn);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #pull(
    body: CurrentBody,
    controller: ReadableStreamDefaultController<Uint8Array>,
  ): Promise<void> {
    if (body.finished) return;
    for (;;) {
      let ev: FileSplitterEvent | undefined;
      try {
        ev = await this.#take();
      } catch (error) {
        body.finished = true;
        controller.error(error);
        return;
      }
      if (ev === undefined) {
        // Cannot happen: the splitter throws when the connection ends inside a file.
        body.finished = true;
        controller.close();
        return;
      }
      if (ev.type === "data") {
        controller.enqueue(ev.data);
        return;
      }
      if (ev.type === "fileEnd") {
        body.finished = true;
        controller.close();
        return;
      }
      if (ev.type === "restart") this.#onRestart?.(ev.marker, body.index);
    }
  }

  async #drain(body: CurrentBody): Promise<void> {
    for (;;) {
      const ev = await this.#take();
      if (ev === undefined || ev.type === "fileEnd") break;
      if (ev.type === "restart") this.#onRestart?.(ev.marker, body.index);
    }
    body.finished = true;
    if (!body.cancelled) {
      try {
        body.controller?.error(
          new FtpAbortError(
            `File body #${body.index} was skipped: the next file was requested before it was read to its end`,
          ),
        );
      } catch {
        // Already closed.
      }
    }
  }

  /** The next event without taking it; `undefined` at a clean end of the connection. */
  async #peek(): Promise<FileSplitterEvent | undefined> {
    while (this.#head === this.#queue.length) {
      if (!(await this.#fill())) return undefined;
    }
    return this.#queue[this.#head];
  }

  async #take(): Promise<FileSplitterEvent | undefined> {
    const ev = await this.#peek();
    if (ev !== undefined) this.#head++;
    return ev;
  }

  /** Reads one chunk into the queue; false at the end of the source. */
  async #fill(): Promise<boolean> {
    if (this.#failed) throw this.#error;
    if (this.#sourceDone) return false;
    try {
      const chunk = await this.#source.read();
      if (this.#failed) throw this.#error;
      const events = chunk === undefined ? this.#splitter.end() : this.#splitter.push(chunk);
      if (chunk === undefined) this.#sourceDone = true;
      this.#queue =
        this.#head === this.#queue.length ? events : this.#queue.slice(this.#head).concat(events);
      this.#head = 0;
      return true;
    } catch (error) {
      if (!this.#failed) {
        this.#failed = true;
        this.#error = error;
        await this.#source.cancel(error);
      }
      throw this.#error;
    }
  }
}

/**
 * Splits one data connection into per-file bodies; see {@link FileBodies} for the contract.
 *
 * @example
 * ```ts
 * for await (const body of splitFileBodies("E", socket.readable)) {
 *   await body.pipeTo(nextSink());
 * }
 * ```
 */
export function splitFileBodies(
  mode: TransferMode,
  source: ByteSource,
  options: FileBodiesOptions = {},
): FileBodies {
  return new FileBodies(mode, source, options);
}
