/**
 * MODE E bounds found by the fuzzer: file positions beyond 2^53, endless EOD blocks, and
 * tiny blocks held ahead of their turn.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { FtpProtocolError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import {
  ExtendedBlockDecoder,
  ExtendedBlockEncoder,
  ExtendedBlockReassembler,
  extendedBlockHeader,
  FileSplitter,
  HELD_BLOCK_OVERHEAD,
  type ModeEvent,
} from "../src/index.ts";
import { ascii, concat } from "./helpers.ts";

const hdr = extendedBlockHeader;
const MAX = Number.MAX_SAFE_INTEGER;
const MiB = 1024 * 1024;

/** Heap and array buffers in use after full collections. */
function memoryInUse(): number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** `count` copies of `block` in chunks of about 64 KiB. */
function* repeated(block: Uint8Array, count: number): Iterable<Uint8Array> {
  const per = Math.floor(65536 / block.length);
  const chunk = new Uint8Array(per * block.length);
  for (let i = 0; i < per; i++) chunk.set(block, i * block.length);
  for (let left = count; left > 0; left -= per) {
    yield left >= per ? chunk : chunk.subarray(0, left * block.length);
  }
}

describe("MODE E: file positions stay below 2^53", () => {
  it("a data block whose end is beyond 2^53 - 1 is a FtpProtocolError at its header", () => {
    for (const [count, offset] of [
      [2, MAX],
      [2, MAX - 1],
      [MAX, 1],
      [2 ** 52, 2 ** 52],
    ]) {
      const d = new ExtendedBlockDecoder();
      expect(() => d.push(hdr(0, count!, offset!)), `${count} at ${offset}`).toThrow(
        /ends beyond 2\^53 - 1/,
      );
    }
    // Up to the last exact position is fine; header-only and marker blocks have no extent.
    const events = new ExtendedBlockDecoder().push(concat([hdr(0, 1, MAX - 1), ascii("x")]));
    expect(events).toEqual([{ type: "data", data: ascii("x"), offset: MAX - 1 }]);
    expect(() => new ExtendedBlockDecoder().push(hdr(0x80, 0, MAX))).not.toThrow();
    expect(() => new ExtendedBlockDecoder().push(hdr(0x48, 0, MAX))).not.toThrow();
    expect(() =>
      new ExtendedBlockDecoder().push(concat([hdr(0x10, 1, MAX), ascii("M")])),
    ).not.toThrow();
  });

  it("the reassembler never hands out an offset beyond 2^53, and the encoder refuses one", () => {
    const r = new ExtendedBlockReassembler();
    const a = r.addConnection();
    r.push(a, concat([hdr(0, 4, 1), ascii("abcd")]));
    expect(() => r.push(a, hdr(0, 2 ** 40, MAX - 2 ** 39))).toThrow(FtpProtocolError);
    expect(() => new ExtendedBlockEncoder().data(ascii("ab"), MAX)).toThrow(FtpUsageError);
    expect(new ExtendedBlockEncoder().data(ascii("a"), MAX - 1)).toHaveLength(2);
  });
});

