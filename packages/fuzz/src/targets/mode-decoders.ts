/**
 * The decoders of one data connection, one target per mode: STREAM under file and record
 * structure, BLOCK, COMPRESSED, DEFLATE (MODE Z) and EXTENDED BLOCK (MODE E).
 *
 * Inputs: valid encodings made by the matching encoder (then often mutated: bit flips,
 * inserted and deleted bytes, interesting numbers in length fields), real captures (MODE E
 * from GridFTP, MODE Z from proftpd), and random bytes; split into random chunks.
 *
 * Checks: typed errors only; the same events (or the same error) however the bytes are
 * chunked; unmutated encodings decode to exactly what was encoded; a `TruncatedTransferError`
 * counts the bytes of the file delivered so far; data events of S, B and E are views into the
 * pushed chunk (nothing is copied or allocated for an announced count); no push emits more
 * data than its bytes can stand for (63 per byte in MODE C, one per byte in S, B and E).
 *
 * Config: bits 0-1 pick the representation type (I, A, E, L), bit 2 the structure (F or R)
 * where the target has both.
 *
 * @module
 */

import { TruncatedTransferError } from "@ftpkit/errors";
import {
  createDecoder,
  type FileStructure,
  type ModeDecoder,
  type ModeEvent,
  type RepresentationType,
  type TransferMode,
} from "@ftpkit/modes";
import { splitIntoChunks } from "../chunking.ts";
import { caseBytes, type FuzzCase } from "../fuzz-case.ts";
import { encodeWithMode, makePlan, type PlanOptions, planTranscript } from "../mode-plans.ts";
import { mutate, randomBytes } from "../mutate.ts";
import type { Prng } from "../prng.ts";
import type { SeedCorpus } from "../seeds.ts";
import {
  type Attempt,
  attempt,
  check,
  configBit,
  configPick,
  type SizeProfile,
  type Target,
} from "../target.ts";
import { Transcript } from "../transcript.ts";

const TYPES: readonly RepresentationType[] = ["I", "A", "E", "L"];

/** Tokens of the binary formats: headers, escapes, descriptors. */
export const BINARY_TOKENS: readonly Uint8Array[] = [
  Uint8Array.of(0xff, 0x01),
  Uint8Array.of(0xff, 0x02),
  Uint8Array.of(0xff, 0xff),
  Uint8Array.of(0x40, 0x00, 0x00),
  Uint8Array.of(0x00, 0xff, 0xff),
  Uint8Array.of(0x10, 0x00, 0x01, 0x41),
  Uint8Array.of(0x00, 0x40),
  Uint8Array.of(0x00, 0x10, 0x03, 0x41, 0x42, 0x43),
  Uint8Array.of(0xc0 | 63),
  Uint8Array.of(0x80 | 63, 0x41),
  Uint8Array.of(0x7f),
  Uint8Array.of(0x78, 0x9c),
  Uint8Array.of(0x48, ...new Uint8Array(15), 0x01),
  Uint8Array.of(0x08, ...new Uint8Array(16)),
  Uint8Array.of(0x00, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...new Uint8Array(8)),
  Uint8Array.of(0x00, 0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, ...new Uint8Array(8)),
];

/** How each mode's decoder is built from a case's config. */
export interface ModeSetup {
  mode: TransferMode;
  type: RepresentationType;
  structure: FileStructure;
}

