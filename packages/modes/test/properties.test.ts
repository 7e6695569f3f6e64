import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createDecoder,
  createEncoder,
  ExtendedBlockEncoder,
  ExtendedBlockReassembler,
  FileSplitter,
  type ModeEvent,
  type RepresentationType,
  type TransferMode,
} from "../src/index.ts";
import { chunk, concat, flatten } from "./helpers.ts";

const RUNS = { numRuns: 150 };

/** Bytes with runs and fillers in them, so that MODE C's every code shows up. */
const compressible = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc
        .tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 200 }))
        .map(([b, n]) => new Uint8Array(n).fill(b)),
      fc
        .tuple(fc.constantFrom(0x00, 0x20, 0x40, 0xff), fc.integer({ min: 1, max: 140 }))
        .map(([b, n]) => new Uint8Array(n).fill(b)),
    ),
    { maxLength: 12 },
  )
  .map(concat);
const data = fc.oneof(fc.uint8Array({ maxLength: 3000 }), compressible);
const sizes = fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 });
const chunking = fc.oneof(fc.constant([1]), sizes);
const type = fc.constantFrom<RepresentationType>("A", "E", "I", "L");
const marker = fc.stringMatching(/^[!-~]{1,20}$/);

function decode(
  mode: TransferMode,
  wire: Uint8Array,
  cut: readonly number[],
  opts: { type?: RepresentationType; structure?: "F" | "R" } = {},
): ModeEvent[] {
  const d = createDecoder(mode, opts);
  const events: ModeEvent[] = [];
  for (const c of chunk(wire, cut)) events.push(...d.push(c));
  events.push(...d.end());
  return events;
}

const noEod = (events: ModeEvent[]): ModeEvent[] =>
  events.filter((e) => e.type !== "eod").map((e) => (e.type === "eof" ? { type: "eof" } : e));

describe("encode then decode is the identity", () => {
  for (const mode of ["S", "B", "C", "Z", "E"] as const) {
    it(`MODE ${mode}: random data, random input chunking, random wire chunking (1-byte chunks, split headers)`, () => {
      fc.assert(
        fc.property(data, sizes, chunking, type, (bytes, inCut, wireCut, t) => {
          const e = createEncoder(mode, { type: t });
          const wire = concat([...chunk(bytes, inCut).flatMap((c) => e.data(c)), ...e.eof()]);
          const events = decode(mode, wire, wireCut, { type: t });
          expect(flatten(noEod(events))).toEqual(
            flatten(
              bytes.length > 0
                ? [{ type: "data", data: bytes }, { type: "eof" }]
                : [{ type: "eof" }],
            ),
          );
        }),
        RUNS,
      );
    });
  }

  for (const mode of ["S", "B", "C", "E"] as const) {
    it(`MODE ${mode} with STRU R: random record structures`, () => {
      const records = fc.array(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 4 }), {
        maxLength: 8,
      });
      fc.assert(
        fc.property(records, chunking, (recs, wireCut) => {
          const e = createEncoder(mode, { structure: "R" });
          const expected: ModeEvent[] = [];
          const wire: Uint8Array[] = [];
          for (const rec of recs) {
            for (const piece of rec) {
              wire.push(...e.data(piece));
              if (piece.length > 0) expected.push({ type: "data", data: piece });
            }
            wire.push(...e.record());
            expected.push({ type: "eor" });
          }
          wire.push(...e.eof());
          expected.push({ type: "eof" });
          const events = decode(mode, concat(wire), wireCut, { structure: "R" });
          expect(flatten(noEod(events))).toEqual(flatten(expected));
        }),
        RUNS,
      );
    });
  }

  for (const mode of ["B", "C", "E"] as const) {
    it(`MODE ${mode}: restart markers between data come back in place`, () => {
      const items = fc.array(fc.oneof(fc.uint8Array({ maxLength: 60 }), marker), { maxLength: 10 });
      fc.assert(
        fc.property(items, chunking, (list, wireCut) => {
          const e = createEncoder(mode);
          const expected: ModeEvent[] = [];
          const wire: Uint8Array[] = [];
          for (const item of list) {
            if (typeof item === "string") {
              wire.push(...e.restart(item));
              expected.push({ type: "restart", marker: item });
            } else {
              wire.push(...e.data(item));
              if (item.length > 0) expected.push({ type: "data", data: item });
            }
          }
          wire.push(...e.eof());
          expected.push({ type: "eof" });
          expect(flatten(noEod(decode(mode, concat(wire), wireCut)))).toEqual(flatten(expected));
        }),
        RUNS,
      );
    });

    it(`MODE ${mode}: many files over one connection split back into the same files`, () => {
      fc.assert(
        fc.property(fc.array(data, { maxLength: 6 }), chunking, (files, wireCut) => {
          const e = createEncoder(mode);
          const wire = concat(files.flatMap((f) => [...e.data(f), ...e.eof()]));
          const s = new FileSplitter(mode);
          const got: Uint8Array[] = [];
          let parts: Uint8Array[] = [];
          for (const c of chunk(wire, wireCut)) {
            for (const ev of s.push(c)) {
              if (ev.type === "data") parts.push(ev.data);
              if (ev.type === "fileEnd") {
                got.push(concat(parts));
                parts = [];
              }
            }
          }
          expect(s.end()).toEqual([]);
          expect(got.map((g) => Buffer.from(g).toString("hex"))).toEqual(
            files.map((f) => Buffer.from(f).toString("hex")),
          );
        }),
        RUNS,
      );
    });
  }
});

