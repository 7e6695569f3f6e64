/**
 * Reads a socket's readable by lines, by exact counts or to the end. Test-side helper of
 * the conformance suite; web APIs only, so it runs in Node, Deno and Bun.
 *
 * @module
 */

const decoder = new TextDecoder();

/** A reader over a byte stream that keeps what it read past the last request. */
export class ByteReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #pending: Uint8Array = new Uint8Array(0);

  /** Locks `readable` until {@link ByteReader.release}. */
  constructor(readable: ReadableStream<Uint8Array>) {
    this.#reader = readable.getReader();
  }

  /** Reads up to and without the next `"\n"`; rejects on end of stream or past `max` bytes. */
  async readLine(max = 4096): Promise<string> {
    for (;;) {
      const end = this.#pending.indexOf(0x0a);
      if (end >= 0) {
        const line = this.#pending.subarray(0, end);
        this.#pending = this.#pending.subarray(end + 1);
        return decoder.decode(line);
      }
      if (this.#pending.byteLength > max) {
        throw new Error(`No line end within ${max} bytes`);
      }
      if (!(await this.#fill())) {
        throw new Error(
          `Stream ended before a line end (had ${JSON.stringify(decoder.decode(this.#pending))})`,
        );
      }
    }
  }

  /** Reads exactly `count` bytes; rejects when the stream ends first. */
  async readExactly(count: number): Promise<Uint8Array> {
    while (this.#pending.byteLength < count) {
      if (!(await this.#fill())) {
        throw new Error(`Stream ended after ${this.#pending.byteLength} of ${count} bytes`);
      }
    }
    const out = this.#pending.subarray(0, count);
    this.#pending = this.#pending.subarray(count);
    return out;
  }

  /** Reads until the stream ends; rejects past `limit` bytes. */
  async readToEnd(limit = 1 << 20): Promise<Uint8Array> {
    while (await this.#fill()) {
      if (this.#pending.byteLength > limit) throw new Error(`More than ${limit} bytes`);
    }
    const out = this.#pending;
    this.#pending = new Uint8Array(0);
    return out;
  }

  /** Resolves true when the stream ended with nothing left unread. */
  async atEnd(): Promise<boolean> {
    if (this.#pending.byteLength > 0) return false;
    return !(await this.#fill());
  }

  /** Bytes read from the stream but not yet handed out. */
  get buffered(): number {
    return this.#pending.byteLength;
  }

  /** Releases the stream's lock (before `startTls()`); nothing may be left unread. */
  release(): void {
    if (this.#pending.byteLength > 0) {
      throw new Error(`${this.#pending.byteLength} unread bytes at release`);
    }
    this.#reader.releaseLock();
  }

  async #fill(): Promise<boolean> {
    const { done, value } = await this.#reader.read();
    if (done) return false;
    if (this.#pending.byteLength === 0) {
      this.#pending = value;
    } else {
      // Test helper on small control exchanges only; the bulk cases never come here.
      const joined = new Uint8Array(this.#pending.byteLength + value.byteLength);
      joined.set(this.#pending, 0);
      joined.set(value, this.#pending.byteLength);
      this.#pending = joined;
    }
    return true;
  }
}

/** Encodes a string as UTF-8. */
export function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/** Decodes UTF-8. */
export function fromUtf8(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Writes one chunk and releases the writer's lock. */
export async function writeOnce(
  writable: WritableStream<Uint8Array>,
  chunk: Uint8Array,
): Promise<void> {
  const writer = writable.getWriter();
  try {
    await writer.write(chunk);
  } finally {
    writer.releaseLock();
  }
}
