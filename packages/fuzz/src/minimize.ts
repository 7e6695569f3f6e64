/**
 * Shrinks a failing input while it keeps failing the same way (same kind, message shape and
 * first stack frame): drops chunks, joins them, deletes byte ranges of halving sizes.
 * `onRun` sees each candidate before it runs (a candidate may hang: the fuzzer keeps it).
 *
 * @module
 */

import type { FuzzCase, FuzzChunk } from "./fuzz-case.ts";
import { caseSize } from "./fuzz-case.ts";
import { failureSignature, runCase } from "./runner.ts";
import type { Target } from "./target.ts";

/** Returns a smaller input with the same failure signature (or the input itself). */
export function minimize(
  target: Target,
  input: FuzzCase,
  signature: string,
  maxRuns = 3000,
  onRun?: (candidate: FuzzCase) => void,
  maxMs = 10_000,
): FuzzCase {
  // A round trip's expected outcome belongs to its exact bytes: nothing to cut there.
  if (input.expected !== undefined) return input;
  let runs = 0;
  let best = input;
  const deadline = Date.now() + maxMs;
  const fails = (candidate: FuzzCase): boolean => {
    if (runs >= maxRuns || Date.now() > deadline) return false;
    runs++;
    onRun?.(candidate);
    const outcome = runCase(target, candidate);
    return !outcome.ok && failureSignature(outcome) === signature;
  };
  const withChunks = (chunks: FuzzChunk[]): FuzzCase => ({ config: best.config, chunks });
  // Fewer chunks.
  for (let i = best.chunks.length - 1; i >= 0; i--) {
    const chunks = best.chunks.filter((_, k) => k !== i);
    const candidate = withChunks(chunks);
    if (fails(candidate)) best = candidate;
  }
  // One chunk per connection.
  const connections = [...new Set(best.chunks.map((c) => c.connection))];
  if (best.chunks.length > connections.length) {
    const joined = connections.map((connection) => {
      const parts = best.chunks.filter((c) => c.connection === connection);
      const n = parts.reduce((s, c) => s + c.bytes.length, 0);
      const bytes = new Uint8Array(n);
      let o = 0;
      for (const p of parts) {
        bytes.set(p.bytes, o);
        o += p.bytes.length;
      }
      return { connection, bytes };
    });
    const candidate = withChunks(joined);
    if (fails(candidate)) best = candidate;
  }
  // Fewer bytes: delete ranges, halving their size until single bytes.
  for (let ci = 0; ci < best.chunks.length; ci++) {
    for (let size = Math.max(1, best.chunks[ci]!.bytes.length >> 1); size >= 1; size >>= 1) {
      for (
        let at = 0;
        at < best.chunks[ci]!.bytes.length && runs < maxRuns && Date.now() <= deadline;
      ) {
        const bytes = best.chunks[ci]!.bytes;
        const cut = new Uint8Array(bytes.length - Math.min(size, bytes.length - at));
        cut.set(bytes.subarray(0, at), 0);
        cut.set(bytes.subarray(at + size), at);
        const chunks = best.chunks.map((c, k) =>
          k === ci ? { connection: c.connection, bytes: cut } : c,
        );
        const candidate = withChunks(chunks);
        if (fails(candidate)) best = candidate;
        else at += size;
      }
      if (size === 1) break;
    }
  }
  return caseSize(best) <= caseSize(input) ? best : input;
}