/** Records one decoder event; returns the data bytes it carried. */
export function recordEvent(t: Transcript, ev: ModeEvent): number {
  switch (ev.type) {
    case "data":
      if (ev.offset !== undefined) {
        check(
          Number.isSafeInteger(ev.offset) &&
            ev.offset >= 0 &&
            ev.offset + ev.data.length <= 2 ** 53,
          () => `data offset ${ev.offset} is not a safe position`,
        );
      }
      t.data(ev.data, ev.offset, ev.suspect === true);
      return ev.data.length;
    case "eor":
      t.marker("eor");
      return 0;
    case "restart":
      check(
        /^[\x21-\x7e]+$/.test(ev.marker),
        () => `restart marker ${JSON.stringify(ev.marker)} is not printable ASCII`,
      );
      t.marker(`restart:${ev.marker}`);
      return 0;
    case "eof":
      if (ev.eodCount !== undefined) {
        check(
          Number.isSafeInteger(ev.eodCount) && ev.eodCount >= 0,
          () => `EOD count ${ev.eodCount}`,
        );
        t.marker(`eof:${ev.eodCount}`);
      } else t.boundary("eof");
      return 0;
    case "eod":
      t.boundary(ev.close ? "eod+close" : "eod");
      return 0;
  }
}

/**
 * Decodes chunks with a fresh decoder; returns the transcript. `inPlace`: MODE C decodes
 * into copies of the chunks (`decodeInPlace`).
 */
export function decodeChunks(
  setup: ModeSetup,
  given: readonly Uint8Array[],
  inPlace = false,
): string {
  const decoder: ModeDecoder = createDecoder(setup.mode, {
    type: setup.type,
    structure: setup.structure,
    decodeInPlace: inPlace,
  });
  const chunks = inPlace ? given.map((c) => c.slice()) : given;
  const t = new Transcript();
  // The bytes a TruncatedTransferError must report: since the last EOF (EOD in MODE E).
  const resetOn = setup.mode === "E" ? "eod" : "eof";
  const zeroCopy = setup.mode === "S" || setup.mode === "B" || setup.mode === "E";
  const perByte = setup.mode === "C" ? 63 : setup.mode === "Z" ? Number.POSITIVE_INFINITY : 1;
  for (const chunk of chunks) {
    let out = 0;
    for (const ev of decoder.push(chunk)) {
      out += recordEvent(t, ev);
      if (ev.type === "data" && zeroCopy) {
        check(
          ev.data.buffer === chunk.buffer,
          `MODE ${setup.mode} copied data out of the pushed chunk`,
        );
      }
      if (ev.type === resetOn) t.resetCount();
    }
    check(
      out <= perByte * chunk.length || perByte === Number.POSITIVE_INFINITY,
      () => `MODE ${setup.mode}: ${chunk.length} bytes decoded to ${out} bytes`,
    );
  }
  const ended = attempt(() => decoder.end());
  if (!ended.ok) {
    if (TruncatedTransferError.isInstance(ended.error)) {
      const delivered = ended.error.bytesDelivered;
      check(
        delivered === t.count,
        () =>
          `TruncatedTransferError says ${delivered} bytes delivered, the decoder delivered ${t.count}`,
      );
    }
    throw ended.error;
  }
  for (const ev of ended.value) recordEvent(t, ev);
  return t.toString();
}

/** Runs a case chunked as given and as one chunk; compares both, and with the expected transcript. */
export function checkDecoding(setup: ModeSetup, input: FuzzCase): void {
  const chunked = attempt(() =>
    decodeChunks(
      setup,
      input.chunks.map((c) => c.bytes),
    ),
  );
  const whole = attempt(() => decodeChunks(setup, [caseBytes(input)]));
  checkSameOutcome(chunked, whole, "chunking");
  if (setup.mode === "C") {
    const inPlace = attempt(() =>
      decodeChunks(
        setup,
        input.chunks.map((c) => c.bytes),
        true,
      ),
    );
    checkSameOutcome(chunked, inPlace, "decoding in place");
  }
  if (input.expected !== undefined) {
    check(
      chunked.ok,
      () =>
        `a valid encoding did not decode: ${chunked.ok ? "" : `${chunked.error.name}: ${chunked.error.message}`}`,
    );
    check(chunked.value === input.expected, "a valid encoding decoded to other events");
  }
}

