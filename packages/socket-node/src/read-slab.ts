/**
 * The memory a plain client socket reads into, through Node's `onread` option, in place
 * of the fresh 64 KiB `ArrayBuffer` Node allocates for every read.
 *
 * Reads fill a slab one after the other: each read is offered what is left of the current
 * slab and its bytes are handed out as a view (`subarray`), so a slab holds several
 * chunks and nothing is copied. Against a fast sender (vsftpd's `sendfile()`), where the
 * reader is the bottleneck, this does two things: a read takes everything the kernel
 * holds, up to what the slab has left, so a consumer that fell behind catches up in fewer,
 * larger chunks (every cost per chunk above the socket shrinks with them: 64 KiB chunks
 * became 150-250 KiB ones on average against vsftpd); and Node's own path per read
 * (`Readable.push`, a `data` event, a fresh `ArrayBuffer`) is skipped. Together they
 * brought the readable's CPU per byte down to that of raw `data` events (`bench/throughput.ts`).
 *
 * A slab starts small (a control connection reads a few replies into it) and doubles,
 * up to {@link MAX_SLAB}, each time a read filled all it was offered: data was waiting.
 *
 * @module
 */

import type { OnReadOpts } from "node:net";

/** The first slab of a socket. */
const FIRST_SLAB = 64 * 1024;
/** The largest slab, and so the largest chunk. */
export const MAX_SLAB = 256 * 1024;
/** What is left of a slab below this is not offered: the next read gets a new slab. */
const MIN_READ = 16 * 1024;

const drop = (): void => {};

/** The read buffers of one socket, and where its chunks go. */
export class ReadSlab {
  /** Receives every chunk read, in order; set by the socket's readable. */
  sink: (chunk: Uint8Array) => void = drop;
  /** Node's `onread` option (`net.connect({ onread })`) for this slab. */
  readonly onread: OnReadOpts;
  #size = FIRST_SLAB;
  /** The unread rest of the current slab. */
  #free: Uint8Array | undefined;

  constructor() {
    this.onread = {
      buffer: () => this.#next(),
      // The sink pauses the socket itself when its queue is full (`socket.pause()`).
      callback: (bytes, buffer) => {
        this.sink(this.#take(bytes, buffer));
        return true;
      },
    };
  }

  /** The buffer the next read goes into: the rest of the slab, or a new slab. */
  #next(): Uint8Array {
    const free = this.#free;
    if (free !== undefined && free.length >= MIN_READ) return free;
    // Uninitialised memory: only the bytes a read wrote are ever handed out.
    const slab = new Uint8Array(Buffer.allocUnsafeSlow(this.#size).buffer, 0, this.#size);
    this.#free = slab;
    return slab;
  }

  /** The `bytes` a read put at the start of `buffer`, as a view; the rest stays free. */
  #take(bytes: number, buffer: Uint8Array): Uint8Array {
    if (bytes === buffer.length && this.#size < MAX_SLAB) this.#size *= 2;
    this.#free = buffer.subarray(bytes);
    return buffer.subarray(0, bytes);
  }
}
