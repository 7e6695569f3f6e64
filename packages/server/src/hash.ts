/**
 * File digests for the HASH command (draft-bryan-ftpext-hash-02), answered the way
 * proftpd's mod_digest answers it: `213 SHA-256 0-6 <hex> hello.txt`.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** The algorithms HASH offers, in FEAT order; the first is the default. */
export const HASH_ALGORITHMS: readonly HashAlgorithm[] = ["SHA-256", "SHA-1", "MD5", "CRC32"];

/** A HASH algorithm name as FEAT and OPTS HASH spell it. */
export type HashAlgorithm = "SHA-256" | "SHA-1" | "MD5" | "CRC32";

/** Something that digests bytes incrementally. */
export interface Digest {
  update(bytes: Uint8Array): void;
  /** The digest as lowercase hex. */
  hex(): string;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zlib and XCRC compute it). */
class Crc32 implements Digest {
  #crc = 0xffffffff;

  update(bytes: Uint8Array): void {
    let crc = this.#crc;
    for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
    this.#crc = crc;
  }

  hex(): string {
    return ((this.#crc ^ 0xffffffff) >>> 0).toString(16).padStart(8, "0");
  }
}

/**
 * A fresh digest for `algorithm`.
 *
 * @example
 * ```ts
 * const d = createDigest("SHA-256");
 * d.update(new TextEncoder().encode("hello\n"));
 * d.hex(); // "5891b5b5…"
 * ```
 */
export function createDigest(algorithm: HashAlgorithm): Digest {
  if (algorithm === "CRC32") return new Crc32();
  const name = algorithm === "SHA-256" ? "sha256" : algorithm === "SHA-1" ? "sha1" : "md5";
  const hash = createHash(name);
  return {
    update: (bytes) => {
      hash.update(bytes);
    },
    hex: () => hash.digest("hex"),
  };
}

/** The algorithm named `name` (case-insensitive, `SHA256` accepted for `SHA-256`), if offered. */
export function hashAlgorithmNamed(name: string): HashAlgorithm | undefined {
  const upper = name.trim().toUpperCase();
  const alias = upper === "SHA256" ? "SHA-256" : upper === "SHA1" ? "SHA-1" : upper;
  return HASH_ALGORITHMS.find((a) => a === alias);
}

/** The FEAT line for HASH, the current algorithm starred: `HASH SHA-256*;SHA-1;MD5;CRC32`. */
export function hashFeature(current: HashAlgorithm): string {
  return `HASH ${HASH_ALGORITHMS.map((a) => (a === current ? `${a}*` : a)).join(";")}`;
}
