/**
 * A file as `retrieve()` yields it: its path, size and mode, and a body that streams
 * from the data connection with backpressure.
 *
 * The body's `ReadableStream` is made when `body` is first read: over a persistent
 * connection a file can take less time than making a stream does (Node 20's
 * `ReadableStream` constructor alone costs several microseconds), so `bytes()`, `text()`,
 * `pipeTo(sink)`, `discard()` and `for await (const chunk of file)` read the transfer
 * directly. Whichever way is used first holds the body, as a stream reader would.
 *
 * @module
 */

import { FtpAbortError, type FtpError } from "@ftpkit/errors";
import { type Deferred, deferred } from "./deferred.ts";
import type { UsedMode } from "./options.ts";

/** The bytes of a file: a web `ReadableStream`, also usable with `for await`. */
export type FileBody = ReadableStream<Uint8Array> & AsyncIterable<Uint8Array>;

/** Where a body's bytes come from: a transfer in one of the modes. */
export interface BodySource {
  /** The file's size when known (SIZE, or the size a 150 reply names). */
  readonly size: number | undefined;
  /** The next bytes of the file (views, no copies); undefined once it is complete and checked. */
  pull(): Promise<Uint8Array[] | undefined>;
  /** Stops the transfer; resolves once the session can carry commands again. */
  cancel(reason: FtpError): Promise<void>;
  /**
   * True once a pull handed out the file's last bytes and the file checked out (its end
   * marker, final reply and size): the body ends without pulling again.
   */
  readonly done?: boolean;
}

/** What a retrieve wants to hear from its files; one object for all of them. */
export interface FileHooks {
  /** `bytes` more bytes of `file` were handed out; `received` is its total so far. */
  onBytes?(file: RetrievedFile, bytes: number, received: number): void;
  /** The error a body rejects with, for an error of its transfer. */
  bodyError?(error: unknown): unknown;
}

const RESOLVED: Promise<void> = Promise.resolve();
const ignore = (): void => {};

/**
 * One file of a retrieve. When `ok` is false, `error` says why (a 550, say) and reading
 * the body rejects with that error.
 *
 * @example
 * ```ts
 * for await (const file of session.retrieve(["a.txt", "b.bin"])) {
 *   if (!file.ok) { console.error(file.path, file.error?.message); continue; }
 *   const bytes = await file.bytes();
 * }
 * ```
 */
export class RetrievedFile implements AsyncIterable<Uint8Array> {
  /** The path as it was asked for. */
  readonly path: string;
  /** The index of the path in the list given to `retrieve()`. */
  readonly index: number;
  /** The transfer mode used. */
  readonly mode: UsedMode;
  /** The size in bytes when known. */
  readonly size: number | undefined;
  /** False when the file could not be retrieved. */
  readonly ok: boolean;
  /** Why the file could not be retrieved. */
  readonly error: FtpError | undefined;
  readonly #source: BodySource | undefined;
  readonly #hooks: FileHooks | undefined;
  #stream: FileBody | undefined;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  /** The reader the file holds on its own stream while a direct read has the body. */
  #hold: ReadableStreamDefaultReader<Uint8Array> | undefined;
  /** A direct read (bytes, pipeTo, discard, iteration) has the body. */
  #reading = false;
  #started = false;
  /** No more bytes will come: complete, failed, cancelled or aborted. */
  #ended = false;
  #complete = false;
  /** What reading rejects with once the body failed or was aborted. */
  #failure: unknown;
  #settled = false;
  #finished: Deferred<void> | undefined;
  #received = 0;

  /** @internal Use `retrieve()`; files are not constructed by users. */
  constructor(
    init: {
      path: string;
      index: number;
      mode: UsedMode;
      source?: BodySource;
      error?: FtpError;
    },
    hooks?: FileHooks,
  ) {
    this.path = init.path;
    this.index = init.index;
    this.mode = init.mode;
    this.#source = init.source;
    this.#hooks = hooks;
    this.size = init.source?.size;
    this.error = init.error;
    this.ok = init.error === undefined;
    if (init.error !== undefined || init.source === undefined) {
      this.#failure = init.error ?? new FtpAbortError(`"${init.path}" has no body`);
      this.#ended = true;
      this.#settled = true;
    }
  }

  /**
   * The file's bytes as a `ReadableStream` (also async-iterable). Read it, pipe it, or
   * cancel it before the next file.
   */
  get body(): FileBody {
    this.#stream ??= this.#makeStream();
    return this.#stream;
  }

