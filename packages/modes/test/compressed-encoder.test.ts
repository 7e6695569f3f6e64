// The MODE C encoder's fast paths (RFC 959 §3.4.3): the word-at-a-time search for runs
// and the byte strings copied in bulk. Expected lengths are counted by hand from the
// codes: a count byte per byte string of at most 127, two bytes per replicated run, one
// per filler run.
import { describe, expect, it } from "vitest";
import { createEncoder } from "../src/index.ts";
import { chunk, concat, dataOf, decodeChunks } from "./helpers.ts";

/** `n` pseudo-random bytes in which no two neighbours are equal and none is `avoid` or 0. */
function runFree(n: number, avoid: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    let b: number;
    do {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      b = x & 0xff;
    } while (b === 0 || b === avoid || (i > 0 && b === out[i - 1]));
    out[i] = b;
  }
  return out;
}

/** `data` as a view starting `offset` bytes into its buffer. */
function at(offset: number, data: Uint8Array): Uint8Array {
  const buffer = new Uint8Array(offset + data.length);
  buffer.set(data, offset);
  return buffer.subarray(offset);
}

function encode(data: Uint8Array, sizes: readonly number[] = []): Uint8Array {
  const e = createEncoder("C");
  return concat([...chunk(data, sizes).flatMap((c) => e.data(c)), ...e.eof()]);
}

/** Wire length of `n` bytes sent as byte strings. */
const strings = (n: number): number => n + Math.ceil(n / 127);

describe("MODE C encoder: finding runs in long inputs", () => {
  const N = 300;

  it("finds 3 equal bytes at every position and alignment", () => {
    for (let offset = 0; offset < 4; offset++) {
      for (let p = 0; p + 3 <= N; p++) {
        const data = runFree(N, 0x55, p + 1);
        data.fill(0x55, p, p + 3);
        const wire = encode(at(offset, data));
        expect(wire.length, `run at ${p}, offset ${offset}`).toBe(
          strings(p) + 2 + strings(N - p - 3) + 2,
        );
        expect([...dataOf(decodeChunks("C", [wire]))]).toEqual([...data]);
      }
    }
  });

  it("finds 2 fillers at every position and alignment, and leaves 2 equal bytes in the string", () => {
    for (let offset = 0; offset < 4; offset++) {
      for (let p = 0; p + 2 <= N; p++) {
        const fillers = runFree(N, 0x55, p + 7);
        fillers.fill(0, p, p + 2);
        const wire = encode(at(offset, fillers));
        expect(wire.length, `fillers at ${p}`).toBe(strings(p) + 1 + strings(N - p - 2) + 2);
        expect([...dataOf(decodeChunks("C", [wire]))]).toEqual([...fillers]);
        const pair = runFree(N, 0x55, p + 9);
        pair.fill(0x55, p, p + 2);
        expect(encode(at(offset, pair)).length).toBe(strings(N) + 2);
      }
    }
  });

  it("gives the same bytes for long inputs however they are chunked and aligned", () => {
    const data = runFree(5000, 0x55, 3);
    for (const p of [0, 1, 130, 131, 2047, 4990]) data.fill(p % 2 ? 0 : 0x55, p, p + 5);
    data.fill(0x77, 3000, 3200);
    const whole = Buffer.from(encode(data)).toString("hex");
    for (const sizes of [[1], [63], [64, 65], [127], [128], [4096], [1000, 3, 7]]) {
      for (let offset = 1; offset < 4; offset++) {
        const hex = Buffer.from(encode(at(offset, data), sizes)).toString("hex");
        expect(hex, `chunks ${sizes.join(",")}, offset ${offset}`).toBe(whole);
      }
    }
    expect([...dataOf(decodeChunks("C", [encode(data)]))]).toEqual([...data]);
  });
});
