/** Test helpers shared by the test files. */

import { ReplyParser, type ReplyParserOptions } from "../src/index.ts";

const encoder = new TextEncoder();

/** UTF-8 bytes of a string. */
export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Bytes of a latin1 string: code point = byte. */
export function rawBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

/** Parses bytes fed in the given pieces, then ends the parser. */
export function parseAll(
  chunks: readonly Uint8Array[],
  options?: ReplyParserOptions,
): ReturnType<ReplyParser["push"]> {
  const parser = new ReplyParser(options);
  const out = chunks.flatMap((c) => parser.push(c));
  parser.end();
  return out;
}

/** Splits bytes at the given sorted cut positions. */
export function splitAt(data: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (const cut of cuts) {
    out.push(data.subarray(from, cut));
    from = cut;
  }
  out.push(data.subarray(from));
  return out;
}
