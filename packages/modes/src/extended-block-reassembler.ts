/**
 * Puts the blocks of a MODE E transfer back together across its data connections.
 *
 * @module
 */

import { FtpProtocolError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import { ExtendedBlockDecoder } from "./extended-block-mode.ts";
import type { DecoderOptions, ModeDataEvent, ModeEvent } from "./types.ts";

/** Options of {@link ExtendedBlockReassembler}. */
export interface ReassemblerOptions extends DecoderOptions {
  /**
   * Emit data in file order, holding blocks that arrive ahead of their turn; a file with a
   * gap is then a protocol error. Default false: data events come in arrival order, each with
   * its `offset`, for writers that can place bytes (positioned writes, REST ranges, ERET).
   */
  ordered?: boolean;
  /**
   * The most bytes held at once: blocks ahead of their turn (ordered) and blocks of the next
   * file that arrive before the current one is complete. Each held block counts its bytes
   * plus {@link HELD_BLOCK_OVERHEAD} (and the chunk it keeps alive when it is less than half
   * of it), each later file with something held or an EOF count {@link HELD_BLOCK_OVERHEAD}.
   * Default 64 MiB.
   */
  maxBufferedBytes?: number;
}

interface Connection {
  decoder: ExtendedBlockDecoder;
  /**
   * Index of the file this connection is sending (one EOD per file per connection). The EODs
   * a file has received are the connections that have moved past it, so EODs need no state
   * of their own: endless EOD blocks cost nothing.
   */
  file: number;
  ended: boolean;
}

/** What is known of a file that is not complete: its EOD count and, for a later file, what is held for it. */
interface FileState {
  eodCount: number | undefined;
  held: ModeEvent[];
  /** Whether this state counts {@link HELD_BLOCK_OVERHEAD} (it was made for a later file). */
  charged: boolean;
}

const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;
/** The largest chunk a small held view may keep alive (larger ones: the view is copied). */
const MAX_PINNED_CHUNK = 1024 * 1024;

/**
 * What one held event costs besides its bytes, and what the state of a later file costs:
 * the event object, its view and a slot in a map or an array (about 180-300 bytes on V8).
 * Counting it keeps a peer from holding a few hundred bytes per byte counted with 1-byte
 * blocks.
 */
export const HELD_BLOCK_OVERHEAD = 256;

/**
 * Reassembles MODE E files from several data connections (GFD.20, as globus-gridftp-server
 * sends them): each connection sends one EOD per file, one of them an EOF block whose offset
 * field is the EOD count; the file is complete when that many EODs have arrived. Completion
 * never comes from the `226` reply. Files follow each other on the same connections; blocks
 * of the next file that arrive early are held until the current file completes, so the
 * output is one file after the other: data events (views, with `offset`), then `eof`.
 *
 * Memory is bounded by `maxBufferedBytes`: every held block counts
 * {@link HELD_BLOCK_OVERHEAD} besides its bytes, and every later file with something held or
 * announced counts {@link HELD_BLOCK_OVERHEAD}. Held blocks stay views of the pushed chunks
 * (zero-copy); a held block that is less than half of its chunk also counts the whole chunk
 * (once, however many blocks of the chunk are held), as it keeps the chunk alive. Only when
 * that chunk is large (over 1 MiB, or over an eighth of the limit) is the block copied
 * instead. So the bytes held never pass the limit, and the memory they keep alive stays
 * within about twice the limit.
 *
 * @example
 * ```ts
 * const r = new ExtendedBlockReassembler();
 * const a = r.addConnection();
 * const b = r.addConnection();
 * r.push(a, chunkFromA); // data events with offsets
 * r.push(b, chunkFromB); // ... then { type: "eof", eodCount: 2 } once both EODs are in
 * r.endConnection(a);
 * r.endConnection(b);
 * r.end();
 * ```
 */
export class ExtendedBlockReassembler {
  readonly #options: DecoderOptions;
  readonly #ordered: boolean;
  readonly #maxBuffered: number;
  readonly #connections: Connection[] = [];
  /** Files from the current one on that have an EOF count or held events. */
  readonly #files = new Map<number, FileState>();
  #current = 0;
  /** Something (data, a marker, an EOF or an EOD) arrived for the current file. */
  #started = false;
  #buffered = 0;
  /** Chunks kept alive by small held views, with the number of such views in each. */
  readonly #pinned = new Map<ArrayBufferLike, number>();
  readonly #maxPinnedChunk: number;
  #bytes = 0;
  #nextOffset = 0;
  readonly #ahead = new Map<number, ModeDataEvent>();

  constructor(options: ReassemblerOptions = {}) {
    this.#options = { structure: options.structure ?? "F" };
    this.#ordered = options.ordered ?? false;
    this.#maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
    this.#maxPinnedChunk = Math.min(MAX_PINNED_CHUNK, Math.floor(this.#maxBuffered / 8));
  }

  /** Files completed so far. */
  get filesCompleted(): number {
    return this.#current;
  }

  /** Bytes of the current file delivered so far. */
  get bytesDelivered(): number {
    return this.#bytes;
  }

  /** Registers a data connection; returns its id for {@link push} and {@link endConnection}. */
  addConnection(): number {
    this.#connections.push({
      decoder: new ExtendedBlockDecoder(this.#options),
      file: this.#current,
      ended: false,
    });
    return this.#connections.length - 1;
  }

  /** Decodes a chunk received on `connection`. @throws {FtpProtocolError} on bad framing or bad EOD accounting. */
  push(connection: number, chunk: Uint8Array): ModeEvent[] {
    const conn = this.#connection(connection);
    if (conn.ended) {
      throw new FtpUsageError(`MODE E connection ${connection} has already ended`);
    }
    const out: ModeEvent[] = [];
    for (const ev of conn.decoder.push(chunk)) {
      const file = conn.file;
      if (file < this.#current) {
        // This connection is still on a file that the EOD count already completed: an EOD
        // beyond the count is harmless (it moves the connection on), anything else is not.
        if (ev.type === "eod") {
          conn.file++;
          continue;
        }
        throw new FtpProtocolError(
          `MODE E: connection ${connection} sent ${ev.type === "data" ? `${ev.data.length} bytes` : `a ${ev.type} block`} for file #${file} after its EOD count was reached`,
        );
      }
      if (file === this.#current) this.#started = true;
      if (ev.type === "eod") {
        conn.file++;
      } else if (ev.type === "eof") {
        const state = this.#state(file);
        const count = ev.eodCount ?? 1;
        if (state.eodCount !== undefined && state.eodCount !== count) {
          throw new FtpProtocolError(
            `MODE E: two EOF blocks for file #${file} announce ${state.eodCount} and ${count} EODs`,
          );
        }
        if (count < 1) throw new FtpProtocolError("MODE E: EOF block announces 0 EODs");
        state.eodCount = count;
      } else if (file === this.#current) {
        this.#deliver(ev, out);
      } else {
        const state = this.#state(file);
        state.held.push(this.#keep(ev));
      }
      // Complete as soon as the count is reached, so that the next file's blocks later in
      // this chunk are delivered rather than held.
      if (ev.type === "eod" || ev.type === "eof") this.#complete(out);
    }
    return out;
  }

  /**
   * `connection` has closed. Closing between transfers is clean (a cached connection dropped);
   * @throws {TruncatedTransferError} when it closed inside a block or before its EOD.
   */
  endConnection(connection: number): ModeEvent[] {
    const conn = this.#connection(connection);
    if (conn.ended) return [];
    conn.ended = true;
    try {
      conn.decoder.end();
    } catch (cause) {
      throw new TruncatedTransferError(
        `MODE E: data connection ${connection} closed inside file #${conn.file}, after ${this.#bytes} bytes of it`,
        { bytesDelivered: this.#bytes, cause },
      );
    }
    return [];
  }

  /**
   * Every connection has closed. @throws {TruncatedTransferError} when a file was started but
   * its EOD count was not reached.
   */
  end(): ModeEvent[] {
    for (let c = 0; c < this.#connections.length; c++) this.endConnection(c);
    const eods = this.#eodsOf(this.#current);
    if (this.#started || this.#files.size > 0 || eods > 0) {
      const state = this.#files.get(this.#current);
      const expected =
        state?.eodCount === undefined ? "no EOF block yet" : `${state.eodCount} announced`;
      throw new TruncatedTransferError(
        `MODE E: the data connections closed inside file #${this.#current} after ${this.#bytes} bytes (${eods} EODs, ${expected})`,
        { bytesDelivered: this.#bytes },
      );
    }
    return [];
  }

  #connection(id: number): Connection {
    const conn = this.#connections[id];
    if (conn === undefined) throw new FtpUsageError(`Unknown MODE E connection id ${id}`);
    return conn;
  }

  /** EODs file `file` has received: the connections that have moved past it. */
  #eodsOf(file: number): number {
    let eods = 0;
    for (const conn of this.#connections) if (conn.file > file) eods++;
    return eods;
  }

  #state(file: number): FileState {
    let state = this.#files.get(file);
    if (state === undefined) {
      // A later file's state is held memory too; the current file's is not.
      const charged = file > this.#current;
      if (charged) this.#hold(HELD_BLOCK_OVERHEAD);
      state = { eodCount: undefined, held: [], charged };
      this.#files.set(file, state);
    }
    return state;
  }

  /**
   * Counts an event that is to be held against the limit and returns what to hold: the event
   * itself, or for a small view of a large chunk a copy (see the class comment).
   * @throws {FtpProtocolError} when the limit is passed
   */
  #keep(ev: ModeEvent): ModeEvent {
    if (ev.type !== "data") {
      this.#hold(HELD_BLOCK_OVERHEAD + (ev.type === "restart" ? ev.marker.length : 0));
      return ev;
    }
    const data = ev.data;
    const chunk = data.buffer;
    if (data.byteLength * 2 >= chunk.byteLength) {
      this.#hold(HELD_BLOCK_OVERHEAD + data.byteLength);
      return ev;
    }
    if (chunk.byteLength <= this.#maxPinnedChunk) {
      const views = this.#pinned.get(chunk);
      this.#hold(
        HELD_BLOCK_OVERHEAD + data.byteLength + (views === undefined ? chunk.byteLength : 0),
      );
      this.#pinned.set(chunk, (views ?? 0) + 1);
      return ev;
    }
    this.#hold(HELD_BLOCK_OVERHEAD + data.byteLength);
    const copy: ModeDataEvent = { type: "data", data: data.slice() };
    if (ev.offset !== undefined) copy.offset = ev.offset;
    if (ev.suspect !== undefined) copy.suspect = ev.suspect;
    return copy;
  }

  /** Undoes {@link #keep} for an event that is no longer held. */
  #release(ev: ModeEvent): void {
    if (ev.type !== "data") {
      this.#buffered -= HELD_BLOCK_OVERHEAD + (ev.type === "restart" ? ev.marker.length : 0);
      return;
    }
    const data = ev.data;
    const chunk = data.buffer;
    if (data.byteLength * 2 >= chunk.byteLength) {
      this.#buffered -= HELD_BLOCK_OVERHEAD + data.byteLength;
      return;
    }
    // A small view that was held: it pinned its chunk (copies are never small views).
    const views = this.#pinned.get(chunk) ?? 1;
    if (views === 1) {
      this.#pinned.delete(chunk);
      this.#buffered -= chunk.byteLength;
    } else {
      this.#pinned.set(chunk, views - 1);
    }
    this.#buffered -= HELD_BLOCK_OVERHEAD + data.byteLength;
  }

  #hold(cost: number): void {
    this.#buffered += cost;
    if (this.#buffered > this.#maxBuffered) {
      throw new FtpProtocolError(
        `MODE E: more than ${this.#maxBuffered} bytes of blocks arrived ahead of their turn (each block counts ${HELD_BLOCK_OVERHEAD} bytes besides its data)`,
      );
    }
  }

  #deliver(ev: ModeEvent, out: ModeEvent[]): void {
    if (ev.type !== "data") {
      out.push(ev);
      return;
    }
    const offset = ev.offset ?? 0;
    if (!this.#ordered) {
      this.#bytes += ev.data.length;
      out.push(ev);
      return;
    }
    if (offset > this.#nextOffset) {
      if (this.#ahead.has(offset)) {
        throw new FtpProtocolError(`MODE E: two blocks at offset ${offset}`);
      }
      this.#ahead.set(offset, this.#keep(ev) as ModeDataEvent);
      return;
    }
    if (offset < this.#nextOffset) {
      throw new FtpProtocolError(
        `MODE E: block at offset ${offset} overlaps data already delivered up to ${this.#nextOffset}`,
      );
    }
    out.push(ev);
    this.#bytes += ev.data.length;
    this.#nextOffset += ev.data.length;
    for (let next = this.#ahead.get(this.#nextOffset); next !== undefined; ) {
      this.#ahead.delete(this.#nextOffset);
      const length = next.data.length;
      this.#release(next);
      out.push(next);
      this.#bytes += length;
      this.#nextOffset += length;
      next = this.#ahead.get(this.#nextOffset);
    }
  }

  #complete(out: ModeEvent[]): void {
    for (;;) {
      const state = this.#files.get(this.#current);
      if (state?.eodCount === undefined || this.#eodsOf(this.#current) < state.eodCount) return;
      if (this.#ahead.size > 0) {
        throw new FtpProtocolError(
          `MODE E: file #${this.#current} is complete by its EOD count but has a gap at offset ${this.#nextOffset}`,
        );
      }
      out.push({ type: "eof", eodCount: state.eodCount });
      this.#files.delete(this.#current);
      this.#current++;
      this.#bytes = 0;
      this.#nextOffset = 0;
      this.#started = this.#eodsOf(this.#current) > 0;
      const next = this.#files.get(this.#current);
      if (next !== undefined) {
        this.#started = true;
        const held = next.held;
        next.held = [];
        if (next.charged) this.#buffered -= HELD_BLOCK_OVERHEAD;
        next.charged = false;
        for (const ev of held) {
          this.#release(ev);
          this.#deliver(ev, out);
        }
      }
    }
  }
}
