// No server in the wild speaks MODE C (see /work notes in the README), so every vector here
// is derived from the text of RFC 959 §3.4.3 by hand.
import { FtpProtocolError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { CompressedDecoder, createDecoder, createEncoder, fillerByte } from "../src/index.ts";
import { ascii, bytes, chunk, concat, dataOf, decodeChunks, flatten } from "./helpers.ts";

describe("MODE C decoder (RFC 959 §3.4.3)", () => {
  it("decodes byte strings, replicated bytes and filler strings", () => {
    // 0nnnnnnn + n bytes | 10nnnnnn + byte | 11nnnnnn | escape 00 + EOF (64)
    const wire = bytes(0x03, 0x61, 0x62, 0x63, 0x84, 0x78, 0xc3, 0x01, 0x7a, 0x00, 0x40);
    expect(flatten(decodeChunks("C", [wire], { type: "A" }))).toEqual([
      { type: "data", hex: Buffer.from("abcxxxx   z").toString("hex") },
      { type: "eof" },
    ]);
  });

  it("uses the filler of the representation type: space for A, 0x40 for E, zero for I and L", () => {
    expect([fillerByte("A"), fillerByte("E"), fillerByte("I"), fillerByte("L")]).toEqual([
      0x20, 0x40, 0, 0,
    ]);
    for (const [type, fill] of [
      ["A", 0x20],
      ["E", 0x40],
      ["I", 0],
      ["L", 0],
    ] as const) {
      expect([...dataOf(decodeChunks("C", [bytes(0xc2, 0x00, 0x40)], { type }))]).toEqual([
        fill,
        fill,
      ]);
    }
  });

  it("decodes escapes with B's descriptor codes: EOR, EOF, restart, suspect", () => {
    const wire = bytes(
      0x01,
      0x61,
      0x00,
      0x80, // "a" EOR
      0x00,
      0x10,
      0x02,
      0x52,
      0x31, // restart "R1" as a byte string
      0x00,
      0x20,
      0x02,
      0x62,
      0x63, // suspect applies to the next string
      0x01,
      0x64,
      0x00,
      0xc0, // EOR + EOF
    );
    const events = decodeChunks("C", [wire], { structure: "R" });
    expect(flatten(events)).toEqual([
      { type: "data", hex: "61" },
      { type: "eor" },
      { type: "restart", marker: "R1" },
      { type: "data", hex: "626364" },
      { type: "eor" },
      { type: "eof" },
    ]);
    const suspect = events.filter((e) => e.type === "data" && e.suspect);
    expect(suspect.map((e) => e.type === "data" && [...e.data])).toEqual([[0x62, 0x63]]);
    expect(flatten(decodeChunks("C", chunk(wire, [1]), { structure: "R" }))).toEqual(
      flatten(events),
    );
  });

  it("ignores EOR under STRU F", () => {
    expect(flatten(decodeChunks("C", [bytes(0x01, 0x61, 0x00, 0xc0)]))).toEqual([
      { type: "data", hex: "61" },
      { type: "eof" },
    ]);
  });

  it("decodes codes split across chunks", () => {
    const wire = bytes(0x05, 1, 2, 3, 4, 5, 0x83, 9, 0xc2, 0x00, 0x40);
    for (let size = 1; size <= wire.length; size++) {
      expect([...dataOf(decodeChunks("C", chunk(wire, [size])))]).toEqual([
        1, 2, 3, 4, 5, 9, 9, 9, 0, 0,
      ]);
    }
  });

  it("rejects zero counts, empty or unknown escape descriptors, and a marker that is not a byte string", () => {
    for (const wire of [
      bytes(0x80, 1),
      bytes(0xc0),
      bytes(0x00, 0x00),
      bytes(0x00, 0x01),
      bytes(0x00, 0x08),
      bytes(0x00, 0x10, 0x82, 0x41),
    ]) {
      expect(() => decodeChunks("C", [wire])).toThrow(FtpProtocolError);
    }
  });

  it("a connection closed inside a code or before EOF is a truncation", () => {
    for (const [wire, delivered] of [
      [bytes(0x03, 0x61), 1],
      [bytes(0x01, 0x61, 0x84), 1],
      [bytes(0x01, 0x61, 0x00), 1],
      [bytes(0xc5), 5],
    ] as const) {
      try {
        decodeChunks("C", [wire]);
        expect.unreachable();
      } catch (e) {
        expect(TruncatedTransferError.isInstance(e)).toBe(true);
        expect((e as TruncatedTransferError).bytesDelivered).toBe(delivered);
      }
    }
    const d = new CompressedDecoder();
    d.push(bytes(0x01, 0x61, 0x00, 0x40));
    expect(d.betweenFiles).toBe(true);
    expect(d.end()).toEqual([]);
  });
});

describe("MODE C decoder in place (decodeInPlace)", () => {
  /** Wire bytes: files with runs, fillers, byte strings, restart markers and EOFs. */
  function wire(): Uint8Array {
    const e = createEncoder("C", { type: "A" });
    const random = new Uint8Array(70_000);
    let x = 7;
    for (let i = 0; i < random.length; i++) {
      x = (x * 1103515245 + 12345) >>> 0;
      random[i] = x >>> 24;
    }
    const text = ascii(`${"x".repeat(200)}ab   cd${" ".repeat(130)}e${"yyy".repeat(50)}f`);
    return concat([
      ...e.data(random),
      ...e.restart("R1"),
      ...e.data(text),
      ...e.eof(),
      ...e.data(text.subarray(0, 90)),
      ...e.data(random.subarray(0, 1000)),
      ...e.eof(),
      ...e.eof(),
    ]);
  }

  it("decodes what the usual way does, however the wire is cut", () => {
    const all = wire();
    for (const sizes of [[1], [2], [3], [7], [127], [128], [129], [1000], [65536], []]) {
      // Copies: in place, the decoder writes over what it is given.
      const pieces = (): Uint8Array[] => chunk(all, sizes).map((c) => c.slice());
      const usual = flatten(decodeChunks("C", pieces(), { type: "A" }));
      const inPlace = flatten(decodeChunks("C", pieces(), { type: "A", decodeInPlace: true }));
      expect(inPlace, `pieces of ${sizes[0] ?? "all"}`).toEqual(usual);
    }
    const vector = bytes(0x83, 9, 0x05, 1, 2, 3, 4, 5, 0xc2, 0x01, 7, 0x00, 0x40);
    expect([...dataOf(decodeChunks("C", [vector], { decodeInPlace: true }))]).toEqual([
      9, 9, 9, 1, 2, 3, 4, 5, 0, 0, 7,
    ]);
  });

  it("gives views of the chunks pushed for data that does not compress", () => {
    const e = createEncoder("C");
    const random = new Uint8Array(20_000).map((_, i) => (i * 73 + (i >> 5)) & 0xff);
    const pushed = concat([...e.data(random), ...e.eof()]);
    const d = createDecoder("C", { decodeInPlace: true });
    const events = d.push(pushed);
    const data = events.filter((ev) => ev.type === "data");
    expect(data.every((ev) => ev.type === "data" && ev.data.buffer === pushed.buffer)).toBe(true);
    expect(dataOf(events)).toEqual(random);
    expect(events.at(-1)).toEqual({ type: "eof" });
  });
});

describe("MODE C encoder", () => {
  it("encodes runs as replicated bytes from 3 on and fillers from 2 on", () => {
    const e = createEncoder("C", { type: "A" });
    const wire = concat([...e.data(ascii("abxxxx  cdd")), ...e.eof()]);
    expect([...wire]).toEqual([
      0x02, 0x61, 0x62, 0x84, 0x78, 0xc2, 0x03, 0x63, 0x64, 0x64, 0x00, 0x40,
    ]);
  });

  it("splits long strings at 127 and long runs at 63", () => {
    const data = new Uint8Array(300);
    for (let i = 0; i < 200; i++) data[i] = i % 2 ? 1 : 2;
    data.fill(7, 200, 300);
    const e = createEncoder("C");
    const wire = concat([...e.data(data), ...e.eof()]);
    expect(wire[0]).toBe(127);
    expect(wire[128]).toBe(73);
    expect([...wire.subarray(202)]).toEqual([0x80 | 63, 7, 0x80 | 37, 7, 0x00, 0x40]);
    expect([...dataOf(decodeChunks("C", [wire]))]).toEqual([...data]);
  });

  it("gives the same bytes however the input is chunked", () => {
    const text = ascii("aaaa    bbbbbbb c  dd eee" + "z".repeat(200) + "     ".repeat(30) + "end");
    const whole = (() => {
      const e = createEncoder("C", { type: "A" });
      return concat([...e.data(text), ...e.eof()]);
    })();
    for (const size of [1, 2, 3, 7, 63, 64, 127, 128]) {
      const e = createEncoder("C", { type: "A" });
      const wire = concat([...chunk(text, [size]).flatMap((c) => e.data(c)), ...e.eof()]);
      expect(Buffer.from(wire).toString("hex")).toBe(Buffer.from(whole).toString("hex"));
    }
  });

  it("encodes restart markers as escape 16 + byte string, records as escape 128", () => {
    const e = createEncoder("C", { structure: "R" });
    const wire = concat([...e.data(ascii("a")), ...e.restart("M9"), ...e.record(), ...e.eof()]);
    expect([...wire]).toEqual([0x01, 0x61, 0x00, 0x10, 0x02, 0x4d, 0x39, 0x00, 0x80, 0x00, 0x40]);
    expect(() => createEncoder("C").record()).toThrow(FtpUsageError);
    expect(() => e.restart("x".repeat(128))).toThrow(FtpUsageError);
  });

  it("sends an empty file as the EOF escape alone", () => {
    expect([...concat(createEncoder("C").eof())]).toEqual([0x00, 0x40]);
  });

  it("decodes back what a fresh decoder of the same TYPE expects", () => {
    const d = createDecoder("C", { type: "E" });
    const e = createEncoder("C", { type: "E" });
    const data = bytes(0x40, 0x40, 0x40, 0x20, 0x20, 0x20, 0x00, 0x00);
    const wire = concat([...e.data(data), ...e.eof()]);
    expect(wire[0]).toBe(0xc3); // 0x40 is TYPE E's filler
    expect([...dataOf([...d.push(wire), ...d.end()])]).toEqual([...data]);
  });
});
