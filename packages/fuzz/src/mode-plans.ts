/**
 * Valid data-connection contents built with the real encoders: random files (random bytes,
 * long runs, filler bytes, 0xFF-heavy data), restart markers and records where the mode has
 * them, several files per connection where the mode allows it. Each plan also yields the
 * transcript a correct decoder must produce.
 *
 * @module
 */

import {
  createEncoder,
  type EncoderOptions,
  type FileStructure,
  type ModeEncoder,
  type RepresentationType,
  type TransferMode,
} from "@ftpkit/modes";
import { concatBytes } from "./bytes.ts";
import type { Prng } from "./prng.ts";
import { Transcript } from "./transcript.ts";

/** One step of a plan. */
export type PlanOp =
  | { type: "data"; bytes: Uint8Array; offset?: number }
  | { type: "record" }
  | { type: "restart"; marker: string }
  | { type: "eof" };

/** Options of a plan: the mode and what it is configured with. */
export interface PlanOptions {
  mode: TransferMode;
  type: RepresentationType;
  structure: FileStructure;
  /** Upper bound of data bytes over all files. */
  maxBytes: number;
  /** MODE E: shuffle the blocks of each file (explicit offsets). */
  shuffle?: boolean;
  /** Allow restart markers and records (the MODE E reassembler reorders them around held blocks). */
  markers?: boolean;
}

/** File content that exercises the codecs: random bytes, runs, filler, escapes. */
export function fileContent(rng: Prng, maxBytes: number): Uint8Array {
  const size = rng.length(maxBytes);
  const out = new Uint8Array(size);
  let i = 0;
  while (i < size) {
    const run = Math.min(size - i, 1 + rng.length(300));
    const k = rng.below(6);
    if (k === 0) out.set(rng.bytes(run), i);
    else out.fill(rng.pick([0x00, 0x20, 0x40, 0xff, rng.below(256)]), i, i + run);
    if (k === 5) for (let j = i; j < i + run; j += 2) out[j] = 0xff;
    i += run;
  }
  return out;
}

function marker(rng: Prng): string {
  const chars = "!#$%&*+-./0123456789:<=>?@ABCXYZ[]^_abcxyz{|}~";
  let s = "";
  const n = 1 + rng.length(40);
  for (let i = 0; i < n; i++) s += chars[rng.below(chars.length)];
  return s;
}

/** Splits `bytes` into pieces of random sizes (views). */
function pieces(rng: Prng, bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  // At most a few hundred pieces: more only costs time, the decoders see block boundaries anyway.
  const scale = Math.max(rng.pick([1, 7, 100, 4096, 70000]), Math.ceil(bytes.length / 256));
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + rng.length(scale);
    out.push(bytes.subarray(i, i + n));
    i += n;
  }
  return out;
}

function shuffled<T>(rng: Prng, items: readonly T[]): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** A random plan for one connection, and the files it carries. */
export function makePlan(rng: Prng, options: PlanOptions): { ops: PlanOp[]; files: Uint8Array[] } {
  const { mode, structure } = options;
  const multi = mode === "B" || mode === "C" || mode === "E";
  const fileCount = multi ? 1 + rng.length(3) : 1;
  const canRestart = (mode === "B" || mode === "C" || mode === "E") && options.markers !== false;
  const canRecord = structure === "R" && mode !== "Z" && options.markers !== false;
  const ops: PlanOp[] = [];
  const files: Uint8Array[] = [];
  for (let f = 0; f < fileCount; f++) {
    const content = fileContent(rng, Math.floor(options.maxBytes / fileCount));
    files.push(content);
    let parts = pieces(rng, content);
    if (mode === "E" && options.shuffle) {
      let at = 0;
      const placed = parts.map((p) => {
        const op: PlanOp = { type: "data", bytes: p, offset: at };
        at += p.length;
        return op;
      });
      ops.push(...shuffled(rng, placed));
      parts = [];
    }
    for (const p of parts) {
      ops.push({ type: "data", bytes: p });
      if (canRestart && rng.chance(0.05)) ops.push({ type: "restart", marker: marker(rng) });
      if (canRecord && rng.chance(0.1)) ops.push({ type: "record" });
    }
    if (canRecord && rng.chance(0.3)) ops.push({ type: "record" });
    ops.push({ type: "eof" });
  }
  return { ops, files };
}

/** Encoder options for a plan carrying `bytes` data bytes. */
export function encoderOptions(rng: Prng, options: PlanOptions, bytes: number): EncoderOptions {
  const out: EncoderOptions = { type: options.type, structure: options.structure };
  if (options.mode === "Z") {
    out.level = rng.below(10);
    out.syncFlush = rng.chance(0.5);
  }
  // Tiny blocks only for small files: a block per byte of 64 KB is slow to build and adds nothing.
  if (options.mode === "B")
    out.maxBlockSize = rng.pick(bytes > 4096 ? [512, 4096, 65535] : [1, 3, 512, 65535]);
  if (options.mode === "E")
    out.maxBlockSize = rng.pick(bytes > 4096 ? [4096, 65536] : [1, 17, 4096, 65536]);
  return out;
}

/** Runs a plan through an encoder; returns the wire bytes. */
export function encodePlan(encoder: ModeEncoder, ops: readonly PlanOp[]): Uint8Array {
  const out: Uint8Array[] = [];
  for (const op of ops) {
    switch (op.type) {
      case "data":
        out.push(...encoder.data(op.bytes, op.offset));
        break;
      case "record":
        out.push(...encoder.record());
        break;
      case "restart":
        out.push(...encoder.restart(op.marker));
        break;
      case "eof":
        out.push(...encoder.eof());
        break;
    }
  }
  return concatBytes(out);
}

/** Encodes a plan with a fresh encoder of the plan's mode. */
export function encodeWithMode(
  rng: Prng,
  options: PlanOptions,
  ops: readonly PlanOp[],
): Uint8Array {
  let bytes = 0;
  for (const op of ops) if (op.type === "data") bytes += op.bytes.length;
  return encodePlan(createEncoder(options.mode, encoderOptions(rng, options, bytes)), ops);
}

/**
 * The transcript a decoder of one connection gives for a plan (see the mode targets for how
 * events are recorded).
 */
export function planTranscript(options: PlanOptions, ops: readonly PlanOp[]): string {
  const t = new Transcript();
  let next = 0;
  for (const op of ops) {
    switch (op.type) {
      case "data": {
        if (op.bytes.length === 0) break;
        const offset = options.mode === "E" ? (op.offset ?? next) : undefined;
        t.data(op.bytes, offset);
        next = (offset ?? next) + op.bytes.length;
        break;
      }
      case "record":
        t.marker("eor");
        break;
      case "restart":
        t.marker(`restart:${op.marker}`);
        break;
      case "eof":
        if (options.mode === "E") {
          t.marker("eof:1");
          t.boundary("eod");
        } else t.boundary("eof");
        next = 0;
        break;
    }
  }
  return t.toString();
}
