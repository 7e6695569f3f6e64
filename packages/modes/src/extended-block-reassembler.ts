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
   * file that arrive before the current one is complete. Default 64 MiB.
   */
  maxBufferedBytes?: number;
}

interface Connection {
  decoder: ExtendedBlockDecoder;
  /** Index of the file this connection is sending (one EOD per file per connection). */
  file: number;
  ended: boolean;
}

interface FileState {
  eods: number;
  eodCount: number | undefined;
  held: ModeEvent[];
  heldBytes: number;
}

const DEFAULT_MAX_BUFFERED = 64 * 1024 * 1024;

/**
 * Reassembles MODE E files from several data connections (GFD.20, as globus-gridftp-server
 * sends them): each connection sends one EOD per file, one of them an EOF block whose offset
 * field is the EOD count; the file is complete when that many EODs have arrived. Completion
 * never comes from the `226` reply. Files follow each other on the same connections; blocks
 * of the next file that arrive early are held until the current file completes, so the
 * output is one file after the other: data events (views, with `offset`), then `eof`.
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
  readonly #files = new Map<number, FileState>();
  #current = 0;
  #buffered = 0;
  #bytes = 0;
  #nextOffset = 0;
  readonly #ahead = new Map<number, ModeDataEvent>();

  constructor(options: ReassemblerOptions = {}) {
    this.#options = { structure: options.structure ?? "F" };
    this.#ordered = options.ordered ?? false;
    this.#maxBuffered = options.maxBufferedBytes ?? DEFAULT_MAX_BUFFERED;
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
      if (ev.type === "eod") {
        this.#state(file).eods++;
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
        this.#state(file);
        this.#deliver(ev, out);
      } else {
        const state = this.#state(file);
        state.held.push(ev);
        if (ev.type === "data") {
          state.heldBytes += ev.data.length;
          this.#hold(ev.data.length);
        }
      }
    }
    this.#complete(out);
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
    if (this.#files.size > 0) {
      const state = this.#files.get(this.#current);
      const eods = state?.eods ?? 0;
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

  #state(file: number): FileState {
    let state = this.#files.get(file);
    if (state === undefined) {
      state = { eods: 0, eodCount: undefined, held: [], heldBytes: 0 };
      this.#files.set(file, state);
    }
    return state;
  }

  #hold(bytes: number): void {
    this.#buffered += bytes;
    if (this.#buffered > this.#maxBuffered) {
      throw new FtpProtocolError(
        `MODE E: more than ${this.#maxBuffered} bytes of blocks arrived ahead of their turn`,
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
      this.#ahead.set(offset, ev);
      this.#hold(ev.data.length);
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
      this.#buffered -= length;
      out.push(next);
      this.#bytes += length;
      this.#nextOffset += length;
      next = this.#ahead.get(this.#nextOffset);
    }
  }

  #complete(out: ModeEvent[]): void {
    for (;;) {
      const state = this.#files.get(this.#current);
      if (state === undefined || state.eodCount === undefined || state.eods < state.eodCount)
        return;
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
      const next = this.#files.get(this.#current);
      if (next !== undefined) {
        const held = next.held;
        this.#buffered -= next.heldBytes;
        next.held = [];
        next.heldBytes = 0;
        for (const ev of held) this.#deliver(ev, out);
      }
    }
  }
}
