/**
 * A pull interface over a web `ReadableStream` or an async iterable of chunks.
 *
 * @module
 */

/** Where bytes come from: a web stream or any (async) iterable of chunks. */
export type ByteSource =
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | Iterable<Uint8Array>;

/** Reads one chunk at a time. */
export interface ChunkPuller {
  /** The next chunk, or `undefined` at the end. */
  read(): Promise<Uint8Array | undefined>;
  /** Stops the source (cancels the stream, returns the iterator). */
  cancel(reason?: unknown): Promise<void>;
}

/** Wraps a source into a {@link ChunkPuller}. */
export function pullChunks(source: ByteSource): ChunkPuller {
  if (typeof (source as ReadableStream<Uint8Array>).getReader === "function") {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    return {
      async read(): Promise<Uint8Array | undefined> {
        const r = await reader.read();
        return r.done ? undefined : r.value;
      },
      async cancel(reason?: unknown): Promise<void> {
        await reader.cancel(reason).catch(() => undefined);
      },
    };
  }
  const iterable = source as AsyncIterable<Uint8Array> & Iterable<Uint8Array>;
  const iterator =
    typeof iterable[Symbol.asyncIterator] === "function"
      ? iterable[Symbol.asyncIterator]()
      : (iterable[Symbol.iterator]() as Iterator<Uint8Array> & Partial<AsyncIterator<Uint8Array>>);
  return {
    async read(): Promise<Uint8Array | undefined> {
      const r = await iterator.next();
      return r.done ? undefined : r.value;
    },
    async cancel(): Promise<void> {
      await Promise.resolve(iterator.return?.()).catch(() => undefined);
    },
  };
}
