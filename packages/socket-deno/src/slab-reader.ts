/**
 * Reads a `Deno.Conn` into slabs: each read fills the free tail of a slab and hands out a
 * view of the bytes it got, so chunks never copy and never share bytes. The slab size
 * follows the traffic: a read that fills the free space doubles the next slab (bulk
 * data), small reads keep it small (a control connection holds 16 KiB, not a megabyte).
 *
 * @module
 */

import type { DenoTcpConn } from "./deno-api.ts";

const MIN_SLAB = 16 * 1024;
/** Default upper bound of one read. */
export const DEFAULT_MAX_READ = 1024 * 1024;

/** Reads a connection; at most one read is in flight, and every caller shares it. */
export class SlabReader {
  readonly #conn: DenoTcpConn;
  readonly #maxSlab: number;
  #slab: Uint8Array;
  #offset = 0;
  #largest = 0;
  #inflight: Promise<Uint8Array | null> | undefined;

  constructor(conn: DenoTcpConn, maxRead: number = DEFAULT_MAX_READ) {
    this.#conn = conn;
    this.#maxSlab = Math.max(MIN_SLAB, maxRead);
    this.#slab = new Uint8Array(MIN_SLAB);
  }

  /**
   * The next bytes from the peer, or `null` at end of stream. A call while a read is in
   * flight gets that same read: `startTls()` takes over a read the plain reader started.
   */
  read(): Promise<Uint8Array | null> {
    if (this.#inflight === undefined) {
      this.#inflight = this.#readOnce().finally(() => {
        this.#inflight = undefined;
      });
    }
    return this.#inflight;
  }

  async #readOnce(): Promise<Uint8Array | null> {
    for (;;) {
      const free = this.#slab.byteLength - this.#offset;
      if (free < this.#slab.byteLength / 4) this.#nextSlab();
      const n = await this.#conn.read(this.#slab.subarray(this.#offset));
      if (n === null) return null;
      // Deno may report a read of 0 bytes; that is not the end of the stream.
      if (n === 0) continue;
      const start = this.#offset;
      this.#offset += n;
      if (n > this.#largest) this.#largest = n;
      return this.#slab.subarray(start, start + n);
    }
  }

  #nextSlab(): void {
    const size = Math.min(this.#maxSlab, Math.max(MIN_SLAB, 2 * this.#largest));
    this.#slab = new Uint8Array(size);
    this.#offset = 0;
    this.#largest = 0;
  }
}
