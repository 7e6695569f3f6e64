/**
 * Moving one file (or listing) over a data connection in the session's mode, type and
 * structure: encoding with `@ftpkit/modes`, TYPE A line ends, STRU R records, restart
 * markers, limits, timeouts and the data faults.
 *
 * @module
 */

import { FtpError, TruncatedTransferError } from "@ftpkit/errors";
import {
  createDecoder,
  createEncoder,
  type FileStructure,
  type ModeDecoder,
  type ModeEvent,
  type TransferMode,
} from "@ftpkit/modes";
import { AsciiFromNetwork, AsciiToNetwork } from "./ascii.ts";
import type { DataConnection } from "./data-connection.ts";
import type { DropDataFault, SlowDataFault } from "./faults.ts";
import type { IdleTimer } from "./idle-timer.ts";
import type { StorageWriter } from "./storage/types.ts";
import type { TransferStop } from "./transfer-stop.ts";

/** A transfer failed; `code` is the reply (426, 451, 552, ...). */
export class TransferError extends FtpError {
  static override readonly errorName: string = "TransferError";
  /** File bytes moved before the failure. */
  readonly bytes: number;

  constructor(message: string, code: number, bytes: number, cause?: unknown) {
    super(message, { code, cause });
    this.bytes = bytes;
  }
}

/** The representation types this server transfers. */
export type ServerType = "A" | "I" | "L";

/** How one transfer runs. */
export interface TransferSettings {
  mode: TransferMode;
  type: ServerType;
  structure: FileStructure;
  /** MODE Z compression level. */
  level: number;
  /** Where in the file the transfer starts (REST), for restart markers. */
  offset: number;
  stop: TransferStop;
  dataTimeout: number;
  sleep: (ms: number) => Promise<void>;
  drop: DropDataFault | undefined;
  /** Called when the drop fault cuts the connection (it is logged as a fault entry). */
  onDrop?: (() => void) | undefined;
  slow: SlowDataFault | undefined;
  /** A "close control during transfer" fault: after `afterBytes` wire bytes, `fire()`. */
  closeControl: { afterBytes: number; fire: () => void } | undefined;
}

/** What a download adds to its {@link TransferSettings}. */
export interface SendOptions {
  /** True for listings: bytes go as they are (already CR LF), file structure, from offset 0. */
  raw: boolean;
  /** B/C restart marker every this many file bytes (0: none). */
  restartInterval: number;
  /** Called with each marker sent and the file offset it stands for. */
  onMarker: (marker: string, offset: number) => void;
}

/** Settings of an upload. */
export interface ReceiveSettings extends TransferSettings {
  maxUploadSize: number;
  /** A restart marker arrived from the client; `offset` is the stored file offset it stands for. */
  onMarker: (marker: string, offset: number) => Promise<void>;
}

const LF = 0x0a;
/** B, C and E mark the end of a file inside the data: the connection outlives the file. */
export function keepsConnection(mode: TransferMode): boolean {
  return mode === "B" || mode === "C" || mode === "E";
}

/**
 * Pieces up to this size together are copied into one write: a 64 KiB read and its
 * block header (B, C, E) too. The copy costs less than a second write through the socket
 * for the 3-byte header (measured, 256 MiB in MODE B: 8-20 % faster, at RTT 0 and
 * through the bench's latency proxy).
 */
const COALESCE_BYTES = 72 * 1024;

/**
 * What a file read encodes to, at most, to be gathered with the files after it over a
 * kept connection (`DataConnection.buffer`): small files. The 64 KiB blocks of a big
 * file gain nothing from it and go out one write each, as {@link COALESCE_BYTES} says.
 */
const GATHER_PIECES_BYTES = 32 * 1024;

function totalLength(chunks: readonly Uint8Array[]): number {
  let n = 0;
  for (let i = 0; i < chunks.length; i++) n += chunks[i]!.length;
  return n;
}

/** `chunks[from..to)` (`bytes` in all, at most {@link COALESCE_BYTES}) copied into `into`. */
function joined(
  into: Uint8Array,
  chunks: Uint8Array[],
  from: number,
  to: number,
  bytes: number,
): Uint8Array {
  let at = 0;
  for (let i = from; i < to; i++) {
    into.set(chunks[i]!, at);
    at += chunks[i]!.length;
  }
  return into.subarray(0, bytes);
}

/** Why the wire stopped: set by the abort signal, the watchdog or a fault. */
type StopReason = { code: number; message: string };

