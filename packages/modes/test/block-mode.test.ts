import { FtpProtocolError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { BlockDecoder, createDecoder, createEncoder } from "../src/index.ts";
import { ascii, bytes, chunk, concat, decodeChunks, flatten } from "./helpers.ts";

describe("MODE B decoder (RFC 959 §3.4.2)", () => {
  it("decodes the RFC's header layout: descriptor, 16-bit count, data", () => {
    const wire = concat([
      bytes(0x00, 0x00, 0x03),
      ascii("abc"),
      bytes(0x40, 0x00, 0x02),
      ascii("de"),
    ]);
    expect(flatten(decodeChunks("B", [wire]))).toEqual([
      { type: "data", hex: "6162636465" },
      { type: "eof" },
    ]);
  });

  it("hands out payload as views of the pushed chunk", () => {
    const wire = concat([bytes(0x40, 0x00, 0x03), ascii("xyz")]);
    const [ev] = new BlockDecoder().push(wire);
    expect(ev?.type === "data" && ev.data.buffer).toBe(wire.buffer);
  });

  it("accepts EOF on an empty block and zero-length blocks", () => {
    const wire = concat([
      bytes(0, 0, 0),
      bytes(0, 0, 1),
      ascii("a"),
      bytes(0, 0, 0),
      bytes(0x40, 0, 0),
    ]);
    expect(flatten(decodeChunks("B", [wire]))).toEqual([
      { type: "data", hex: "61" },
      { type: "eof" },
    ]);
  });

  it("ignores EOR under STRU F (Hermes marks the last block EOR+EOF) and reports it under STRU R", () => {
    const wire = concat([bytes(0x00, 0, 2), ascii("ab"), bytes(0xc0, 0, 1), ascii("c")]);
    expect(flatten(decodeChunks("B", [wire]))).toEqual([
      { type: "data", hex: "616263" },
      { type: "eof" },
    ]);
    expect(flatten(decodeChunks("B", [wire], { structure: "R" }))).toEqual([
      { type: "data", hex: "616263" },
      { type: "eor" },
      { type: "eof" },
    ]);
    expect(flatten(decodeChunks("B", [bytes(0xc0, 0, 0)]))).toEqual([{ type: "eof" }]);
  });

  it("exposes restart markers as strings and flags suspect data", () => {
    const wire = concat([
      bytes(0x10, 0, 5),
      ascii("R1234"),
      bytes(0x20, 0, 2),
      ascii("zz"),
      bytes(0x50, 0, 2),
      ascii("QQ"),
    ]);
    const events = decodeChunks("B", chunk(wire, [1]));
    expect(events.filter((e) => e.type !== "data")).toEqual([
      { type: "restart", marker: "R1234" },
      { type: "restart", marker: "QQ" },
      { type: "eof" },
    ]);
    expect(
      events.filter((e) => e.type === "data").every((e) => e.type === "data" && e.suspect),
    ).toBe(true);
  });

  it("carries several files on one connection and ends cleanly between files", () => {
    const wire = concat([
      bytes(0x40, 0, 1),
      ascii("a"),
      bytes(0x40, 0, 0),
      bytes(0x40, 0, 2),
      ascii("bc"),
    ]);
    const d = createDecoder("B");
    const events = chunk(wire, [2]).flatMap((c) => d.push(c));
    expect(flatten(events)).toEqual([
      { type: "data", hex: "61" },
      { type: "eof" },
      { type: "eof" },
      { type: "data", hex: "6263" },
      { type: "eof" },
    ]);
    expect(d.end()).toEqual([]);
  });

  it("a connection closed inside a block, a header or before EOF is a truncation", () => {
    const cases: [Uint8Array, number][] = [
      [concat([bytes(0x00, 0x01, 0x00), ascii("abc")]), 3],
      [concat([bytes(0x00, 0x00, 0x02), ascii("ab"), bytes(0x40)]), 2],
      [concat([bytes(0x00, 0x00, 0x02), ascii("ab")]), 2],
      [new Uint8Array(0), 0],
    ];
    for (const [wire, delivered] of cases) {
      try {
        decodeChunks("B", [wire]);
        expect.unreachable();
      } catch (e) {
        expect(TruncatedTransferError.isInstance(e)).toBe(true);
        expect((e as TruncatedTransferError).bytesDelivered).toBe(delivered);
      }
    }
  });

  it("rejects descriptors with unknown bits", () => {
    for (const d of [0x01, 0x02, 0x04, 0x08, 0x48]) {
      expect(() => decodeChunks("B", [bytes(d, 0, 0)])).toThrow(FtpProtocolError);
    }
  });

  it("rejects restart markers that are not printable ASCII", () => {
    expect(() => decodeChunks("B", [concat([bytes(0x10, 0, 2), bytes(0x41, 0x20)])])).toThrow(
      FtpProtocolError,
    );
    expect(() => decodeChunks("B", [bytes(0x10, 0, 0)])).toThrow(FtpProtocolError);
  });
});

describe("MODE B encoder", () => {
  it("puts EOF on the last data block and never sets EOR under STRU F", () => {
    const e = createEncoder("B");
    const wire = concat([...e.data(ascii("hello")), ...e.data(ascii("!")), ...e.eof()]);
    expect([...wire]).toEqual([0, 0, 5, ...ascii("hello"), 0x40, 0, 1, 0x21]);
    expect(() => e.record()).toThrow(FtpUsageError);
  });

  it("sends an empty file as one empty EOF block", () => {
    expect([...concat(createEncoder("B").eof())]).toEqual([0x40, 0, 0]);
  });

  it("splits data into blocks of at most 65535 bytes", () => {
    const data = new Uint8Array(65535 * 2 + 10).fill(7);
    const e = createEncoder("B");
    const out = [...e.data(data), ...e.eof()];
    const headers = out.filter((c) => c.length === 3);
    expect(headers.map((h) => [...h])).toEqual([
      [0, 0xff, 0xff],
      [0, 0xff, 0xff],
      [0x40, 0, 10],
    ]);
    expect(() => createEncoder("B", { maxBlockSize: 65536 })).toThrow(FtpUsageError);
  });

  it("marks records with EOR on their last block and merges EOR+EOF", () => {
    const e = createEncoder("B", { structure: "R" });
    const wire = concat([
      ...e.data(ascii("r1")),
      ...e.record(),
      ...e.record(),
      ...e.data(ascii("r3")),
      ...e.record(),
      ...e.eof(),
    ]);
    expect([...wire]).toEqual([0x80, 0, 2, 0x72, 0x31, 0x80, 0, 0, 0xc0, 0, 2, 0x72, 0x33]);
  });

  it("sends restart markers after the data before them", () => {
    const e = createEncoder("B");
    const wire = concat([...e.data(ascii("ab")), ...e.restart("m1"), ...e.eof()]);
    expect([...wire]).toEqual([0, 0, 2, 0x61, 0x62, 0x10, 0, 2, 0x6d, 0x31, 0x40, 0, 0]);
    expect(() => e.restart("a b")).toThrow(FtpUsageError);
    expect(() => e.restart("")).toThrow(FtpUsageError);
    expect(() => e.restart("é")).toThrow(FtpUsageError);
  });
});