describe("MODE E: endless EOD blocks cost no memory", () => {
  it("1,000,000 EOD blocks without an EOF hold almost nothing, and end as a truncation", () => {
    const splitter = new FileSplitter("E", { maxBufferedBytes: MiB });
    const before = memoryInUse();
    for (const chunk of repeated(hdr(0x08, 0, 0), 1_000_000)) {
      expect(splitter.push(chunk)).toEqual([]);
    }
    const grown = memoryInUse() - before;
    // Each EOD used to leave the state of a future file behind: about 100 MiB here.
    expect(grown).toBeLessThan(8 * MiB);
    expect(() => splitter.end()).toThrow(TruncatedTransferError);
  });

  it("late EODs of completed files move their connection on and are not kept", () => {
    const r = new ExtendedBlockReassembler();
    const a = r.addConnection();
    const b = r.addConnection();
    expect(r.push(a, concat([hdr(0, 2, 0), ascii("hi"), hdr(0x48, 0, 1)]))).toEqual([
      { type: "data", data: ascii("hi"), offset: 0 },
      { type: "eof", eodCount: 1 },
    ]);
    // b's EOD for file 0 is late (the count was 1); it is harmless, and so is a's EOD for
    // file 1 when b then sends the EOF of file 1.
    expect(r.push(b, hdr(0x08, 0, 0))).toEqual([]);
    expect(r.push(a, hdr(0x08, 0, 0))).toEqual([]);
    expect(r.push(b, hdr(0x48, 0, 2))).toEqual([{ type: "eof", eodCount: 2 }]);
    expect(r.filesCompleted).toBe(2);
    expect(r.end()).toEqual([]);
  });

  it("an EOD before any data makes the file started: closing then is a truncation", () => {
    const r = new ExtendedBlockReassembler();
    const a = r.addConnection();
    r.addConnection();
    r.push(a, hdr(0x08, 0, 0));
    expect(() => r.end()).toThrow(/inside file #0 after 0 bytes \(1 EODs, no EOF block yet\)/);
  });
});

describe("MODE E: held blocks count their bookkeeping and do not pin chunks", () => {
  /** 1-byte blocks at offsets 1, 3, 5, …: each must be held (offset 0 never comes). */
  function* aheadChunks(): Iterable<Uint8Array> {
    let offset = 1;
    for (;;) {
      const chunk = new Uint8Array(3640 * 18);
      for (let i = 0; i < 3640; i++) {
        chunk.set(hdr(0, 1, offset), i * 18);
        chunk[i * 18 + 17] = 0x41;
        offset += 2;
      }
      yield chunk;
    }
  }

  it("1-byte blocks held ahead with a 1 MiB limit error after limit / (1 + overhead) blocks", () => {
    const splitter = new FileSplitter("E", { maxBufferedBytes: MiB });
    let fed = 0;
    let error: unknown;
    for (const chunk of aheadChunks()) {
      try {
        splitter.push(chunk);
      } catch (e) {
        error = e;
        break;
      }
      fed += chunk.length;
      // Before the overhead was counted, a million blocks (18 MiB of input) were held.
      if (fed > 18 * MiB) break;
    }
    expect(FtpProtocolError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/more than 1048576 bytes of blocks/);
    const blocks = Math.floor(MiB / (1 + HELD_BLOCK_OVERHEAD));
    expect(fed).toBeLessThan((blocks + 3640) * 18);
  });

  it("a held block much smaller than its chunk also counts the whole chunk, once", () => {
    // One 1-byte block held per 64 KiB chunk (the rest of each chunk is delivered): each
    // keeps its chunk alive, so each counts 64 KiB. With a 1 MiB limit that is 15 chunks, not
    // the 4,000 that counting 1 + 256 bytes would allow (256 MiB kept alive).
    const r = new ExtendedBlockReassembler({ ordered: true, maxBufferedBytes: MiB });
    const c = r.addConnection();
    let held = 0;
    let error: unknown;
    for (let k = 0; k < 100 && error === undefined; k++) {
      const chunk = new Uint8Array(65536);
      const payload = 65536 - 2 * 17 - 1;
      // Data in turn at offset k * payload…, then one byte far ahead.
      chunk.set(hdr(0, payload, k * payload));
      chunk.set(hdr(0, 1, 2 ** 40 + 2 * k), 17 + payload);
      try {
        const out = r.push(c, chunk);
        expect(out.reduce((n, e) => n + (e.type === "data" ? e.data.length : 0), 0)).toBe(payload);
        held++;
      } catch (e) {
        error = e;
      }
    }
    expect(FtpProtocolError.isInstance(error)).toBe(true);
    expect(held).toBe(Math.floor(MiB / (65536 + 1 + HELD_BLOCK_OVERHEAD)));
  });

  it("held blocks stay views of their chunks; one of a chunk over 1 MiB is copied", () => {
    const r = new ExtendedBlockReassembler({ ordered: true });
    const c = r.addConnection();
    // An 18-byte block pushed as a view of a 64 KiB buffer (a socket's read buffer), and one
    // pushed as a view of a 4 MiB buffer (a whole capture read into memory).
    const socketBuffer = new Uint8Array(65536);
    socketBuffer.set(concat([hdr(0, 1, 5), ascii("f")]));
    const capture = new Uint8Array(4 * MiB);
    capture.set(concat([hdr(0, 1, 6), ascii("g")]));
    expect(r.push(c, socketBuffer.subarray(0, 18))).toEqual([]);
    expect(r.push(c, capture.subarray(0, 18))).toEqual([]);
    const out: ModeEvent[] = r.push(c, concat([hdr(0, 5, 0), ascii("abcde"), hdr(0x48, 0, 1)]));
    const data = out.filter((e) => e.type === "data");
    expect(data.map((e) => e.offset)).toEqual([0, 5, 6]);
    expect(data[1]!.data.buffer).toBe(socketBuffer.buffer); // zero-copy, the chunk was counted
    expect(data[2]!.data.buffer.byteLength).toBe(1); // copied: does not keep 4 MiB alive
    expect(data[2]!.data).toEqual(ascii("g"));
    expect(out[out.length - 1]).toEqual({ type: "eof", eodCount: 1 });
  });

  it("a limit smaller than the chunks copies small held blocks instead of counting their chunk", () => {
    const r = new ExtendedBlockReassembler({ ordered: true, maxBufferedBytes: 4096 });
    const c = r.addConnection();
    const socketBuffer = new Uint8Array(65536);
    socketBuffer.set(concat([hdr(0, 1, 1), ascii("x")]));
    expect(r.push(c, socketBuffer.subarray(0, 18))).toEqual([]);
    const last = concat([hdr(0, 1, 0), ascii("w"), hdr(0x48, 0, 1)]);
    const out = r.push(c, last);
    expect(out.map((e) => (e.type === "data" ? e.data.buffer.byteLength : e.type))).toEqual([
      last.length, // in turn: a view of the chunk just pushed
      1, // held: a copy, as counting its 64 KiB chunk would pass the 4096-byte limit
      "eof",
    ]);
  });

  it("blocks of later files count their overhead too, and so does each later file", () => {
    const r = new ExtendedBlockReassembler({ maxBufferedBytes: 4 * HELD_BLOCK_OVERHEAD });
    const a = r.addConnection();
    r.addConnection();
    // a finishes file 0 (EOD count 2: b still owes its EOD), then sends file 1's blocks.
    r.push(a, hdr(0x48, 0, 2));
    // File 1's state (1 overhead) and two 1-byte blocks (2 × (1 + overhead)) fit in 4 overheads…
    r.push(a, concat([hdr(0, 1, 0), ascii("x"), hdr(0, 1, 1), ascii("y")]));
    // …a third does not.
    expect(() => r.push(a, concat([hdr(0, 1, 2), ascii("z")]))).toThrow(FtpProtocolError);
  });
});
