/**
 * Splits control-connection bytes into lines and removes Telnet commands from them
 * (RFC 959 §4.1 and §5.3: the control connection follows the Telnet protocol,
 * RFC 854). Shared by the reply parser (client side) and the command parser (server
 * side).
 *
 * Every byte is looked at a bounded number of times and a partial line is kept in one
 * buffer of at most `maxLineLength + 1` bytes, so time is linear in the input and
 * memory is bounded whatever the peer sends.
 *
 * @module
 */

import { FtpProtocolError } from "@ftpkit/errors";

const LF = 0x0a;
const CR = 0x0d;
/** Telnet "interpret as command" (RFC 854). */
const IAC = 0xff;
const SB = 250;
const SE = 240;
const WILL = 251;
const DONT = 254;

/** Telnet parser states. */
const DATA = 0;
const AFTER_IAC = 1;
const OPTION = 2;
const SUBNEGOTIATION = 3;
const SUBNEGOTIATION_IAC = 4;
type TelnetState = 0 | 1 | 2 | 3 | 4;

/** Receives each complete line, without its LF and without one trailing CR. */
export type LineSink = (line: Uint8Array) => void;

/**
 * Line splitter with Telnet handling: `IAC IAC` is a data byte 0xFF; `IAC WILL/WONT/
 * DO/DONT x`, `IAC SB … IAC SE` and two-byte commands (IP, DM, NOP, AYT, …) are
 * dropped. Lines end at LF; CRLF and bare LF both work.
 */
export class LineReader {
  readonly #maxLineLength: number;
  readonly #sink: LineSink;
  readonly #what: string;
  #buffer: Uint8Array;
  #length = 0;
  #telnet: TelnetState = DATA;

  /**
   * @param maxLineLength longest line accepted, in bytes, without CR LF
   * @param sink called with every complete line
   * @param what what a line is, for error messages ("reply line", "command line")
   */
  constructor(maxLineLength: number, sink: LineSink, what: string) {
    if (!Number.isSafeInteger(maxLineLength) || maxLineLength < 1) {
      throw new RangeError(`maxLineLength must be a positive integer, got ${maxLineLength}`);
    }
    this.#maxLineLength = maxLineLength;
    this.#sink = sink;
    this.#what = what;
    this.#buffer = new Uint8Array(Math.min(256, maxLineLength + 1));
  }

  /** Bytes of an unfinished line held so far. */
  get pendingBytes(): number {
    return this.#length;
  }

  /** Feeds bytes; calls the sink for every line they complete. */
  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let pos = 0;
    // Positions of the next LF / IAC at or after `pos`; each is searched forward only,
    // so the whole chunk is scanned once for each byte value: linear.
    let lf = -2;
    let iac = -2;
    while (pos < n) {
      if (this.#telnet !== DATA) {
        pos = this.#telnetByte(chunk[pos]!, pos);
        continue;
      }
      if (lf !== -1 && lf < pos) lf = chunk.indexOf(LF, pos);
      if (iac !== -1 && iac < pos) iac = chunk.indexOf(IAC, pos);
      if (iac !== -1 && (lf === -1 || iac < lf)) {
        this.#append(chunk, pos, iac);
        this.#telnet = AFTER_IAC;
        pos = iac + 1;
        continue;
      }
      if (lf === -1) {
        this.#append(chunk, pos, n);
        return;
      }
      if (this.#length === 0) {
        // The whole line is inside this chunk: hand out a view, no copy.
        const end = lf > pos && chunk[lf - 1] === CR ? lf - 1 : lf;
        if (end - pos > this.#maxLineLength) this.#tooLong(end - pos);
        this.#sink(chunk.subarray(pos, end));
      } else {
        this.#append(chunk, pos, lf);
        this.#flush();
      }
      pos = lf + 1;
    }
  }

  /** Handles one byte of a Telnet command; returns the next position. */
  #telnetByte(b: number, pos: number): number {
    switch (this.#telnet) {
      case AFTER_IAC:
        if (b === IAC) {
          this.#telnet = DATA;
          this.#appendByte(IAC);
        } else if (b >= WILL && b <= DONT) {
          this.#telnet = OPTION;
        } else if (b === SB) {
          this.#telnet = SUBNEGOTIATION;
        } else {
          // Two-byte commands (IP, DM, AO, AYT, NOP, GA, EC, EL, BRK, SE) carry no data.
          this.#telnet = DATA;
        }
        return pos + 1;
      case OPTION:
        this.#telnet = DATA;
        return pos + 1;
      case SUBNEGOTIATION:
        if (b === IAC) this.#telnet = SUBNEGOTIATION_IAC;
        return pos + 1;
      default:
        // Inside SB, IAC IAC is an escaped 0xFF and IAC SE ends the subnegotiation.
        this.#telnet = b === SE ? DATA : SUBNEGOTIATION;
        return pos + 1;
    }
  }

  #append(chunk: Uint8Array, from: number, to: number): void {
    const add = to - from;
    if (add === 0) return;
    const need = this.#length + add;
    // One extra byte for the CR that may precede the LF.
    if (need > this.#maxLineLength + 1) this.#tooLong(need);
    this.#reserve(need);
    this.#buffer.set(chunk.subarray(from, to), this.#length);
    this.#length = need;
  }

  #appendByte(b: number): void {
    const need = this.#length + 1;
    if (need > this.#maxLineLength + 1) this.#tooLong(need);
    this.#reserve(need);
    this.#buffer[this.#length] = b;
    this.#length = need;
  }

  #reserve(need: number): void {
    if (need <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(Math.min(size, this.#maxLineLength + 1));
    grown.set(this.#buffer.subarray(0, this.#length));
    this.#buffer = grown;
  }

  #flush(): void {
    let end = this.#length;
    if (end > 0 && this.#buffer[end - 1] === CR) end--;
    if (end > this.#maxLineLength) this.#tooLong(end);
    this.#length = 0;
    // The sink must not keep the view: the buffer is reused for the next line.
    this.#sink(this.#buffer.subarray(0, end));
  }

  #tooLong(length: number): never {
    this.#length = 0;
    throw new FtpProtocolError(
      `The ${this.#what} is longer than the limit of ${this.#maxLineLength} bytes (${length} bytes or more)`,
    );
  }
}
