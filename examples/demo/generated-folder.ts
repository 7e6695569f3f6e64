/**
 * The demo's folder: files of mixed sizes and kinds, generated from a seed so that
 * every run serves the same bytes, with the SHA-256 of each to check what arrives.
 *
 * @module
 */

import { createHash } from "node:crypto";

/** One generated file. */
export interface GeneratedFile {
  /** Relative path, "/"-separated. */
  path: string;
  data: Uint8Array;
  /** Lowercase hex SHA-256 of `data`. */
  sha256: string;
}

const DIRS = ["", "docs/", "data/", "data/raw/", "logs/"];

/** xorshift32: fast and deterministic; random bytes do not compress. */
function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
}

function randomBytes(next: () => number, size: number): Uint8Array {
  const words = new Uint32Array(Math.ceil(size / 4));
  for (let i = 0; i < words.length; i++) words[i] = next();
  return new Uint8Array(words.buffer, 0, size);
}

function textBytes(path: string, size: number): Uint8Array {
  const out = new Uint8Array(size);
  const encoder = new TextEncoder();
  let offset = 0;
  for (let line = 0; offset < size; line++) {
    const bytes = encoder.encode(
      `${String(line).padStart(6, "0")} ${path}: the quick brown fox jumps over the lazy dog\n`,
    );
    const take = Math.min(bytes.length, size - offset);
    out.set(bytes.subarray(0, take), offset);
    offset += take;
  }
  return out;
}

/**
 * `count` files: mostly small (up to 48 KiB), some medium (64–512 KiB), one in fifty
 * large (1–3 MiB), an empty one now and then; half text (compresses well in MODE C and
 * Z), half random bytes.
 */
export function generateFolder(count: number, seed = 20260101): GeneratedFile[] {
  const next = random(seed);
  const files: GeneratedFile[] = [];
  for (let i = 0; i < count; i++) {
    const pick = next() % 100;
    const size =
      i % 97 === 13
        ? 0
        : pick < 85
          ? 256 + (next() % (48 * 1024))
          : pick < 98
            ? 64 * 1024 + (next() % (448 * 1024))
            : 1024 * 1024 + (next() % (2 * 1024 * 1024));
    const text = i % 2 === 0;
    const path = `${DIRS[i % DIRS.length]}file-${String(i).padStart(4, "0")}.${text ? "txt" : "bin"}`;
    const data = text ? textBytes(path, size) : randomBytes(next, size);
    files.push({ path, data, sha256: createHash("sha256").update(data).digest("hex") });
  }
  return files;
}
