/**
 * Byte helpers for the fuzzers: joining, hashing, text conversions.
 *
 * @module
 */

const utf8Encoder = new TextEncoder();

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A running 64-bit hash over bytes: 32-bit FNV-1a, and the running sum of its states. */
export class ByteHash {
  #a = 0x811c9dc5;
  #b = 0x050c5d1f;
  #length = 0;

  /** Adds bytes; how the bytes are split over calls does not change the hash. */
  update(bytes: Uint8Array): void {
    let a = this.#a;
    let b = this.#b;
    const n = bytes.length;
    for (let i = 0; i < n; i++) {
      a = Math.imul(a ^ bytes[i]!, 0x01000193);
      b = (b + a) | 0;
    }
    this.#a = a;
    this.#b = b;
    this.#length += n;
  }

  /** Bytes hashed so far. */
  get length(): number {
    return this.#length;
  }

  /** The hash as 16 hex digits. */
  hex(): string {
    return (
      (this.#a >>> 0).toString(16).padStart(8, "0") + (this.#b >>> 0).toString(16).padStart(8, "0")
    );
  }
}

/** 64-bit hash of bytes as 16 hex digits. */
export function hashBytes(bytes: Uint8Array): string {
  const h = new ByteHash();
  h.update(bytes);
  return h.hex();
}

/** Joins byte arrays into one. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** UTF-8 bytes of a string. */
export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

/** Latin1 bytes of a string whose code units are all below 256 (higher ones are cut to 8 bits). */
export function latin1(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

/** A string with one code unit per byte. */
export function bytesToLatin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}

/** Whether two byte arrays hold the same bytes. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A short printable preview of bytes for messages: ASCII as is, other bytes as `\xNN`. */
export function preview(bytes: Uint8Array, max = 80): string {
  let s = "";
  const n = Math.min(bytes.length, max);
  for (let i = 0; i < n; i++) {
    const b = bytes[i]!;
    if (b === 0x0d) s += "\\r";
    else if (b === 0x0a) s += "\\n";
    else if (b >= 0x20 && b < 0x7f && b !== 0x5c) s += String.fromCharCode(b);
    else s += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return bytes.length > max ? `${s}… (${bytes.length} bytes)` : s;
}