/**
 * Writes and reads the wire for one transfer, applying the data faults and counting
 * wire bytes.
 */
class Wire {
  readonly #connection: DataConnection;
  readonly #settings: TransferSettings;
  /** The connection's timer for the data timeout, started for this transfer. */
  readonly #watchdog: IdleTimer;
  /** Settles when the wire stops (made only when a slow-data pause waits on it). */
  #stopped: Promise<void> | undefined;
  #stoppedNow: (() => void) | undefined;
  #wireBytes = 0;
  stop: StopReason | undefined;

  constructor(connection: DataConnection, settings: TransferSettings) {
    this.#connection = connection;
    this.#settings = settings;
    this.#watchdog = connection.watchdog;
    this.#watchdog.start(settings.dataTimeout, this.#onTimeout);
    if (settings.stop.aborted) this.#halt({ code: 426, message: "Transfer aborted" });
    else settings.stop.onAbort(this.#onAbort);
  }

  readonly #onAbort = (): void => {
    this.#halt({ code: 426, message: "Transfer aborted" });
  };

  readonly #onTimeout = (): void => {
    this.#halt({
      code: 426,
      message: `Data connection timed out (no progress for ${this.#settings.dataTimeout} ms)`,
    });
  };

  #halt(reason: StopReason): void {
    this.stop ??= reason;
    this.#stoppedNow?.();
    void this.#connection.close();
  }

  /** Settles when the wire stops. */
  #whenStopped(): Promise<void> {
    if (this.stop !== undefined) return Promise.resolve();
    this.#stopped ??= new Promise((resolve) => {
      this.#stoppedNow = resolve;
    });
    return this.#stopped;
  }

  done(): void {
    // A connection closed meanwhile keeps no timer.
    if (this.#connection.closed) this.#watchdog.dispose();
    else this.#watchdog.stop();
    this.#settings.stop.offAbort(this.#onAbort);
  }

  /** Checks the byte-count faults; returns how many of `n` more bytes may pass. */
  #allowance(n: number): number {
    let allowed = n;
    const drop = this.#settings.drop;
    if (drop !== undefined)
      allowed = Math.min(allowed, Math.max(0, drop.afterBytes - this.#wireBytes));
    const cc = this.#settings.closeControl;
    if (cc !== undefined) allowed = Math.min(allowed, Math.max(0, cc.afterBytes - this.#wireBytes));
    return allowed;
  }

  #afterBytes(): void {
    const cc = this.#settings.closeControl;
    if (cc !== undefined && this.#wireBytes >= cc.afterBytes) {
      this.#settings.closeControl = undefined;
      cc.fire();
      this.#halt({ code: 426, message: "Control connection closed (fault injection)" });
    }
    const drop = this.#settings.drop;
    if (drop !== undefined && this.#wireBytes >= drop.afterBytes) {
      this.#settings.drop = undefined;
      this.#settings.onDrop?.();
      this.#halt({
        code: drop.reply ?? 426,
        message:
          (drop.reply ?? 426) < 300
            ? "Transfer complete"
            : `Connection closed; transfer aborted (fault injection: dropped after ${drop.afterBytes} bytes)`,
      });
    }
  }

  async write(chunks: Uint8Array[]): Promise<void> {
    const s = this.#settings;
    if (s.slow === undefined && s.drop === undefined && s.closeControl === undefined) {
      return keepsConnection(s.mode) && totalLength(chunks) <= GATHER_PIECES_BYTES
        ? this.#writeGathered(chunks)
        : this.#writeCoalesced(chunks);
    }
    for (const chunk of chunks) {
      let rest = chunk;
      while (rest.length > 0) {
        if (this.stop !== undefined) throw this.stop;
        let piece = rest;
        const slow = this.#settings.slow;
        if (slow !== undefined && piece.length > slow.chunkBytes)
          piece = piece.subarray(0, slow.chunkBytes);
        const allowed = this.#allowance(piece.length);
        if (allowed < piece.length) piece = piece.subarray(0, allowed);
        if (piece.length > 0) {
          await this.#connection.write(piece);
          this.#wireBytes += piece.length;
          this.#watchdog.touch();
        }
        rest = rest.subarray(piece.length);
        this.#afterBytes();
        // A stop (ABOR, timeout, session end) cuts the pause short.
        if (slow !== undefined && piece.length > 0) {
          await Promise.race([this.#settings.sleep(slow.delayMs), this.#whenStopped()]);
        }
      }
    }
    if (this.stop !== undefined) throw this.stop;
  }

  /**
   * Writes `chunks` with as few writes as is cheap: runs of pieces up to
   * {@link COALESCE_BYTES} in all (a block header with a file read's bytes, a small file,
   * the last byte held back from the block before) are copied into one buffer (the copy
   * costs less than a write through the socket: a system call, a wake-up of the peer); a
   * piece larger than that goes as it is.
   * The buffer is the connection's own, used again for its next write: a write resolves
   * once the socket took the bytes (the `Socket` contract), and writes on one connection
   * go one after the other.
   */
  async #writeCoalesced(chunks: Uint8Array[]): Promise<void> {
    let from = 0;
    let bytes = 0;
    for (let i = 0; i <= chunks.length; i++) {
      const chunk = chunks[i];
      if (chunk !== undefined && bytes + chunk.length <= COALESCE_BYTES) {
        bytes += chunk.length;
        continue;
      }
      if (bytes > 0) {
        await this.#send(
          i - from === 1
            ? chunks[from]!
            : joined(this.#connection.scratch(COALESCE_BYTES), chunks, from, i, bytes),
        );
      }
      if (chunk !== undefined && chunk.length > COALESCE_BYTES) {
        await this.#send(chunk);
        from = i + 1;
        bytes = 0;
      } else {
        from = i;
        bytes = chunk?.length ?? 0;
      }
    }
    if (this.stop !== undefined) throw this.stop;
  }

  /**
   * Over a kept connection (B, C, E) the pieces are gathered with those of the files
   * after it (`DataConnection.buffer`): a run of small files goes out in a few writes.
   */
  async #writeGathered(chunks: Uint8Array[]): Promise<void> {
    const connection = this.#connection;
    for (let i = 0; i < chunks.length; i++) {
      if (this.stop !== undefined) throw this.stop;
      const piece = chunks[i]!;
      await connection.buffer(piece);
      this.#wireBytes += piece.length;
    }
    this.#watchdog.touch();
    if (this.stop !== undefined) throw this.stop;
  }

  async #send(piece: Uint8Array): Promise<void> {
    if (this.stop !== undefined) throw this.stop;
    await this.#connection.write(piece);
    this.#wireBytes += piece.length;
    this.#watchdog.touch();
  }

  /** The next chunk from the peer (cut short by a fault), or undefined at its end. */
  async read(): Promise<Uint8Array | undefined> {
    if (this.stop !== undefined) throw this.stop;
    const chunk = await this.#connection.read();
    if (this.stop !== undefined) throw this.stop;
    if (chunk === undefined) return undefined;
    this.#watchdog.touch();
    const allowed = this.#allowance(chunk.length);
    const piece = allowed < chunk.length ? chunk.subarray(0, allowed) : chunk;
    this.#wireBytes += piece.length;
    this.#afterBytes();
    return piece;
  }
}

