/**
 * Decoding of one control-connection line.
 *
 * RFC 2640 makes UTF-8 the encoding of paths, but servers in the wild send whatever
 * bytes their file system holds. A line that is not valid UTF-8 is decoded as latin1
 * (one byte, one code point), so that every byte survives and a name read from a
 * listing can be sent back with {@link encodeCommand}'s `"latin1"` encoding.
 *
 * @module
 */

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Decodes bytes as UTF-8, or as latin1 when they are not valid UTF-8. Never throws.
 * (A fatal TextDecoder is faster than any hand-written ASCII loop, even on short lines.)
 *
 * @example
 * ```ts
 * decodeText(new Uint8Array([0x63, 0x61, 0x66, 0xc3, 0xa9])); // "café"
 * decodeText(new Uint8Array([0x63, 0x61, 0x66, 0xe9]));       // "café" (latin1)
 * ```
 */
export function decodeText(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return decodeLatin1(bytes);
  }
}

/** Decodes bytes as UTF-8, or returns `undefined` when they are not valid UTF-8. */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return utf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/**
 * Decodes bytes as ISO-8859-1: byte value = code point. (The WHATWG "latin1" label of
 * TextDecoder means windows-1252, which remaps 0x80-0x9F, so it is not used.)
 */
export function decodeLatin1(bytes: Uint8Array): string {
  let s = "";
  // fromCharCode.apply takes at most a few tens of thousands of arguments safely.
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, i + 8192) as unknown as number[]);
  }
  return s;
}
