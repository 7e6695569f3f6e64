import { deflateSync, inflateSync } from "node:zlib";
import { FtpProtocolError, FtpUsageError, TruncatedTransferError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { createDecoder, createEncoder } from "../src/index.ts";
import { ascii, chunk, concat, dataOf, decodeChunks } from "./helpers.ts";

const text = ascii("the quick brown fox jumps over the lazy dog\n".repeat(500));

describe("MODE Z decoder", () => {
  it("inflates a zlib stream (node's zlib as an independent encoder), EOF at the stream's end", () => {
    const wire = new Uint8Array(deflateSync(text));
    const d = createDecoder("Z");
    const events = chunk(wire, [7]).flatMap((c) => d.push(c));
    expect(events.at(-1)).toEqual({ type: "eof" });
    expect(Buffer.from(dataOf(events)).equals(Buffer.from(text))).toBe(true);
    expect(d.end()).toEqual([]);
  });

  it("decodes the 8-byte empty file proftpd sends", () => {
    expect(
      decodeChunks("Z", [Uint8Array.of(0x78, 0xda, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01)]),
    ).toEqual([{ type: "eof" }]);
  });

  it("a stream without its end is a truncation carrying the bytes inflated so far", () => {
    const wire = new Uint8Array(deflateSync(text, { level: 0 }));
    const d = createDecoder("Z");
    const events = d.push(wire.subarray(0, wire.length - 4)); // no Adler-32
    expect(events.some((e) => e.type === "eof")).toBe(false);
    try {
      d.end();
      expect.unreachable();
    } catch (e) {
      expect(TruncatedTransferError.isInstance(e)).toBe(true);
      expect((e as TruncatedTransferError).bytesDelivered).toBe(dataOf(events).length);
    }
    expect(() => decodeChunks("Z", [])).toThrow(TruncatedTransferError);
  });

  it("rejects a bad Adler-32, garbage, and bytes after the stream's end", () => {
    const wire = new Uint8Array(deflateSync(text));
    const bad = wire.slice();
    bad[bad.length - 1]! ^= 1;
    expect(() => decodeChunks("Z", [bad])).toThrow(FtpProtocolError);
    expect(() => decodeChunks("Z", [ascii("not zlib at all")])).toThrow(FtpProtocolError);
    expect(() => decodeChunks("Z", [concat([wire, ascii("x")])])).toThrow(FtpProtocolError);
    const d = createDecoder("Z");
    d.push(wire);
    expect(() => d.push(ascii("x"))).toThrow(FtpProtocolError);
  });
});

describe("MODE Z encoder", () => {
  it("writes a zlib stream ended with Z_FINISH that node's zlib inflates", () => {
    const e = createEncoder("Z", { level: 9 });
    const wire = concat([...chunk(text, [1000]).flatMap((c) => e.data(c)), ...e.eof()]);
    expect([wire[0], wire[1]]).toEqual([0x78, 0xda]);
    expect(Buffer.from(inflateSync(wire)).equals(Buffer.from(text))).toBe(true);
    expect(() => e.data(text)).toThrow(FtpUsageError);
  });

  it("with syncFlush every data() call's bytes can be inflated at once", () => {
    const e = createEncoder("Z", { syncFlush: true });
    const d = createDecoder("Z");
    const first = concat(e.data(ascii("hello ")));
    expect([...first.subarray(-4)]).toEqual([0, 0, 0xff, 0xff]);
    expect(Buffer.from(dataOf(d.push(first))).toString()).toBe("hello ");
  });

  it("encodes an empty file and refuses markers and bad levels", () => {
    const e = createEncoder("Z");
    expect([...inflateSync(concat(e.eof()))]).toEqual([]);
    expect(() => e.record()).toThrow(FtpUsageError);
    expect(() => e.restart("1")).toThrow(FtpUsageError);
    expect(() => createEncoder("Z", { level: 10 })).toThrow(FtpUsageError);
  });
});