function failure(error: unknown, wire: Wire, bytes: number, what: string): TransferError {
  if (error instanceof TransferError) return error;
  const stop = wire.stop;
  if (stop !== undefined) return new TransferError(stop.message, stop.code, bytes);
  if (TruncatedTransferError.isInstance(error)) {
    return new TransferError(
      `Connection closed inside the file; ${what} incomplete`,
      426,
      bytes,
      error,
    );
  }
  if (FtpError.isInstance(error) && error.name === "StorageError") {
    return new TransferError(`Local error: ${(error as Error).message}`, 451, bytes, error);
  }
  if (FtpError.isInstance(error) && error.name === "FtpProtocolError") {
    return new TransferError(`Malformed data: ${(error as Error).message}`, 426, bytes, error);
  }
  return new TransferError(`Connection closed; transfer aborted`, 426, bytes, error);
}

/** What {@link encodeWholeFile} needs to know of a transfer. */
export type WholeFileSettings = Pick<TransferSettings, "mode" | "type" | "structure" | "level">;

/** True when {@link encodeWholeFile} may encode files under these settings. */
export function encodesWholeFiles(settings: WholeFileSettings): boolean {
  return keepsConnection(settings.mode) && settings.type !== "A" && settings.structure === "F";
}

/**
 * What {@link sendData} writes for a small file read whole (`chunk`), in a mode that
 * keeps the connection, TYPE I or L and file structure, from its start, when no restart
 * marker falls inside it and it is small enough to be gathered with the files around it
 * (`DataConnection.buffer`); undefined when any of that does not hold.
 */
