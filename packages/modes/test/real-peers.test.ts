// Bytes captured from real servers on loopback by test/fixtures/capture.py (proftpd 1.3.8
// mod_deflate for MODE Z, globus-gridftp-server 13.24 for MODE E); manifest.json holds the
// sha256 of the file each capture must decode to.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { TruncatedTransferError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import {
  createDecoder,
  ExtendedBlockReassembler,
  FileSplitter,
  splitFileBodies,
} from "../src/index.ts";
import { chunk, collect, concat, dataOf } from "./helpers.ts";

interface Manifest {
  files: Record<string, { size: number; sha256: string }>;
  captures: { fixture: string; file: string | string[]; note: string }[];
}

const dir = new URL("./fixtures/", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", dir), "utf8")) as Manifest;
const fixture = (name: string): Uint8Array => new Uint8Array(readFileSync(new URL(name, dir)));
const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");
const expected = (name: string): string => manifest.files[name]!.sha256;

describe("proftpd MODE Z captures", () => {
  const captures = manifest.captures.filter((c) => c.fixture.startsWith("proftpd-z-"));

  it("has the captures", () => {
    expect(captures.length).toBeGreaterThanOrEqual(4);
  });

  for (const capture of captures) {
    it(`${capture.fixture} (${capture.note}) inflates to ${capture.file}`, () => {
      const wire = fixture(capture.fixture);
      expect([wire[0], wire[1]]).toEqual([0x78, capture.fixture.includes("level0") ? 0x01 : 0xda]);
      for (const sizes of [[wire.length], [1], [1460], [7, 300]]) {
        const d = createDecoder("Z");
        const events = chunk(wire, sizes).flatMap((c) => d.push(c));
        expect(events.at(-1)).toEqual({ type: "eof" });
        expect(d.end()).toEqual([]);
        expect(sha256(dataOf(events))).toBe(expected(capture.file as string));
      }
    });
  }

  it("the default-level capture shows proftpd's sync-flush markers, and cutting it is a truncation", () => {
    const wire = fixture("proftpd-z-text40k-default.bin");
    let markers = 0;
    for (let i = 0; i + 4 <= wire.length; i++) {
      if (wire[i] === 0 && wire[i + 1] === 0 && wire[i + 2] === 0xff && wire[i + 3] === 0xff)
        markers++;
    }
    expect(markers).toBeGreaterThanOrEqual(2);
    for (const cut of [wire.length - 1, wire.length - 4, Math.floor(wire.length / 2)]) {
      const d = createDecoder("Z");
      const delivered = dataOf(d.push(wire.subarray(0, cut))).length;
      try {
        d.end();
        expect.unreachable();
      } catch (e) {
        expect(TruncatedTransferError.isInstance(e)).toBe(true);
        expect((e as TruncatedTransferError).bytesDelivered).toBe(delivered);
      }
    }
  });
});

describe("globus-gridftp-server MODE E captures", () => {
  it("one cached connection carrying three files (text, empty, random) splits into them", async () => {
    const wire = fixture("gridftp-e-p1-c0.bin");
    const names = ["text40k.txt", "empty.bin", "rand12k.bin"];
    for (const sizes of [[wire.length], [1], [17], [4096, 13]]) {
      const s = new FileSplitter("E");
      const files: Uint8Array[] = [];
      let parts: Uint8Array[] = [];
      for (const c of chunk(wire, sizes)) {
        for (const ev of s.push(c)) {
          if (ev.type === "data") parts.push(ev.data);
          if (ev.type === "fileEnd") {
            files.push(concat(parts));
            parts = [];
          }
        }
      }
      expect(s.end()).toEqual([]);
      expect(files.map(sha256)).toEqual(names.map(expected));
    }
    const bodies: string[] = [];
    for await (const body of splitFileBodies("E", chunk(wire, [1500]))) {
      bodies.push(sha256(concat(await collect(body))));
    }
    expect(bodies).toEqual(names.map(expected));
  });

  it("four parallel connections, EOF on a connection without data, two files", () => {
    const wires = [0, 1, 2, 3].map((c) => fixture(`gridftp-e-p4-c${c}.bin`));
    // Every connection ends each transfer with exactly one EOD.
    for (const w of wires) {
      const eods = createDecoder("E")
        .push(w)
        .filter((e) => e.type === "eod").length;
      expect(eods).toBe(2);
    }
    for (const order of [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [2, 0, 3, 1],
    ]) {
      const r = new ExtendedBlockReassembler({ ordered: true });
      for (let c = 0; c < 4; c++) r.addConnection();
      const files: Uint8Array[] = [];
      let parts: Uint8Array[] = [];
      const queues = wires.map((w) => chunk(w, [1000]));
      while (queues.some((q) => q.length > 0)) {
        for (const c of order) {
          const next = queues[c]!.shift();
          if (next === undefined) continue;
          for (const ev of r.push(c, next)) {
            if (ev.type === "data") parts.push(ev.data);
            if (ev.type === "eof") {
              expect(ev.eodCount).toBe(4);
              files.push(concat(parts));
              parts = [];
            }
          }
        }
      }
      for (let c = 0; c < 4; c++) r.endConnection(c);
      expect(r.end()).toEqual([]);
      expect(files.map(sha256)).toEqual(["text40k.txt", "rand12k.bin"].map(expected));
    }
  });

  it("without the fourth connection's EOF|EOD the second file never completes", () => {
    const wires = [0, 1, 2].map((c) => fixture(`gridftp-e-p4-c${c}.bin`));
    const r = new ExtendedBlockReassembler();
    for (let c = 0; c < 4; c++) r.addConnection();
    const eofs = wires.flatMap((w, c) => r.push(c, w)).filter((e) => e.type === "eof");
    expect(eofs).toHaveLength(0);
    expect(() => r.end()).toThrow(TruncatedTransferError);
  });
});
