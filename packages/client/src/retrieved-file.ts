/**
 * A file as `retrieve()` yields it: its path, size and mode, and a body that streams
 * from the data connection with backpressure.
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
  /** The file's size when known (SIZE, or the 150 reply). */
  readonly size: number | undefined;
  /** The next bytes of the file (views, no copies); undefined once it is complete and checked. */
  pull(): Promise<Uint8Array[] | undefined>;
  /** Stops the transfer; resolves once the session can carry commands again. */
  cancel(reason: FtpError): Promise<void>;
}

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
export class RetrievedFile {
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
  /** The file's bytes. Read it, pipe it, or cancel it before the next file. */
  readonly body: FileBody;
  readonly #source: BodySource | undefined;
  readonly #finished: Deferred<void> = deferred<void>();
  #started = false;
  #cancelled = false;
  #complete = false;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;

  /** @internal Use `retrieve()`; files are not constructed by users. */
  constructor(
    init: {
      path: string;
      index: number;
      mode: UsedMode;
      source?: BodySource;
      error?: FtpError;
    },
    onBytes?: (bytes: number) => void,
  ) {
    this.path = init.path;
    this.index = init.index;
    this.mode = init.mode;
    this.#source = init.source;
    this.size = init.source?.size;
    this.error = init.error;
    this.ok = init.error === undefined;
    const source = init.source;
    const failure = init.error;
    const stream = new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          this.#controller = controller;
          if (failure !== undefined || source === undefined) {
            controller.error(failure ?? new FtpAbortError(`"${init.path}" has no body`));
            this.#finished.resolve();
          }
        },
        pull: async (controller) => {
          this.#started = true;
          try {
            // A pull must enqueue or close: the stream does not call it again on its own
            // when it resolves with nothing (a read would wait forever).
            for (;;) {
              const chunks = await source!.pull();
              if (this.#cancelled) return;
              if (chunks === undefined) {
                this.#complete = true;
                controller.close();
                this.#finished.resolve();
                return;
              }
              let enqueued = false;
              for (const chunk of chunks) {
                if (chunk.length === 0) continue;
                controller.enqueue(chunk);
                enqueued = true;
                onBytes?.(chunk.length);
              }
              if (enqueued) return;
            }
          } catch (error) {
            if (this.#cancelled) return;
            controller.error(error);
            this.#finished.resolve();
          }
        },
        cancel: async (reason: unknown) => {
          if (this.#cancelled) return;
          this.#cancelled = true;
          try {
            await source?.cancel(
              new FtpAbortError(`The body of "${init.path}" was cancelled`, { cause: reason }),
            );
          } finally {
            this.#finished.resolve();
          }
        },
      },
      { highWaterMark: 0 },
    );
    this.body = asyncIterable(stream);
  }

  /** The whole file in one buffer. Memory grows with the file: prefer the body for big ones. */
  async bytes(): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let length = 0;
    for await (const chunk of this.body) {
      chunks.push(chunk);
      length += chunk.length;
    }
    if (chunks.length === 1) return chunks[0]!;
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

  /** Writes the body to a sink; resolves once the sink has everything. */
  pipeTo(sink: WritableStream<Uint8Array>, options?: StreamPipeOptions): Promise<void> {
    return this.body.pipeTo(sink, options);
  }

  /** Reads and drops the rest of the body, keeping the session in step. */
  async discard(): Promise<void> {
    if (this.body.locked) return this.#finished.promise;
    const reader = this.body.getReader();
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
  }

  /**
   * @internal Called before the next file is handed out: an unread body is drained, a
   * body left half-read is cancelled (the transfer is aborted).
   */
  async settle(): Promise<void> {
    if (this.#finished.settled) return;
    if (!this.#started && !this.body.locked) {
      await this.discard();
      return;
    }
    if (!this.body.locked) {
      await this.body.cancel(new FtpAbortError(`"${this.path}" was left unread`)).catch(() => {});
      return;
    }
    // A reader holds the body and stopped reading: abort the transfer under it.
    await this.abort(
      new FtpAbortError(`The body of "${this.path}" was left half-read; the transfer was aborted`),
    );
  }

  /**
   * @internal Aborts the transfer (break, signal): the body errors with `reason`, and the
   * promise resolves once the session is in step again.
   */
  async abort(reason: FtpError): Promise<void> {
    if (this.#finished.settled || this.#cancelled) return this.#finished.promise;
    this.#cancelled = true;
    try {
      await this.#source?.cancel(reason);
    } finally {
      try {
        this.#controller?.error(reason);
      } catch {
        // Already closed or errored.
      }
      this.#finished.resolve();
    }
  }

  /** @internal True when the body was read to its verified end. */
  get completed(): boolean {
    return this.#complete;
  }

  /** @internal Resolves once the body has been read to the end, failed or was cancelled. */
  get finished(): Promise<void> {
    return this.#finished.promise;
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