export function encodeWholeFile(
  chunk: Uint8Array,
  settings: WholeFileSettings,
  restartInterval: number,
): Uint8Array[] | undefined {
  const { mode, type, structure } = settings;
  if (!encodesWholeFiles(settings) || chunk.length > GATHER_PIECES_BYTES) return undefined;
  if (mode !== "E" && restartInterval > 0 && chunk.length >= restartInterval) return undefined;
  const encoder = createEncoder(mode, { type, structure, level: settings.level });
  // The offset counts in MODE E only: its blocks carry it.
  const data = chunk.length > 0 ? encoder.data(chunk, 0) : [];
  const pieces = data.concat(encoder.eof());
  return totalLength(pieces) <= GATHER_PIECES_BYTES ? pieces : undefined;
}

/**
 * Sends `source` (file bytes from the storage, or listing text) over `connection`.
 * In STREAM and Z the connection is finished (closed) after the file; in B and C it
 * stays open after the EOF marker. Resolves with the file bytes sent.
 */
export async function sendData(
  connection: DataConnection,
  source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  settings: TransferSettings,
  options: SendOptions,
): Promise<number> {
  const { raw } = options;
  const structure = raw ? "F" : settings.structure;
  const encoder = createEncoder(settings.mode, {
    type: raw ? "A" : settings.type,
    structure,
    level: settings.level,
  });
  const ascii =
    !raw && settings.type === "A" && structure === "F" ? new AsciiToNetwork() : undefined;
  const markers =
    (settings.mode === "B" || settings.mode === "C") && !raw ? options.restartInterval : 0;
  const start = raw ? 0 : settings.offset;
  // MODE E blocks carry their offset: the first one starts where REST said.
  let firstOffset: number | undefined = settings.mode === "E" ? start : undefined;
  const wire = new Wire(connection, settings);
  // Without byte-counting faults, what a chunk encodes to is written when the next chunk
  // (or the end) is there, with it: a small file's bytes and its end marker go out in one
  // write (the wire coalesces small pieces). With faults every piece goes at once, as the
  // faults count them.
  const defer =
    settings.slow === undefined &&
    settings.drop === undefined &&
    settings.closeControl === undefined;
  let pending: Uint8Array[] = [];
  /** File bytes counted in `bytes` whose encoding is not written yet. */
  let unflushed = 0;
  const flush = async (): Promise<void> => {
    if (pending.length > 0) {
      const out = pending;
      pending = [];
      await wire.write(out);
    }
    unflushed = 0;
  };
  const put = async (out: Uint8Array[]): Promise<void> => {
    for (const piece of out) pending.push(piece);
    if (!defer) await flush();
  };
  let bytes = 0;
  let sinceMarker = 0;
  try {
    for await (const chunk of source) {
      if (wire.stop !== undefined) throw wire.stop;
      await flush();
      if (structure === "R") {
        let start = 0;
        for (let i = chunk.indexOf(LF); i !== -1; i = chunk.indexOf(LF, start)) {
          await put(encoder.data(chunk.subarray(start, i), firstOffset));
          firstOffset = undefined;
          await put(encoder.record());
          start = i + 1;
        }
        if (start < chunk.length) await put(encoder.data(chunk.subarray(start), firstOffset));
      } else {
        await put(encoder.data(ascii === undefined ? chunk : ascii.convert(chunk), firstOffset));
      }
      firstOffset = undefined;
      bytes += chunk.length;
      if (defer) unflushed += chunk.length;
      sinceMarker += chunk.length;
      // In record structure a marker goes only between records, so that a resume starts one.
      const atRecordEnd = structure !== "R" || chunk[chunk.length - 1] === LF;
      if (markers > 0 && sinceMarker >= markers && atRecordEnd) {
        sinceMarker = 0;
        const offset = start + bytes;
        const marker = String(offset);
        options.onMarker(marker, offset);
        await put(encoder.restart(marker));
      }
    }
    await put(encoder.eof());
    await flush();
    if (!keepsConnection(settings.mode)) await connection.finish();
    if (wire.stop !== undefined) throw wire.stop;
    return bytes;
  } catch (error) {
    await connection.close();
    throw failure(error, wire, bytes - unflushed, "download");
  } finally {
    wire.done();
  }
}

