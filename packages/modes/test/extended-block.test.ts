import { FtpProtocolError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import {
  createEncoder,
  ExtendedBlockEncoder,
  ExtendedBlockReassembler,
  extendedBlockHeader,
  type ModeEvent,
} from "../src/index.ts";
import { ascii, chunk, concat, dataOf, decodeChunks, flatten } from "./helpers.ts";

const hdr = extendedBlockHeader;

describe("MODE E decoder (GFD.20)", () => {
  it("decodes the 17-byte header and an EOF|EOD block whose offset is the EOD count", () => {
    const wire = concat([hdr(0x00, 5, 0), ascii("Hello"), hdr(0x48, 0, 1)]);
    expect(decodeChunks("E", [wire])).toEqual([
      { type: "data", data: ascii("Hello"), offset: 0 },
      { type: "eof", eodCount: 1 },
      { type: "eod" },
    ]);
  });

  it("gives data events the offset of their first byte, also when a block is split", () => {
    const wire = concat([hdr(0, 6, 1000), ascii("abcdef"), hdr(0x08, 0, 0)]);
    const events = decodeChunks("E", chunk(wire, [20, 2, 2, 100]));
    expect(
      events.filter((e) => e.type === "data").map((e) => e.type === "data" && e.offset),
    ).toEqual([1000, 1003, 1005]);
  });

  it("accepts CLOSE (0x04) with EOD, restart markers, suspect data, EOR under STRU R", () => {
    const wire = concat([
      hdr(0x10, 3, 0),
      ascii("M-1"),
      hdr(0x20, 1, 0),
      ascii("s"),
      hdr(0x80, 0, 1),
      hdr(0x04, 0, 0),
      hdr(0x0c, 0, 0),
    ]);
    const events = decodeChunks("E", [wire], { structure: "R" });
    expect(events).toEqual([
      { type: "restart", marker: "M-1" },
      { type: "data", data: ascii("s"), offset: 0, suspect: true },
      { type: "eor" },
      { type: "eod", close: true },
    ]);
    expect(decodeChunks("E", [wire]).some((e) => e.type === "eor")).toBe(false);
  });

  it("ends cleanly between transfers and truncates inside a block or before EOD", () => {
    expect(decodeChunks("E", [])).toEqual([]);
    expect(decodeChunks("E", [hdr(0x08, 0, 0)])).toEqual([{ type: "eod" }]);
    for (const [wire, delivered] of [
      [concat([hdr(0, 10, 0), ascii("abc")]), 3],
      [hdr(0, 10, 0).subarray(0, 9), 0],
      [concat([hdr(0, 2, 0), ascii("ab")]), 2],
    ] as const) {
      try {
        decodeChunks("E", [wire]);
        expect.unreachable();
      } catch (e) {
        expect(TruncatedTransferError.isInstance(e)).toBe(true);
        expect((e as TruncatedTransferError).bytesDelivered).toBe(delivered);
      }
    }
  });

  it("rejects unknown descriptor bits and counts beyond 2^53", () => {
    expect(() => decodeChunks("E", [hdr(0x01, 0, 0)])).toThrow(FtpProtocolError);
    expect(() => decodeChunks("E", [hdr(0x02, 0, 0)])).toThrow(FtpProtocolError);
    const huge = hdr(0, 0, 0);
    huge[1] = 0xff;
    expect(() => decodeChunks("E", [huge])).toThrow(FtpProtocolError);
  });
});

describe("MODE E encoder", () => {
  it("writes data blocks at running offsets and EOF|EOD with the EOD count", () => {
    const e = createEncoder("E", { eodCount: 3 });
    const wire = concat([...e.data(ascii("ab")), ...e.data(ascii("c")), ...e.eof()]);
    expect(Buffer.from(wire).toString("hex")).toBe(
      Buffer.from(
        concat([hdr(0, 2, 0), ascii("ab"), hdr(0, 1, 2), ascii("c"), hdr(0x48, 0, 3)]),
      ).toString("hex"),
    );
  });

  it("places data at an explicit offset, splits at maxBlockSize, sends EOD and CLOSE", () => {
    const e = new ExtendedBlockEncoder({ maxBlockSize: 2 });
    const wire = concat([...e.data(ascii("abc"), 4096), ...e.eod({ close: true })]);
    expect(decodeChunks("E", [wire])).toEqual([
      { type: "data", data: ascii("ab"), offset: 4096 },
      { type: "data", data: ascii("c"), offset: 4098 },
      { type: "eod", close: true },
    ]);
    expect(() => e.data(ascii("x"), -1)).toThrow(FtpUsageError);
    expect(() => new ExtendedBlockEncoder({ eodCount: 0 })).toThrow(FtpUsageError);
  });
});

/** Encodes `files` over `n` connections: blocks dealt round-robin, EOF on a chosen connection. */
function parallel(
  files: Uint8Array[],
  n: number,
  blockSize: number,
  eofOn: (file: number) => number,
): Uint8Array[][] {
  const wires: Uint8Array[][] = Array.from({ length: n }, () => []);
  const encoders = Array.from({ length: n }, () => new ExtendedBlockEncoder({ eodCount: n }));
  files.forEach((file, f) => {
    let k = 0;
    for (let at = 0; at < file.length; at += blockSize) {
      const c = k++ % n;
      wires[c]!.push(...encoders[c]!.data(file.subarray(at, at + blockSize), at));
    }
    const last = eofOn(f);
    for (let c = 0; c < n; c++)
      wires[c]!.push(...(c === last ? encoders[c]!.eof() : encoders[c]!.eod()));
  });
  return wires;
}

function filesFrom(events: ModeEvent[]): string[] {
  const files: string[] = [];
  let parts: Uint8Array[] = [];
  for (const ev of events) {
    if (ev.type === "data") parts.push(ev.data);
    if (ev.type === "eof") {
      files.push(Buffer.from(concat(parts)).toString());
      parts = [];
    }
  }
  return files;
}

describe("ExtendedBlockReassembler", () => {
  const a = ascii("A".repeat(10) + "a".repeat(9));
  const b = ascii("B".repeat(7) + "b".repeat(8));

  it("completes a file when the announced number of EODs arrived across connections", () => {
    const [w0, w1, w2] = parallel([a], 3, 4, () => 2).map((w) => concat(w));
    const r = new ExtendedBlockReassembler({ ordered: true });
    const ids = [r.addConnection(), r.addConnection(), r.addConnection()];
    const events: ModeEvent[] = [];
    events.push(...r.push(ids[2]!, w2!)); // EOF|EOD first, on a connection that carried little
    expect(events.some((e) => e.type === "eof")).toBe(false);
    events.push(...r.push(ids[1]!, w1!));
    expect(events.some((e) => e.type === "eof")).toBe(false);
    events.push(...r.push(ids[0]!, w0!));
    expect(events.at(-1)).toEqual({ type: "eof", eodCount: 3 });
    expect(filesFrom(events)).toEqual([Buffer.from(a).toString()]);
    for (const id of ids) expect(r.endConnection(id)).toEqual([]);
    expect(r.end()).toEqual([]);
    expect(r.filesCompleted).toBe(1);
  });

  it("ordered: emits data in file order whatever the arrival order", () => {
    const [w0, w1] = parallel([a], 2, 3, () => 0).map((w) => concat(w));
    const r = new ExtendedBlockReassembler({ ordered: true });
    r.addConnection();
    r.addConnection();
    const events = [...r.push(1, w1!), ...r.push(0, w0!)];
    const offsets = events.flatMap((e) => (e.type === "data" ? [e.offset] : []));
    expect(offsets).toEqual([...offsets].sort((x, y) => x! - y!));
    expect(filesFrom(events)).toEqual([Buffer.from(a).toString()]);
  });

  it("unordered: data comes in arrival order with offsets that place it", () => {
    const [w0, w1] = parallel([a], 2, 3, () => 1).map((w) => concat(w));
    const r = new ExtendedBlockReassembler();
    r.addConnection();
    r.addConnection();
    const events = [...r.push(1, w1!), ...r.push(0, w0!)];
    const file = new Uint8Array(a.length);
    for (const e of events) if (e.type === "data") file.set(e.data, e.offset);
    expect(Buffer.from(file).equals(Buffer.from(a))).toBe(true);
    expect(events.flatMap((e) => (e.type === "data" ? [e.offset] : []))[0]).toBe(3);
  });

  it("holds blocks of the next file until the current one completes", () => {
    const wires = parallel([a, b], 2, 4, (f) => f).map((w) => concat(w));
    const r = new ExtendedBlockReassembler({ ordered: true });
    r.addConnection();
    r.addConnection();
    // Connection 0 sends everything (its share of both files) before connection 1 says anything.
    const events = [...r.push(0, wires[0]!)];
    expect(filesFrom(events)).toEqual([]);
    events.push(...r.push(1, wires[1]!));
    expect(filesFrom(events)).toEqual([Buffer.from(a).toString(), Buffer.from(b).toString()]);
  });

  it("is a truncation when connections close before the EOD count is reached", () => {
    const [w0] = parallel([a], 2, 4, () => 0).map((w) => concat(w));
    const r = new ExtendedBlockReassembler();
    r.addConnection();
    r.addConnection();
    const delivered = dataOf(r.push(0, w0!)).length;
    expect(r.endConnection(0)).toEqual([]);
    try {
      r.end();
      expect.unreachable();
    } catch (e) {
      expect(TruncatedTransferError.isInstance(e)).toBe(true);
      expect((e as TruncatedTransferError).bytesDelivered).toBe(delivered);
    }
  });

  it("a connection closing inside a block is a truncation of the file", () => {
    const r = new ExtendedBlockReassembler();
    const c = r.addConnection();
    r.push(c, concat([hdr(0, 10, 0), ascii("abcd")]));
    expect(() => r.endConnection(c)).toThrow(TruncatedTransferError);
  });

  it("tolerates extra EODs; rejects late data, conflicting EOF blocks, overlaps, gaps, and too much held data", () => {
    const more = new ExtendedBlockReassembler();
    more.addConnection();
    more.addConnection();
    expect(filesFrom(more.push(0, hdr(0x48, 0, 1)))).toEqual([""]);
    expect(more.push(1, hdr(0x08, 0, 0))).toEqual([]); // an EOD beyond the count: tolerated
    expect(() => more.push(1, concat([hdr(0, 1, 0), ascii("x")]))).not.toThrow(); // next file
    const late = new ExtendedBlockReassembler();
    late.addConnection();
    late.addConnection();
    late.push(0, hdr(0x48, 0, 1));
    expect(() => late.push(1, concat([hdr(0, 1, 0), ascii("x")]))).toThrow(FtpProtocolError);
    const twice = new ExtendedBlockReassembler();
    twice.addConnection();
    twice.addConnection();
    twice.push(0, hdr(0x48, 0, 2));
    expect(() => twice.push(1, hdr(0x48, 0, 3))).toThrow(FtpProtocolError);
    const overlap = new ExtendedBlockReassembler({ ordered: true });
    overlap.addConnection();
    expect(() =>
      overlap.push(0, concat([hdr(0, 4, 0), ascii("abcd"), hdr(0, 1, 2), ascii("x")])),
    ).toThrow(FtpProtocolError);
    const gap = new ExtendedBlockReassembler({ ordered: true });
    gap.addConnection();
    expect(() => gap.push(0, concat([hdr(0, 1, 5), ascii("x"), hdr(0x48, 0, 1)]))).toThrow(
      FtpProtocolError,
    );
    const held = new ExtendedBlockReassembler({ ordered: true, maxBufferedBytes: 3 });
    held.addConnection();
    expect(() => held.push(0, concat([hdr(0, 4, 100), ascii("abcd")]))).toThrow(FtpProtocolError);
    expect(() => held.push(7, ascii("x"))).toThrow(FtpUsageError);
  });

  it("flatten sanity: an empty file is just the EOF block", () => {
    const r = new ExtendedBlockReassembler();
    r.addConnection();
    expect(flatten(r.push(0, hdr(0x48, 0, 1)))).toEqual([{ type: "eof", eodCount: 1 }]);
  });
});
