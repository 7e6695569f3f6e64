import { FtpProtocolError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { createDecoder, createEncoder } from "../src/index.ts";
import { ascii, bytes, chunk, concat, decodeChunks, flatten } from "./helpers.ts";

describe("MODE S, file structure (RFC 959 §3.4.1)", () => {
  it("passes chunks through as views and ends with EOF at the end of the connection", () => {
    const d = createDecoder("S");
    const c = ascii("hello");
    const [ev] = d.push(c);
    expect(ev).toEqual({ type: "data", data: c });
    expect(ev?.type === "data" && ev.data.buffer).toBe(c.buffer);
    expect(d.push(new Uint8Array(0))).toEqual([]);
    expect(d.end()).toEqual([{ type: "eof" }]);
    expect(d.end()).toEqual([]);
  });

  it("encoder returns the bytes unchanged and refuses markers", () => {
    const e = createEncoder("S");
    const c = ascii("abc");
    expect(e.data(c)[0]).toBe(c);
    expect(e.eof()).toEqual([]);
    expect(() => e.record()).toThrow(FtpUsageError);
    expect(() => e.restart("1")).toThrow(FtpUsageError);
  });
});

describe("MODE S, record structure", () => {
  it("decodes EOR, EOF, both, and an escaped 0xFF", () => {
    const wire = bytes(0x61, 0xff, 0x01, 0x62, 0xff, 0xff, 0x63, 0xff, 0x03);
    expect(flatten(decodeChunks("S", [wire], { structure: "R" }))).toEqual([
      { type: "data", hex: "61" },
      { type: "eor" },
      { type: "data", hex: "62ff63" },
      { type: "eor" },
      { type: "eof" },
    ]);
    expect(flatten(decodeChunks("S", [bytes(0xff, 0x02)], { structure: "R" }))).toEqual([
      { type: "eof" },
    ]);
  });

  it("decodes byte by byte the same as whole", () => {
    const wire = bytes(0xff, 0xff, 0xff, 0xff, 0x01, 0xff, 0x01, 0xff, 0xff, 0xff, 0x02);
    const whole = flatten(decodeChunks("S", [wire], { structure: "R" }));
    expect(flatten(decodeChunks("S", chunk(wire, [1]), { structure: "R" }))).toEqual(whole);
    expect(whole).toEqual([
      { type: "data", hex: "ffff01" },
      { type: "eor" },
      { type: "data", hex: "ff" },
      { type: "eof" },
    ]);
  });

  it("encodes 0xFF doubled, EOR and EOF", () => {
    const e = createEncoder("S", { structure: "R" });
    const wire = concat([...e.data(bytes(1, 0xff, 2)), ...e.record(), ...e.eof()]);
    expect([...wire]).toEqual([1, 0xff, 0xff, 2, 0xff, 1, 0xff, 2]);
    expect(() => e.data(bytes(1))).toThrow(FtpUsageError);
  });

  it("rejects unknown control codes and data after EOF", () => {
    expect(() => decodeChunks("S", [bytes(0xff, 0x04)], { structure: "R" })).toThrow(
      FtpProtocolError,
    );
    expect(() => decodeChunks("S", [bytes(0xff, 0x02, 0x41)], { structure: "R" })).toThrow(
      FtpProtocolError,
    );
  });

  it("a connection closed without EOF is a truncation, with the bytes delivered", () => {
    const d = createDecoder("S", { structure: "R" });
    d.push(bytes(1, 2, 3, 0xff));
    try {
      d.end();
      expect.unreachable();
    } catch (e) {
      expect(TruncatedTransferError.isInstance(e)).toBe(true);
      expect((e as TruncatedTransferError).bytesDelivered).toBe(3);
    }
  });
});