function decoderFor(connection: DataConnection, settings: TransferSettings): ModeDecoder {
  const options = { type: settings.type, structure: settings.structure } as const;
  if (!keepsConnection(settings.mode)) return createDecoder(settings.mode, options);
  // B and C: the decoder lives as long as the connection (bytes past one file's EOF
  // belong to the next); a new TYPE or STRU between files starts a fresh one.
  const key = `${settings.mode}${settings.type}${settings.structure}`;
  if (
    connection.decoder === undefined ||
    (connection.decoderKey !== key && connection.pending.length === 0)
  ) {
    connection.decoder = createDecoder(settings.mode, options);
    connection.decoderKey = key;
  }
  return connection.decoder;
}

/**
 * Receives one file from `connection` into `writer`. STREAM and Z: until the client
 * closes; B and C: until the EOF marker (the connection stays open). Resolves with the
 * file bytes stored.
 */
export async function receiveData(
  connection: DataConnection,
  writer: StorageWriter,
  settings: ReceiveSettings,
): Promise<number> {
  const decoder = decoderFor(connection, settings);
  const ascii =
    settings.type === "A" && settings.structure === "F" ? new AsciiFromNetwork() : undefined;
  const wire = new Wire(connection, settings);
  const persistent = keepsConnection(settings.mode);
  const extended = settings.mode === "E";
  // MODE E: blocks must come in order on this one connection (no parallel transfers);
  // the file is complete after its EOF block and as many EODs as that block announced.
  let expectedOffset = settings.offset;
  let eodsNeeded = Number.POSITIVE_INFINITY;
  let eods = 0;
  let bytes = 0;
  const store = async (data: Uint8Array): Promise<void> => {
    if (data.length === 0) return;
    if (bytes + data.length > settings.maxUploadSize) {
      const room = settings.maxUploadSize - bytes;
      if (room > 0) await writer.write(data.subarray(0, room));
      bytes += Math.max(0, room);
      throw new TransferError(
        `Upload exceeds the limit of ${settings.maxUploadSize} bytes; stored ${bytes}`,
        552,
        bytes,
      );
    }
    await writer.write(data);
    bytes += data.length;
  };
  try {
    for (;;) {
      let events: ModeEvent[];
      let ended = false;
      if (connection.pending.length > 0) {
        events = connection.pending;
        connection.pending = [];
      } else {
        const chunk = await wire.read();
        if (chunk === undefined) {
          ended = true;
          events = decoder.end();
        } else events = decoder.push(chunk);
      }
      for (let i = 0; i < events.length; i++) {
        const event = events[i]!;
        switch (event.type) {
          case "data":
            if (extended) {
              if (event.offset !== undefined && event.offset !== expectedOffset) {
                throw new TransferError(
                  `MODE E block at offset ${event.offset}, expected ${expectedOffset}: this server takes one data connection with blocks in order`,
                  426,
                  bytes,
                );
              }
              expectedOffset += event.data.length;
            }
            await store(ascii === undefined ? event.data : ascii.convert(event.data));
            break;
          case "eor":
            if (settings.structure === "R") await store(Uint8Array.of(LF));
            break;
          case "restart":
            await settings.onMarker(event.marker, settings.offset + bytes);
            break;
          case "eof":
            if (extended) {
              eodsNeeded = event.eodCount ?? 1;
              if (eodsNeeded !== 1) {
                throw new TransferError(
                  `MODE E EOF announces ${eodsNeeded} data connections; this server takes one (OPTS STOR Parallelism is not offered)`,
                  426,
                  bytes,
                );
              }
              if (eods < eodsNeeded) break;
            }
            if (ascii !== undefined) await store(ascii.flush());
            if (persistent) {
              connection.pending = events.slice(i + 1);
              return bytes;
            }
            break;
          case "eod":
            if (extended && ++eods >= eodsNeeded) {
              if (ascii !== undefined) await store(ascii.flush());
              connection.pending = events.slice(i + 1);
              return bytes;
            }
            break;
        }
      }
      if (ended) {
        if (persistent) {
          throw new TransferError(
            "Data connection closed before the EOF marker; upload incomplete",
            426,
            bytes,
          );
        }
        if (ascii !== undefined) await store(ascii.flush());
        await connection.close();
        return bytes;
      }
    }
  } catch (error) {
    await connection.close();
    throw failure(error, wire, bytes, "upload");
  } finally {
    wire.done();
  }
}
