/**
 * A data connection that carries many files: modes B and C (RFC 959 §3.4.2, §3.4.3) and
 * GridFTP's E (GFD.20) mark the end of each file inside the data, so the connection
 * stays open between files. This is the file splitter: decoder events in order, one file
 * after the other.
 *
 * @module
 */

import { createDecoder, type ModeDecoder, type ModeEvent } from "@ftpkit/modes";
import type { DataChannel } from "./data-channel.ts";

/** No events buffered (shared: a buffer is only ever replaced, never appended to, when empty). */
const NONE: ModeEvent[] = [];

/** One persistent data connection being decoded. */
export class PersistentChannel {
  readonly mode: "B" | "C" | "E";
  readonly data: DataChannel;
  readonly #decoder: ModeDecoder;
  #events: ModeEvent[] = NONE;
  #next = 0;
  #ended = false;
  #lookahead: Promise<void> | undefined;
  #lookaheadDone = false;
  #dropped = false;
  /** Files that were completely carried by this connection. */
  filesCarried = 0;

  constructor(mode: "B" | "C" | "E", data: DataChannel) {
    this.mode = mode;
    this.data = data;
    // The chunks read are this connection's own: MODE C decodes into them.
    this.#decoder = createDecoder(mode, { decodeInPlace: true });
  }

  /** True once the connection ended or failed: the next file needs a new one. */
  get ended(): boolean {
    return this.#ended || this.data.ended;
  }

  /**
   * The next decoder event already decoded, without waiting; undefined when none is
   * buffered (then {@link next} reads on).
   */
  take(): ModeEvent | undefined {
    if (this.#next >= this.#events.length) return undefined;
    const event = this.#events[this.#next++]!;
    if (this.#next === this.#events.length) {
      this.#events = NONE;
      this.#next = 0;
    }
    return event;
  }

  /**
   * The next decoder event; undefined when the connection ended cleanly between files
   * (or between two blocks of a file: the caller knows whether its EOF marker came).
   *
   * @throws {TruncatedTransferError} when it ended inside a block
   */
  async next(): Promise<ModeEvent | undefined> {
    for (;;) {
      const event = this.take();
      if (event !== undefined) return event;
      if (this.#lookahead !== undefined) {
        const pending = this.#lookahead;
        this.#lookahead = undefined;
        this.data.expectData();
        await pending;
        continue;
      }
      if (this.#ended) return undefined;
      await this.#fill();
    }
  }

  /**
   * Starts reading ahead after a file's end marker, so that a server closing the
   * connection after each file (Hermes, and ProFTPD's MODE Z) is noticed before the next
   * transfer command is sent.
   */
  watch(): void {
    if (this.#lookahead !== undefined || this.#ended || this.#next < this.#events.length) return;
    this.#lookaheadDone = false;
    // A failure of the read-ahead, between files, is the end of the connection, not a cut file.
    this.#lookahead = this.#fill(false).then(
      () => {
        this.#lookaheadDone = true;
      },
      () => {
        this.#ended = true;
        this.#lookaheadDone = true;
      },
    );
  }

  async #fill(idleLimit = true): Promise<void> {
    const chunk = await this.data.read(idleLimit);
    if (chunk === undefined) {
      this.#ended = true;
      const tail = this.#decoder.end();
      this.#push(tail);
      return;
    }
    this.#push(this.#decoder.push(chunk));
  }

  #push(events: ModeEvent[]): void {
    if (events.length === 0) return;
    if (this.#events.length === 0) {
      this.#events = events;
      this.#next = 0;
    } else {
      for (const e of events) this.#events.push(e);
    }
  }

  /** True when a read-ahead already found the end of the connection (no waiting). */
  endedBeforeNextFile(): boolean {
    if (this.#next < this.#events.length) return false;
    if (this.#lookahead !== undefined && !this.#lookaheadDone) return false;
    return this.ended;
  }

  /**
   * True when the client closed the connection itself (a cut file was resumed over
   * another one, a mode change): not a sign of a server that closes after each file.
   */
  get dropped(): boolean {
    return this.#dropped;
  }

  /**
   * Closes a connection that broke inside a file (or that the client gave up on): the
   * end says nothing about the server, which would otherwise look like one that closes
   * after each file.
   */
  drop(): Promise<void> {
    this.#dropped = true;
    return this.close();
  }

  /** Closes the connection. Idempotent. */
  close(): Promise<void> {
    if (!this.#ended && !this.data.ended) this.#dropped = true;
    this.#ended = true;
    return this.data.close();
  }
}
