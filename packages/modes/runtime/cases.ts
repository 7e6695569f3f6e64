/**
 * Runtime-neutral checks of @ftpkit/modes, run under `deno test` and `bun test` (vitest runs
 * the full suite under Node): every codec round-trips, the zlib engine loads, the splitter
 * yields per-file web-stream bodies, truncation is typed.
 *
 * @module
 */

import { FtpProtocolError } from "@ftpkit/errors";
import {
  createDecoder,
  createEncoder,
  EXTENDED_EOD,
  ExtendedBlockDecoder,
  ExtendedBlockReassembler,
  extendedBlockHeader,
  FileSplitter,
  splitFileBodies,
  type TransferMode,
  TruncatedTransferError,
} from "../src/index.ts";

/** One named check. */
export interface RuntimeCase {
  name: string;
  run: () => Promise<void>;
}

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function sample(): Uint8Array {
  const out = new Uint8Array(100_000);
  for (let i = 0; i < out.length; i++) out[i] = i % 3 === 0 ? 0x20 : (i * 31) & 0xff;
  out.fill(0x20, 5000, 9000);
  return out;
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

async function readAll(body: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  return concat(parts);
}

/** The checks. */
export function runtimeCases(): RuntimeCase[] {
  const modes: TransferMode[] = ["S", "B", "C", "Z", "E"];
  const cases: RuntimeCase[] = modes.map((mode) => ({
    name: `MODE ${mode} round-trips 100 kB in 1000-byte chunks`,
    run: async () => {
      const data = sample();
      const e = createEncoder(mode, { type: "A" });
      const wire: Uint8Array[] = [];
      for (let i = 0; i < data.length; i += 4096) wire.push(...e.data(data.subarray(i, i + 4096)));
      wire.push(...e.eof());
      const all = concat(wire);
      const d = createDecoder(mode, { type: "A" });
      const out: Uint8Array[] = [];
      for (let i = 0; i < all.length; i += 1000) {
        for (const ev of d.push(all.subarray(i, i + 1000)))
          if (ev.type === "data") out.push(ev.data);
      }
      d.end();
      assert(equal(concat(out), data), `MODE ${mode}: decoded bytes differ`);
    },
  }));
  cases.push({
    name: "splitFileBodies yields one body per file over one connection",
    run: async () => {
      const e = createEncoder("B");
      const files = [new Uint8Array([1, 2, 3]), new Uint8Array(0), sample()];
      const wire = concat(files.flatMap((f) => [...e.data(f), ...e.eof()]));
      const got: Uint8Array[] = [];
      const bodies = splitFileBodies("B", [wire.subarray(0, 7), wire.subarray(7)]);
      for (let body = await bodies.nextFile(); body !== undefined; body = await bodies.nextFile()) {
        got.push(await readAll(body));
      }
      assert(got.length === 3, `expected 3 bodies, got ${got.length}`);
      for (let i = 0; i < 3; i++) assert(equal(got[i]!, files[i]!), `body ${i} differs`);
    },
  });
  cases.push({
    name: "a cut MODE Z stream is a TruncatedTransferError",
    run: async () => {
      const e = createEncoder("Z");
      const wire = concat([...e.data(sample()), ...e.eof()]);
      const d = createDecoder("Z");
      d.push(wire.subarray(0, wire.length - 3));
      let caught: unknown;
      try {
        d.end();
      } catch (error) {
        caught = error;
      }
      assert(TruncatedTransferError.isInstance(caught), "expected TruncatedTransferError");
    },
  });
  cases.push({
    name: "MODE E bounds: positions below 2^53, endless EODs, held blocks counted",
    run: async () => {
      let caught: unknown;
      try {
        new ExtendedBlockDecoder().push(extendedBlockHeader(0, 2, Number.MAX_SAFE_INTEGER));
      } catch (error) {
        caught = error;
      }
      assert(FtpProtocolError.isInstance(caught), "expected FtpProtocolError past 2^53");
      const splitter = new FileSplitter("E", { maxBufferedBytes: 1024 });
      const eods = new Uint8Array(17 * 1000);
      for (let i = 0; i < 1000; i++) eods[i * 17] = EXTENDED_EOD;
      assert(splitter.push(eods).length === 0, "EODs gave events");
      const r = new ExtendedBlockReassembler({ ordered: true, maxBufferedBytes: 1024 });
      const c = r.addConnection();
      const ahead = (offset: number): Uint8Array =>
        concat([extendedBlockHeader(0, 1, offset), Uint8Array.of(0x41)]);
      r.push(c, concat([ahead(1), ahead(3), ahead(5)])); // 3 × (1 + 256) bytes counted
      caught = undefined;
      try {
        r.push(c, ahead(7));
      } catch (error) {
        caught = error;
      }
      assert(FtpProtocolError.isInstance(caught), "expected FtpProtocolError at the 4th block");
    },
  });
  return cases;
}
