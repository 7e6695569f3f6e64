/**
 * `FileSplitter`: one data connection in, one file after the other out, in every mode.
 *
 * Checks: typed errors only; `fileEnd` indexes count up from 0 and each `size` is the bytes
 * of that file; MODE E data comes in offset order; a `TruncatedTransferError` counts the
 * bytes of the current file; the same events however the bytes are chunked; unmutated
 * encodings (MODE E blocks shuffled) split into exactly the files encoded.
 *
 * Config: bits 0-2 pick the mode (S, B, C, Z, E), bits 3-4 the type, bit 5 the structure
 * (F or R; never R for Z), bit 6 a small MODE E buffer limit (4096 bytes).
 *
 * @module
 */

import { TruncatedTransferError } from "@ftpkit/errors";
import {
  FileSplitter,
  type FileSplitterEvent,
  type RepresentationType,
  type TransferMode,
} from "@ftpkit/modes";
import { splitIntoChunks } from "../chunking.ts";
import { caseBytes, type FuzzCase } from "../fuzz-case.ts";
import { encodeWithMode, makePlan, type PlanOptions } from "../mode-plans.ts";
import { mutate, randomBytes } from "../mutate.ts";
import type { Prng } from "../prng.ts";
import type { SeedCorpus } from "../seeds.ts";
import { attempt, check, configBit, configPick, type SizeProfile, type Target } from "../target.ts";
import { Transcript } from "../transcript.ts";
import { BINARY_TOKENS } from "./mode-decoders.ts";

const MODES: readonly TransferMode[] = ["S", "B", "C", "Z", "E"];
const TYPES: readonly RepresentationType[] = ["I", "A", "E", "L"];

interface SplitterSetup {
  mode: TransferMode;
  type: RepresentationType;
  structure: "F" | "R";
  maxBufferedBytes: number;
}

function setupOf(config: number): SplitterSetup {
  const mode = MODES[(config & 7) % MODES.length]!;
  return {
    mode,
    type: configPick(config, 3, TYPES),
    structure: configBit(config, 5) && mode !== "Z" ? "R" : "F",
    maxBufferedBytes: configBit(config, 6) ? 4096 : 64 * 1024 * 1024,
  };
}

function record(
  t: Transcript,
  ev: FileSplitterEvent,
  state: { files: number; bytes: number; mode: TransferMode },
): void {
  switch (ev.type) {
    case "data":
      if (state.mode === "E") {
        check(
          ev.offset === state.bytes,
          () => `MODE E data at offset ${ev.offset}, expected ${state.bytes} (in order)`,
        );
      }
      t.data(ev.data, undefined, ev.suspect === true);
      state.bytes += ev.data.length;
      break;
    case "fileEnd":
      check(ev.index === state.files, () => `fileEnd index ${ev.index}, expected ${state.files}`);
      check(
        ev.size === state.bytes,
        () => `fileEnd size ${ev.size}, the file had ${state.bytes} bytes`,
      );
      t.boundary(`file:${ev.size}`);
      state.files++;
      state.bytes = 0;
      break;
    case "eor":
      t.marker("eor");
      break;
    case "restart":
      t.marker(`restart:${ev.marker}`);
      break;
  }
}

function split(setup: SplitterSetup, chunks: readonly Uint8Array[]): string {
  const splitter = new FileSplitter(setup.mode, {
    type: setup.type,
    structure: setup.structure,
    maxBufferedBytes: setup.maxBufferedBytes,
  });
  const t = new Transcript();
  const state = { files: 0, bytes: 0, mode: setup.mode };
  for (const chunk of chunks) for (const ev of splitter.push(chunk)) record(t, ev, state);
  check(
    splitter.filesCompleted === state.files,
    "filesCompleted disagrees with the fileEnd events",
  );
  check(splitter.bytesDelivered === state.bytes, "bytesDelivered disagrees with the data events");
  const ended = attempt(() => splitter.end());
  if (!ended.ok) {
    if (TruncatedTransferError.isInstance(ended.error)) {
      check(
        ended.error.bytesDelivered === state.bytes,
        () =>
          `TruncatedTransferError says ${(ended.error as TruncatedTransferError).bytesDelivered} bytes, the file had ${state.bytes}`,
      );
    }
    throw ended.error;
  }
  for (const ev of ended.value) record(t, ev, state);
  return t.toString();
}

function expectedOf(files: readonly Uint8Array[]): string {
  const t = new Transcript();
  for (const f of files) {
    t.data(f);
    t.boundary(`file:${f.length}`);
  }
  return t.toString();
}

/** The file splitter target. */
export const fileSplitterTarget: Target = {
  name: "file-splitter",
  description: "FileSplitter in modes S, B, C, Z and E: valid multi-file encodings, mutated",
  generate(rng: Prng, seeds: SeedCorpus, profile: SizeProfile): FuzzCase {
    let config = rng.below(256);
    const setup = setupOf(config);
    const kind = rng.below(10);
    let bytes: Uint8Array;
    let expected: string | undefined;
    if (kind === 0) bytes = randomBytes(rng, rng.length(4096));
    else if (kind === 1 && setup.mode === "E") {
      bytes = mutate(rng, rng.pick(seeds.modeE), {
        tokens: BINARY_TOKENS,
        maxSize: profile.maxBinary,
        maxRun: profile.maxRun,
      });
    } else {
      const shuffle = rng.chance(0.5);
      const options: PlanOptions = {
        mode: setup.mode,
        type: setup.type,
        structure: setup.structure,
        maxBytes: Math.floor(profile.maxBinary / 8),
        shuffle,
        markers: !(shuffle && setup.mode === "E"),
      };
      const plan = makePlan(rng, options);
      bytes = encodeWithMode(rng, options, plan.ops);
      const simple = plan.ops.every((op) => op.type === "data" || op.type === "eof");
      if (simple && rng.chance(0.3)) {
        config &= ~(1 << 6);
        expected = expectedOf(plan.files);
      } else
        bytes = mutate(rng, bytes, {
          tokens: BINARY_TOKENS,
          maxSize: profile.maxBinary,
          maxRun: profile.maxRun,
        });
    }
    const chunks = splitIntoChunks(rng, bytes);
    return expected === undefined ? { config, chunks } : { config, chunks, expected };
  },
  run(input: FuzzCase): void {
    const setup = setupOf(input.config);
    const chunked = attempt(() =>
      split(
        setup,
        input.chunks.map((c) => c.bytes),
      ),
    );
    const whole = attempt(() => split(setup, [caseBytes(input)]));
    if (chunked.ok && whole.ok) check(chunked.value === whole.value, "chunking changed the files");
    else if (setup.maxBufferedBytes >= 64 * 1024 * 1024) {
      // Not with the small MODE E limit: the reassembler counts blocks held within one push,
      // so a push that carries more than the limit of later files' blocks trips it where
      // smaller pushes do not.

      check(
        chunked.ok === whole.ok,
        () =>
          `chunking changed the outcome: ${chunked.ok ? "ok" : `${chunked.error.name}: ${chunked.error.message}`} / ${whole.ok ? "ok" : `${whole.error.name}: ${whole.error.message}`}`,
      );
    }
    if (input.expected !== undefined) {
      check(
        chunked.ok,
        () =>
          `a valid encoding did not split: ${chunked.ok ? "" : `${chunked.error.name}: ${chunked.error.message}`}`,
      );
      check(chunked.value === input.expected, "a valid encoding split into other files");
    }
  },
};