describe("MODE C bounds", () => {
  it("never expands data by more than 1/127 (n + ceil(n/127) bytes, plus the 2-byte EOF escape)", () => {
    fc.assert(
      fc.property(data, sizes, type, (bytes, inCut, t) => {
        const e = createEncoder("C", { type: t });
        const wire = concat([...chunk(bytes, inCut).flatMap((c) => e.data(c)), ...e.eof()]);
        expect(wire.length - 2).toBeLessThanOrEqual(bytes.length + Math.ceil(bytes.length / 127));
      }),
      { numRuns: 300 },
    );
  });
});

describe("MODE E over several connections", () => {
  it("blocks dealt out of order over random connections reassemble into the file", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 4000 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 700 }),
        fc.infiniteStream(fc.nat()),
        fc.boolean(),
        (file, n, blockSize, choices, ordered) => {
          const encoders = Array.from(
            { length: n },
            () => new ExtendedBlockEncoder({ eodCount: n }),
          );
          const wires: Uint8Array[][] = Array.from({ length: n }, () => []);
          const it = choices[Symbol.iterator]();
          const starts: number[] = [];
          for (let at = 0; at < file.length; at += blockSize) starts.push(at);
          // Shuffle the block order, then deal each block to a random connection.
          for (let i = starts.length - 1; i > 0; i--) {
            const j = it.next().value % (i + 1);
            [starts[i], starts[j]] = [starts[j]!, starts[i]!];
          }
          for (const at of starts) {
            const c = it.next().value % n;
            wires[c]!.push(...encoders[c]!.data(file.subarray(at, at + blockSize), at));
          }
          const eofOn = it.next().value % n;
          for (let c = 0; c < n; c++)
            wires[c]!.push(...(c === eofOn ? encoders[c]!.eof() : encoders[c]!.eod()));
          const r = new ExtendedBlockReassembler({ ordered });
          for (let c = 0; c < n; c++) r.addConnection();
          // Interleave the connections' chunks in a random order.
          const queues = wires.map((w) => chunk(concat(w), [1 + (it.next().value % 50)]));
          const out = new Uint8Array(file.length);
          let eofs = 0;
          let last = -1;
          while (queues.some((q) => q.length > 0)) {
            const live = queues.map((q, c) => (q.length > 0 ? c : -1)).filter((c) => c >= 0);
            const c = live[it.next().value % live.length]!;
            for (const ev of r.push(c, queues[c]!.shift()!)) {
              if (ev.type === "data") {
                if (ordered) {
                  expect(ev.offset).toBeGreaterThan(last);
                  last = ev.offset!;
                }
                out.set(ev.data, ev.offset);
              }
              if (ev.type === "eof") eofs++;
            }
          }
          expect(eofs).toBe(1);
          for (let c = 0; c < n; c++) r.endConnection(c);
          expect(r.end()).toEqual([]);
          expect(Buffer.from(out).equals(Buffer.from(file))).toBe(true);
        },
      ),
      RUNS,
    );
  });
});
