/**
 * One fuzz input: the chunks as they are fed (on which connection, in which order), a
 * configuration byte that the target reads its options from, and optionally the expected
 * outcome (for inputs that are valid encodings nobody mutated). Saved cases are this
 * structure in a small binary format, so a replay feeds exactly the same chunks.
 *
 * Format (`.bin`): `"FZC1"`, config u8, chunk count u32 BE, then per chunk: connection u8,
 * length u32 BE, bytes. The expected outcome is a chunk on connection 255 (UTF-8 text).
 *
 * @module
 */

import { ByteHash, concatBytes } from "./bytes.ts";

/** Bytes fed to one connection in one call. */
export interface FuzzChunk {
  /** Which connection the chunk arrives on; 0 for single-connection targets. */
  connection: number;
  bytes: Uint8Array;
}

/** One fuzz input. */
export interface FuzzCase {
  /** Option bits; each target documents how it reads them. */
  config: number;
  chunks: FuzzChunk[];
  /** The outcome a correct implementation gives (a transcript), when it is known. */
  expected?: string;
}

const MAGIC = [0x46, 0x5a, 0x43, 0x31]; // "FZC1"
const EXPECTED_CONNECTION = 255;

/** Serializes a case. */
export function encodeCase(input: FuzzCase): Uint8Array {
  const chunks = [...input.chunks];
  if (input.expected !== undefined) {
    chunks.push({
      connection: EXPECTED_CONNECTION,
      bytes: new TextEncoder().encode(input.expected),
    });
  }
  let size = 9;
  for (const c of chunks) size += 5 + c.bytes.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = input.config & 0xff;
  view.setUint32(5, chunks.length);
  let o = 9;
  for (const c of chunks) {
    out[o] = c.connection;
    view.setUint32(o + 1, c.bytes.length);
    out.set(c.bytes, o + 5);
    o += 5 + c.bytes.length;
  }
  return out;
}

/** Parses a serialized case. @throws {Error} when the bytes are not one. */
export function decodeCase(bytes: Uint8Array): FuzzCase {
  if (bytes.length < 9 || MAGIC.some((m, i) => bytes[i] !== m)) {
    throw new Error('Not a fuzz case: the file does not start with "FZC1"');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const config = bytes[4]!;
  const count = view.getUint32(5);
  const chunks: FuzzChunk[] = [];
  let expected: string | undefined;
  let o = 9;
  for (let i = 0; i < count; i++) {
    if (o + 5 > bytes.length) throw new Error(`Fuzz case cut off in the header of chunk ${i}`);
    const connection = bytes[o]!;
    const length = view.getUint32(o + 1);
    if (o + 5 + length > bytes.length) throw new Error(`Fuzz case cut off inside chunk ${i}`);
    const data = bytes.slice(o + 5, o + 5 + length);
    o += 5 + length;
    if (connection === EXPECTED_CONNECTION) expected = new TextDecoder().decode(data);
    else chunks.push({ connection, bytes: data });
  }
  if (o !== bytes.length)
    throw new Error(`Fuzz case has ${bytes.length - o} bytes after its chunks`);
  return expected === undefined ? { config, chunks } : { config, chunks, expected };
}

/** 16 hex digits naming a case by its content. */
export function caseHash(input: FuzzCase): string {
  const h = new ByteHash();
  h.update(encodeCase(input));
  return h.hex();
}

/** All bytes of a case (on one connection, or on all) joined in order. */
export function caseBytes(input: FuzzCase, connection?: number): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const c of input.chunks) {
    if (connection === undefined || c.connection === connection) parts.push(c.bytes);
  }
  return concatBytes(parts);
}

/** Total bytes of a case. */
export function caseSize(input: FuzzCase): number {
  let n = 0;
  for (const c of input.chunks) n += c.bytes.length;
  return n;
}

/** A case of one chunk on connection 0. */
export function singleChunkCase(config: number, bytes: Uint8Array, expected?: string): FuzzCase {
  const chunks = [{ connection: 0, bytes }];
  return expected === undefined ? { config, chunks } : { config, chunks, expected };
}
