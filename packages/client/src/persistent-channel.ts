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

/** One persistent data connection being decoded. */
export class PersistentChannel {
  readonly mode: "B" | "C" | "E";
  readonly data: DataChannel;
  readonly #decoder: ModeDecoder;
  #events: ModeEvent[] = [];
  #next = 0;
  #ended = false;
  #lookahead: Promise<void> | undefined;
  #dropped = false;
  /** Files that were completely carried by this connection. */
  filesCarried = 0;

  constructor(mode: "B" | "C" | "E", data: DataChannel) {
    this.mode = mode;
    this.data = data;
    this.#decoder = createDecoder(mode);
  }

  /** True once the connection ended or failed: the next file needs a new one. */
  get ended(): boolean {
    return this.#ended || this.data.ended;
  }

  /**
   * The next decoder event; undefined when the connection ended cleanly between files.
   *
   * @throws {TruncatedTransferError} when it ended inside a file
   */
  async next(): Promise<ModeEvent | undefined> {
    for (;;) {
      if (this.#next < this.#events.length) {
        const event = this.#events[this.#next++]!;
        if (this.#next === this.#events.length) {
          this.#events = [];
          this.#next = 0;
        }
        return event;
      }
      if (this.#lookahead !== undefined) {
        const pending = this.#lookahead;
        this.#lookahead = undefined;
        this.data.expectData();
        // The read-ahead started between files: a failure there is the end of the
        // connection, not a cut file.
        await pending.catch(() => {
          this.#ended = true;
        });
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
    const pending = this.#fill(false);
    pending.catch(() => {});
    this.#lookahead = pending;
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

  /** True when a read-ahead already found the end of the connection. */
  async endedBeforeNextFile(): Promise<boolean> {
    if (this.#next < this.#events.length) return false;
    const pending = this.#lookahead;
    if (pending === undefined) return this.ended;
    // Only a read that already completed tells anything; do not wait for the server.
    const done = await Promise.race([
      pending.then(
        () => true,
        () => true,
      ),
      Promise.resolve(false),
    ]);
    return done ? this.ended && this.#next >= this.#events.length : false;
  }

  /**
   * True when the client closed the connection itself (a cut file was resumed over
   * another one, a mode change): not a sign of a server that closes after each file.
   */
  get dropped(): boolean {
    return this.#dropped;
  }

  /** Closes the connection. Idempotent. */
  close(): Promise<void> {
    if (!this.#ended && !this.data.ended) this.#dropped = true;
    this.#ended = true;
    return this.data.close();
  }
}
