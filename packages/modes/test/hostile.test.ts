import { FtpError, FtpProtocolError, TruncatedTransferError } from "@ftpkit/errors";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createDecoder,
  extendedBlockHeader,
  type ModeEvent,
  type TransferMode,
} from "../src/index.ts";
import { bytes, concat } from "./helpers.ts";

/** Bytes the decoder handed out, whatever it was given. */
function outputOf(events: ModeEvent[]): number {
  let n = 0;
  for (const e of events) if (e.type === "data") n += e.data.length;
  return n;
}

describe("hostile input gives typed errors with bounded memory", () => {
  it("MODE B: a 65535-byte count with 10 bytes behind it delivers 10 bytes, then a truncation", () => {
    const d = createDecoder("B");
    const events = d.push(concat([bytes(0x00, 0xff, 0xff), new Uint8Array(10)]));
    expect(outputOf(events)).toBe(10);
    for (const e of events) if (e.type === "data") expect(e.data.buffer.byteLength).toBe(13); // a view, no allocation
    expect(() => d.end()).toThrow(TruncatedTransferError);
  });

  it("MODE E: a count of 2^52 costs nothing up front; 2^60 is a protocol error", () => {
    const d = createDecoder("E");
    const events = d.push(concat([extendedBlockHeader(0, 2 ** 52, 0), new Uint8Array(100)]));
    expect(outputOf(events)).toBe(100);
    expect(() => d.end()).toThrow(TruncatedTransferError);
    const h = extendedBlockHeader(0, 0, 0);
    h[1] = 0x10; // count 2^60
    expect(() => createDecoder("E").push(h)).toThrow(FtpProtocolError);
    const marker = extendedBlockHeader(0x10, 2 ** 40, 0);
    expect(() => createDecoder("E").push(marker)).toThrow(FtpProtocolError);
  });

  it("MODE B and E: a restart marker with a huge count collects only the bytes received", () => {
    const d = createDecoder("B");
    d.push(concat([bytes(0x10, 0xff, 0xff), new Uint8Array(5).fill(0x41)]));
    expect(() => d.end()).toThrow(TruncatedTransferError);
  });

  it("MODE C: endless filler is bounded per push (63x the chunk) and never completes", () => {
    const d = createDecoder("C", { type: "A" });
    const chunk = new Uint8Array(4096).fill(0xff); // 63 fillers per byte
    let total = 0;
    for (let i = 0; i < 50; i++) {
      const out = outputOf(d.push(chunk));
      expect(out).toBe(4096 * 63);
      total += out;
    }
    expect(total).toBe(50 * 4096 * 63);
    try {
      d.end();
      expect.unreachable();
    } catch (e) {
      expect(TruncatedTransferError.isInstance(e)).toBe(true);
      expect((e as TruncatedTransferError).bytesDelivered).toBe(total);
    }
  });

  it("truncated headers in every framed mode are truncations, not hangs or crashes", () => {
    const cases: [TransferMode, Uint8Array][] = [
      ["B", bytes(0x40, 0x00)],
      ["C", bytes(0x00)],
      ["C", bytes(0x85)],
      ["E", extendedBlockHeader(0x48, 0, 1).subarray(0, 16)],
      ["Z", bytes(0x78)],
    ];
    for (const [mode, wire] of cases) {
      const d = createDecoder(mode);
      d.push(wire);
      expect(() => d.end(), mode).toThrow(TruncatedTransferError);
    }
  });

  it("unknown descriptor bits are protocol errors", () => {
    for (const bit of [1, 2, 4, 8])
      expect(() => createDecoder("B").push(bytes(bit, 0, 0))).toThrow(FtpProtocolError);
    for (const bit of [1, 2, 4, 8])
      expect(() => createDecoder("C").push(bytes(0, bit))).toThrow(FtpProtocolError);
    for (const bit of [1, 2]) {
      expect(() => createDecoder("E").push(extendedBlockHeader(bit, 0, 0))).toThrow(
        FtpProtocolError,
      );
    }
  });

  for (const mode of ["S", "B", "C", "Z", "E"] as const) {
    it(`MODE ${mode}: random bytes only ever give data, markers or FtpError subclasses`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.uint8Array({ maxLength: 200 }), { maxLength: 10 }),
          fc.boolean(),
          (chunks, record) => {
            const d = createDecoder(mode, mode === "Z" ? {} : { structure: record ? "R" : "F" });
            let input = 0;
            let output = 0;
            try {
              for (const c of chunks) {
                input += c.length;
                output += outputOf(d.push(c));
              }
              d.end();
            } catch (e) {
              expect(FtpError.isInstance(e)).toBe(true);
              expect(FtpProtocolError.isInstance(e) || TruncatedTransferError.isInstance(e)).toBe(
                true,
              );
            }
            // Only MODE C (63x) and MODE Z (deflate) can give out more than they got.
            if (mode !== "C" && mode !== "Z") expect(output).toBeLessThanOrEqual(input);
            if (mode === "C") expect(output).toBeLessThanOrEqual(63 * input);
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});
