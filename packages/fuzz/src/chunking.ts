/**
 * Splitting inputs into the chunks a socket could deliver: one chunk, single bytes, or
 * random sizes; and interleaving the chunks of several connections.
 *
 * @module
 */

import type { FuzzChunk } from "./fuzz-case.ts";
import type { Prng } from "./prng.ts";

/** Splits `bytes` into chunks for `connection`; an empty input gives no chunk. */
export function splitIntoChunks(rng: Prng, bytes: Uint8Array, connection = 0): FuzzChunk[] {
  const n = bytes.length;
  if (n === 0) return [];
  const style = rng.below(10);
  if (style < 3) return [{ connection, bytes }];
  const chunks: FuzzChunk[] = [];
  if (style === 3 && n <= 4096) {
    for (let i = 0; i < n; i++) chunks.push({ connection, bytes: bytes.subarray(i, i + 1) });
    return chunks;
  }
  const scale = rng.pick([4, 16, 64, 512, 4096, 65536]);
  for (let i = 0; i < n; ) {
    const size = 1 + rng.length(scale - 1);
    chunks.push({ connection, bytes: bytes.subarray(i, i + size) });
    i += size;
  }
  return chunks;
}

/** Merges per-connection chunk lists in a random order that keeps each list's own order. */
export function interleave(rng: Prng, lists: readonly FuzzChunk[][]): FuzzChunk[] {
  const positions = lists.map(() => 0);
  const out: FuzzChunk[] = [];
  let left = lists.reduce((sum, l) => sum + l.length, 0);
  while (left > 0) {
    let k = rng.below(lists.length);
    while (positions[k]! >= lists[k]!.length) k = (k + 1) % lists.length;
    out.push(lists[k]![positions[k]!]!);
    positions[k]!++;
    left--;
  }
  return out;
}
