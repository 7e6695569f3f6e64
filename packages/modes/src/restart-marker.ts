/**
 * Restart markers (RFC 959 §3.4.2, §3.5): printable characters of the control connection's
 * language (NVT-ASCII), no space inside.
 *
 * @module
 */

import { FtpProtocolError, FtpUsageError } from "@ftpkit/errors";

/** The longest marker a decoder collects; a B block cannot carry more. */
export const MAX_RESTART_MARKER_LENGTH = 65535;

/**
 * Encodes a marker for the wire; refuses anything but printable ASCII without spaces.
 *
 * @throws {FtpUsageError} for an empty marker, a space, a control or a non-ASCII character,
 * or a marker longer than `maxLength`.
 */
export function encodeRestartMarker(marker: string, maxLength: number): Uint8Array {
  if (marker.length === 0) throw new FtpUsageError("A restart marker cannot be empty");
  if (marker.length > maxLength) {
    throw new FtpUsageError(
      `Restart marker "${marker.slice(0, 40)}…" is ${marker.length} characters long; this mode carries at most ${maxLength}`,
    );
  }
  const bytes = new Uint8Array(marker.length);
  for (let i = 0; i < marker.length; i++) {
    const c = marker.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) {
      throw new FtpUsageError(
        `Restart marker ${JSON.stringify(marker)} has character code ${c} at index ${i}; markers are printable ASCII without spaces (RFC 959 §3.4.2)`,
      );
    }
    bytes[i] = c;
  }
  return bytes;
}

/**
 * Decodes marker bytes received from the peer.
 *
 * @throws {FtpProtocolError} for an empty marker or a byte outside printable ASCII.
 */
export function decodeRestartMarker(bytes: Uint8Array, mode: string): string {
  if (bytes.length === 0) throw new FtpProtocolError(`MODE ${mode}: empty restart marker`);
  let s = "";
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    if (c < 0x21 || c > 0x7e) {
      throw new FtpProtocolError(
        `MODE ${mode}: restart marker has byte 0x${c.toString(16).padStart(2, "0")} at index ${i}; markers are printable ASCII without spaces (RFC 959 §3.4.2)`,
      );
    }
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * Collects the bytes of a marker as they arrive, so that a marker split across chunks costs
 * only what has been received (never the announced count up front).
 */
export class MarkerCollector {
  #parts: Uint8Array[] = [];
  #length = 0;

  /** Appends a piece (copied: the chunk it came from may be reused by the caller). */
  add(piece: Uint8Array): void {
    if (piece.length === 0) return;
    this.#parts.push(piece.slice());
    this.#length += piece.length;
  }

  /** Returns the collected bytes and starts over. */
  take(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let o = 0;
    for (const p of this.#parts) {
      out.set(p, o);
      o += p.length;
    }
    this.#parts = [];
    this.#length = 0;
    return out;
  }
}
