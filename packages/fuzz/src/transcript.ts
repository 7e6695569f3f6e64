/**
 * A comparable record of what a decoder emitted: a hash of the data bytes, and the markers
 * (EOR, restart, EOF, EOD, offset jumps, suspect changes) with the data position they came
 * at. Two runs that emit the same bytes and markers give the same text, however the data
 * events were split.
 *
 * @module
 */

import { ByteHash } from "./bytes.ts";

/** Builds the record. */
export class Transcript {
  readonly #hash = new ByteHash();
  readonly #markers: string[] = [];
  #next = 0;
  #suspect = false;
  #sinceReset = 0;

  /** Data bytes; `offset` for modes that place bytes (E). */
  data(bytes: Uint8Array, offset?: number, suspect = false): void {
    if (offset !== undefined && offset !== this.#next) this.marker(`@${offset}`);
    if (offset !== undefined) this.#next = offset + bytes.length;
    if (suspect !== this.#suspect) {
      this.#suspect = suspect;
      this.marker(suspect ? "suspect" : "sound");
    }
    this.#hash.update(bytes);
    this.#sinceReset += bytes.length;
  }

  /** A marker at the current data position. */
  marker(text: string): void {
    this.#markers.push(`${text}#${this.#hash.length}`);
  }

  /** A marker that also starts a new file (or a new MODE E transfer): offsets start at 0 again. */
  boundary(text: string): void {
    this.marker(text);
    this.#next = 0;
  }

  /** Data bytes since {@link resetCount}. */
  get count(): number {
    return this.#sinceReset;
  }

  /** Starts counting {@link count} from zero. */
  resetCount(): void {
    this.#sinceReset = 0;
  }

  /** The record as text. */
  toString(): string {
    return `${this.#hash.hex()}:${this.#hash.length}|${this.#markers.join(",")}`;
  }
}
