import { describe, expect, it } from "vitest";
import type { DenoTcpConn } from "../src/deno-api.ts";
import { SlabReader } from "../src/slab-reader.ts";

/**
 * A connection that receives bursts of the given sizes (0: a read of nothing); a burst
 * larger than the buffer offered is read over several calls, as from a kernel buffer.
 */
function fakeConn(sizes: number[]): DenoTcpConn & { offered: number[] } {
  let next = 0;
  const offered: number[] = [];
  let counter = 0;
  return {
    offered,
    localAddr: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: 2 },
    async read(buffer: Uint8Array): Promise<number | null> {
      offered.push(buffer.byteLength);
      const size = sizes[next];
      if (size === undefined) return null;
      const n = Math.min(size, buffer.byteLength);
      if (n === size) next++;
      else sizes[next] = size - n;
      for (let i = 0; i < n; i++) buffer[i] = counter++ & 0xff;
      return n;
    },
    write: async (data) => data.byteLength,
    closeWrite: async () => {},
    close: () => {},
    setNoDelay: () => {},
  };
}

describe("SlabReader", () => {
  it("hands out views that never share bytes and keep their content", async () => {
    const reader = new SlabReader(fakeConn([100, 200, 5000, 16 * 1024, 3]));
    const chunks: Uint8Array[] = [];
    for (let chunk = await reader.read(); chunk !== null; chunk = await reader.read()) {
      chunks.push(chunk);
    }
    expect(chunks.map((c) => c.byteLength)).toEqual([100, 200, 5000, 16 * 1024 - 5300, 5300, 3]);
    // Later reads did not overwrite earlier chunks: the byte counter runs on.
    let expected = 0;
    for (const chunk of chunks) {
      for (const byte of chunk) expect(byte).toBe(expected++ & 0xff);
    }
  });

  it("skips reads of zero bytes, which are not the end", async () => {
    const reader = new SlabReader(fakeConn([0, 0, 7]));
    expect((await reader.read())?.byteLength).toBe(7);
    expect(await reader.read()).toBeNull();
  });

  it("grows the slab while reads fill it, up to the maximum", async () => {
    const conn = fakeConn(Array.from({ length: 12 }, () => 1 << 30));
    const reader = new SlabReader(conn, 256 * 1024);
    for (let i = 0; i < 12; i++) await reader.read();
    expect(conn.offered.slice(0, 6)).toEqual([16384, 32768, 65536, 131072, 262144, 262144]);
    expect(Math.max(...conn.offered)).toBe(256 * 1024);
  });

  it("keeps small traffic in a small slab", async () => {
    const conn = fakeConn(Array.from({ length: 400 }, () => 120));
    const reader = new SlabReader(conn);
    let biggest = 0;
    for (let chunk = await reader.read(); chunk !== null; chunk = await reader.read()) {
      biggest = Math.max(biggest, chunk.buffer.byteLength);
    }
    expect(biggest).toBe(16 * 1024);
  });
});