  /**
   * The whole file in one buffer of its own. Memory grows with the file: prefer the body
   * for big ones.
   */
  async bytes(): Promise<Uint8Array> {
    let chunks: Uint8Array[] | undefined;
    let length = 0;
    if (this.#stream !== undefined) {
      chunks = [];
      for await (const chunk of this.#stream) {
        chunks.push(chunk);
        length += chunk.length;
      }
    } else {
      this.#take();
      try {
        for (;;) {
          const got = await this.#next();
          if (got === undefined) break;
          // A small file is often one batch of one chunk: handed out as it is.
          if (chunks === undefined) chunks = got;
          else for (let i = 0; i < got.length; i++) chunks.push(got[i]!);
          for (let i = 0; i < got.length; i++) length += got[i]!.length;
        }
      } finally {
        this.#release();
      }
    }
    if (chunks === undefined) return new Uint8Array(0);
    // A chunk can be a view into memory shared with other chunks (@ftpkit/socket-node
    // reads into slabs): the file gets a buffer of its own, safe to transfer or keep.
    if (chunks.length === 1) {
      const only = chunks[0]!;
      return only.byteLength === only.buffer.byteLength ? only : only.slice();
    }
    const out = new Uint8Array(length);
    let offset = 0;
    for (const chunk of chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }

  /** The whole file decoded as UTF-8 (or another encoding `TextDecoder` knows). */
  async text(encoding = "utf-8"): Promise<string> {
    return new TextDecoder(encoding).decode(await this.bytes());
  }

  /**
   * Writes the body to a sink; resolves once the sink has everything. As
   * `ReadableStream.pipeTo`: a failed body aborts the sink, a failed sink cancels the
   * transfer.
   */
  pipeTo(sink: WritableStream<Uint8Array>, options?: StreamPipeOptions): Promise<void> {
    const plain =
      options === undefined ||
      (options.signal === undefined &&
        !options.preventAbort &&
        !options.preventCancel &&
        !options.preventClose);
    if (this.#stream !== undefined || !plain) return this.body.pipeTo(sink, options);
    return this.#pipe(sink);
  }

  /** Reads and drops the rest of the body, keeping the session in step. */
  async discard(): Promise<void> {
    if (this.#stream !== undefined) {
      if (this.#stream.locked) return this.finished;
      const reader = this.#stream.getReader();
      try {
        for (;;) {
          const { done } = await reader.read();
          if (done) break;
        }
      } catch {
        // The error is the file's; the session is already in step again.
      } finally {
        reader.releaseLock();
      }
      return;
    }
    if (this.#reading) return this.finished;
    this.#take();
    try {
      while ((await this.#next()) !== undefined) {
        // dropped
      }
    } catch {
      // The error is the file's; the session is already in step again.
    } finally {
      this.#release();
    }
  }

  /**
   * The body's chunks, read straight from the transfer (`for await (const chunk of
   * file)`); leaving the loop early cancels the transfer, as it does for a stream.
   */
  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    if (this.#stream !== undefined) return this.#stream[Symbol.asyncIterator]();
    this.#take();
    let chunks: Uint8Array[] | undefined;
    let at = 0;
    let done = false;
    const finish = (): IteratorReturnResult<undefined> => {
      if (!done) {
        done = true;
        this.#release();
      }
      return { value: undefined, done: true };
    };
    return {
      next: async (): Promise<IteratorResult<Uint8Array>> => {
        for (;;) {
          if (chunks !== undefined && at < chunks.length)
            return { value: chunks[at++]!, done: false };
          if (done) return { value: undefined, done: true };
          try {
            chunks = await this.#next();
          } catch (error) {
            finish();
            throw error;
          }
          at = 0;
          if (chunks === undefined) return finish();
        }
      },
      return: async (): Promise<IteratorResult<Uint8Array>> => {
        if (!done && !this.#ended) {
          await this.#cancel(new FtpAbortError(`The iteration over "${this.path}" stopped early`));
        }
        return finish();
      },
    };
  }

  /**
   * @internal Called before the next file is handed out: an unread body is drained, a
   * body left half-read is cancelled (the transfer is aborted).
   */
  async settle(): Promise<void> {
    if (this.#settled) return;
    const stream = this.#stream;
    const held = this.#reading || stream?.locked === true;
    if (held) {
      // A reader holds the body and stopped reading: abort the transfer under it.
      await this.abort(
        new FtpAbortError(
          `The body of "${this.path}" was left half-read; the transfer was aborted`,
        ),
      );
      return;
    }
    if (!this.#started) {
      await this.discard();
      return;
    }
    const reason = new FtpAbortError(`"${this.path}" was left unread`);
    if (stream !== undefined) await stream.cancel(reason).catch(ignore);
    else await this.#cancel(reason);
  }

  /**
   * @internal Aborts the transfer (break, signal): the body errors with `reason`, and the
   * promise resolves once the session is in step again.
   */
  async abort(reason: FtpError): Promise<void> {
    if (this.#ended) return this.finished;
    this.#ended = true;
    this.#failure = reason;
    try {
      await this.#source?.cancel(reason);
    } finally {
      try {
        this.#controller?.error(reason);
      } catch {
        // Already closed or errored.
      }
      this.#settle();
    }
  }

  /** @internal True when the body was read to its verified end. */
  get completed(): boolean {
    return this.#complete;
  }

  /** @internal Resolves once the body has been read to the end, failed or was cancelled. */
  get finished(): Promise<void> {
    if (this.#settled) return RESOLVED;
    this.#finished ??= deferred<void>();
    return this.#finished.promise;
  }

  /**
   * The next chunks of the transfer (none empty), or undefined at its verified end;
   * rejects with the body's error.
   */
  async #next(): Promise<Uint8Array[] | undefined> {
    if (this.#failure !== undefined) throw this.#failure;
    if (this.#ended) return undefined;
    this.#started = true;
    const source = this.#source!;
    try {
      for (;;) {
        const chunks = await source.pull();
        if (this.#failure !== undefined) throw this.#failure;
        if (this.#ended) return undefined;
        if (chunks === undefined) {
          this.#end();
          return undefined;
        }
        let empty = false;
        const onBytes = this.#hooks?.onBytes;
        for (let i = 0; i < chunks.length; i++) {
          const n = chunks[i]!.length;
          if (n === 0) {
            empty = true;
            continue;
          }
          this.#received += n;
          onBytes?.(this, n, this.#received);
        }
        const some = empty ? chunks.filter((c) => c.length > 0) : chunks;
        // The last bytes: the next read ends without asking the transfer again.
        if (source.done === true) this.#end();
        if (some.length > 0) return some;
        if (this.#ended) return undefined;
      }
    } catch (error) {
      if (this.#failure === undefined) {
        // Cancelled meanwhile: the transfer's error is the cancellation's echo.
        if (this.#ended) return undefined;
        this.#failure = this.#hooks?.bodyError?.(error) ?? error;
        this.#ended = true;
        this.#settle();
      }
      throw this.#failure;
    }
  }

  /** The body was read to its verified end. */
  #end(): void {
    this.#complete = true;
    this.#ended = true;
    this.#settle();
  }

  /** Cancels the transfer under the body (a cancelled stream, a loop left early). */
  async #cancel(reason: unknown): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    try {
      await this.#source?.cancel(
        new FtpAbortError(`The body of "${this.path}" was cancelled`, { cause: reason }),
      );
    } finally {
      this.#settle();
    }
  }

  /** Direct reading takes the body; a stream made meanwhile looks locked. */
  #take(): void {
    if (this.#reading) throw new TypeError(`The body of "${this.path}" is already being read`);
    this.#reading = true;
  }

  #release(): void {
    this.#reading = false;
    const hold = this.#hold;
    this.#hold = undefined;
    hold?.releaseLock();
  }

  #settle(): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#finished?.resolve();
  }

  async #pipe(sink: WritableStream<Uint8Array>): Promise<void> {
    this.#take();
    let writer: WritableStreamDefaultWriter<Uint8Array>;
    try {
      writer = sink.getWriter();
    } catch (error) {
      this.#release();
      throw error;
    }
    try {
      for (;;) {
        let chunks: Uint8Array[] | undefined;
        try {
          chunks = await this.#next();
        } catch (error) {
          await writer.abort(error).catch(ignore);
          throw error;
        }
        if (chunks === undefined) break;
        for (const chunk of chunks) {
          try {
            await writer.ready;
          } catch (error) {
            await this.#cancel(error);
            throw error;
          }
          writer.write(chunk).catch(ignore);
        }
      }
      await writer.close();
    } finally {
      writer.releaseLock();
      this.#release();
    }
  }

  #makeStream(): FileBody {
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
          if (this.#failure !== undefined) controller.error(this.#failure);
          else if (this.#ended) controller.close();
        },
        // A pull must enqueue or close: the stream does not call it again on its own when
        // it resolves with nothing (a read would wait forever). #next never hands out
        // an empty batch.
        pull: (controller) =>
          this.#next().then(
            (chunks) => {
              try {
                if (chunks === undefined) controller.close();
                else for (const chunk of chunks) controller.enqueue(chunk);
              } catch {
                // The stream was cancelled or errored meanwhile.
              }
            },
            (error: unknown) => {
              try {
                controller.error(error);
              } catch {
                // Already errored.
              }
            },
          ),
        cancel: (reason: unknown) => this.#cancel(reason),
      },
      { highWaterMark: 0 },
    );
    // A direct read has the body: the stream is locked until it is done.
    if (this.#reading) this.#hold = stream.getReader();
    return asyncIterable(stream);
  }
}

/** Makes sure the stream has `[Symbol.asyncIterator]` (all supported runtimes have it). */
function asyncIterable(stream: ReadableStream<Uint8Array>): FileBody {
  const s = stream as ReadableStream<Uint8Array> & Partial<AsyncIterable<Uint8Array>>;
  if (typeof s[Symbol.asyncIterator] !== "function") {
    Object.defineProperty(s, Symbol.asyncIterator, {
      value: async function* (this: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
        const reader = this.getReader();
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return;
            yield value;
          }
        } finally {
          reader.releaseLock();
        }
      },
    });
  }
  return s as FileBody;
}