function checkSameOutcome(a: Attempt<string>, b: Attempt<string>, what: string): void {
  if (a.ok && b.ok) {
    check(a.value === b.value, `${what} changed the decoded events`);
    return;
  }
  check(
    a.ok === b.ok && (a.ok || b.ok || a.error.name === b.error.name),
    () =>
      `${what} changed the outcome: ${a.ok ? "ok" : `${a.error.name}: ${a.error.message}`} / ${b.ok ? "ok" : `${b.error.name}: ${b.error.message}`}`,
  );
}

interface ModeTargetSpec {
  name: string;
  description: string;
  mode: TransferMode;
  /** Which structures the target fuzzes. */
  structures: readonly FileStructure[];
  /** Real captures to mutate. */
  captures?: (seeds: SeedCorpus) => readonly Uint8Array[];
}

function setupOf(spec: ModeTargetSpec, config: number): ModeSetup {
  const structure =
    spec.structures.length === 1 ? spec.structures[0]! : configBit(config, 2) ? "R" : "F";
  return { mode: spec.mode, type: configPick(config, 0, TYPES), structure };
}

function modeTarget(spec: ModeTargetSpec): Target {
  return {
    name: spec.name,
    description: spec.description,
    generate(rng: Prng, seeds: SeedCorpus, profile: SizeProfile): FuzzCase {
      const config = rng.below(256);
      const setup = setupOf(spec, config);
      const kind = rng.below(10);
      const captures = spec.captures?.(seeds) ?? [];
      let bytes: Uint8Array;
      let expected: string | undefined;
      if (kind === 0) {
        bytes = randomBytes(rng, rng.length(Math.min(4096, profile.maxBinary)));
      } else if (kind === 1 && captures.length > 0) {
        bytes = mutate(rng, rng.pick(captures), {
          tokens: BINARY_TOKENS,
          maxSize: profile.maxBinary,
          maxRun: profile.maxRun,
        });
      } else {
        const options: PlanOptions = {
          ...setup,
          maxBytes: Math.floor(profile.maxBinary / 8),
          shuffle: rng.chance(0.3),
        };
        const plan = makePlan(rng, options);
        bytes = encodeWithMode(rng, options, plan.ops);
        if (rng.chance(0.25)) expected = planTranscript(options, plan.ops);
        else
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
      checkDecoding(setupOf(spec, input.config), input);
    },
  };
}

/** MODE S, file structure. */
export const modeStreamTarget: Target = modeTarget({
  name: "mode-S",
  description: "StreamDecoder (MODE S, STRU F)",
  mode: "S",
  structures: ["F"],
});

/** MODE S, record structure. */
export const modeStreamRecordTarget: Target = modeTarget({
  name: "mode-S-record",
  description: "StreamRecordDecoder (MODE S, STRU R): 0xFF escapes",
  mode: "S",
  structures: ["R"],
});

/** MODE B. */
export const modeBlockTarget: Target = modeTarget({
  name: "mode-B",
  description: "BlockDecoder (MODE B), STRU F and R",
  mode: "B",
  structures: ["F", "R"],
});

/** MODE C. */
export const modeCompressedTarget: Target = modeTarget({
  name: "mode-C",
  description: "CompressedDecoder (MODE C), every TYPE's filler, STRU F and R",
  mode: "C",
  structures: ["F", "R"],
});

/** MODE Z. */
export const modeDeflateTarget: Target = modeTarget({
  name: "mode-Z",
  description: "DeflateDecoder (MODE Z): our encoder's and proftpd's zlib streams, mutated",
  mode: "Z",
  structures: ["F"],
  captures: (seeds) => seeds.modeZ,
});

/** MODE E, one connection. */
export const modeExtendedTarget: Target = modeTarget({
  name: "mode-E",
  description: "ExtendedBlockDecoder (MODE E): our encoder's and GridFTP's blocks, mutated",
  mode: "E",
  structures: ["F", "R"],
  captures: (seeds) => seeds.modeE,
});
