/**
 * The listing parsers: `parseListLine` (LIST lines of every shape), `parseListing` (whole
 * LIST and MLSD bodies) and `parseMlsxLine`.
 *
 * Checks: `parseListLine` and `parseMlsxLine` never throw (their documented contract);
 * every entry is well formed (a known kind, sizes and link counts safe integers, dates valid,
 * mode bits within 0o7777, name and target taken from the raw line); `parseListing` gives
 * what parsing its lines one by one gives, from bytes and from a string alike.
 *
 * Config: `listing` bit 0 picks the format (list or mlsd), bit 1 the input type (bytes or
 * string); `list-line` bit 0 decodes the bytes as UTF-8 (else latin1).
 *
 * @module
 */

import { FtpError } from "@ftpkit/errors";
import {
  decodeText,
  type FileEntry,
  parseListing,
  parseListLine,
  parseMlsxLine,
} from "@ftpkit/reply";
import { bytesToLatin1, concatBytes } from "../bytes.ts";
import { caseBytes, type FuzzCase, singleChunkCase } from "../fuzz-case.ts";
import { dosLine, eplfLine, mlsxLine, unixLine } from "../list-gen.ts";
import { COMMON_TEXT_TOKENS, mutate, randomBytes } from "../mutate.ts";
import type { Prng } from "../prng.ts";
import type { SeedCorpus } from "../seeds.ts";
import { check, configBit, InvariantFailure, type SizeProfile, type Target } from "../target.ts";
import { encodeText, TEXT_ALPHABET } from "../text-gen.ts";

/** The listing is read "now": a fixed time, so results do not depend on the clock. */
const NOW = new Date(Date.UTC(2026, 5, 15, 12, 0, 0));

const KINDS = new Set([
  "file",
  "directory",
  "symlink",
  "cdir",
  "pdir",
  "block-device",
  "character-device",
  "fifo",
  "socket",
  "other",
  "unknown",
]);

const TOKENS = [
  ...COMMON_TEXT_TOKENS,
  ...[
    " -> ",
    "<DIR>",
    "total 24",
    "AM",
    "PM",
    "Jan",
    " 2020 ",
    "12:34",
    "type=file;",
    "size=",
    "; ",
    "\t",
    "+",
  ].map((t) => Uint8Array.from(t, (c) => c.charCodeAt(0))),
];

function isSafeCount(n: number | undefined): boolean {
  return n === undefined || (Number.isSafeInteger(n) && n >= 0);
}

/** Checks the shape of one entry parsed from `raw`. */
function checkEntry(entry: FileEntry, raw: string): void {
  check(typeof entry.name === "string", "entry name is not a string");
  check(KINDS.has(entry.kind), () => `unknown entry kind ${JSON.stringify(entry.kind)}`);
  check(entry.raw === raw, () => `entry.raw ${JSON.stringify(entry.raw)} is not the line`);
  check(
    raw.includes(entry.name),
    () => `entry name ${JSON.stringify(entry.name)} is not part of the line`,
  );
  check(isSafeCount(entry.size), () => `entry size ${entry.size} is not a safe integer >= 0`);
  check(
    isSafeCount(entry.links),
    () => `entry link count ${entry.links} is not a safe integer >= 0`,
  );
  if (entry.modifiedAt !== undefined) {
    check(
      entry.modifiedAt instanceof Date && Number.isFinite(entry.modifiedAt.getTime()),
      "entry date is invalid",
    );
  }
  if (entry.mode !== undefined) {
    check(
      Number.isInteger(entry.mode) && entry.mode >= 0 && entry.mode <= 0o7777,
      () => `mode ${entry.mode} is outside 0..0o7777`,
    );
  }
  if (entry.permissions !== undefined)
    check(entry.permissions.length === 9, "permissions are not nine letters");
  if (entry.target !== undefined)
    check(raw.includes(entry.target), "symlink target is not part of the line");
  if (entry.device !== undefined) {
    check(
      isSafeCount(entry.device.major) && isSafeCount(entry.device.minor),
      "device numbers are not safe integers",
    );
  }
  if (entry.facts !== undefined) {
    for (const key of entry.facts.keys())
      check(!/[A-Z]/.test(key), () => `fact name ${key} is not lowercased`);
  }
}

/** Calls a parser documented never to throw: an ftpkit error from it breaks that contract too. */
function neverThrows<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (FtpError.isInstance(error))
      throw new InvariantFailure(`${what} threw ${error.name}: ${error.message}`);
    throw error;
  }
}

/** Entries as comparable text. */
function entriesText(entries: readonly (FileEntry | undefined)[]): string {
  return JSON.stringify(entries, (key, value: unknown) => {
    if (key === "modifiedAt" && typeof value === "string") return value;
    if (value instanceof Map) return [...value.entries()];
    return value;
  });
}

function stripTrailingCr(line: string): string {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === 0x0d) end--;
  return line.slice(0, end);
}

function someLine(rng: Prng, seeds: SeedCorpus, profile: SizeProfile, mlsd: boolean): string {
  const k = rng.below(10);
  const maxRun = Math.min(profile.maxRun, 2048);
  if (mlsd || k === 9) return mlsxLine(rng, maxRun);
  if (k < 4) return unixLine(rng, maxRun);
  if (k < 6) return dosLine(rng, maxRun);
  if (k === 6) return eplfLine(rng);
  return bytesToLatin1(rng.pick(seeds.listLines));
}

function lineBytes(rng: Prng, seeds: SeedCorpus, profile: SizeProfile, mlsd: boolean): Uint8Array {
  const kind = rng.below(10);
  let bytes: Uint8Array;
  if (kind === 0)
    bytes = randomBytes(rng, rng.length(Math.min(profile.maxText, 512)), TEXT_ALPHABET);
  else if (kind < 5) bytes = encodeText(someLine(rng, seeds, profile, mlsd));
  else bytes = rng.pick(mlsd ? seeds.mlsxLines : seeds.listLines);
  if (kind >= 3 && rng.chance(0.8)) {
    bytes = mutate(rng, bytes, {
      tokens: TOKENS,
      maxSize: profile.maxText,
      maxRun: profile.maxRun,
      donors: mlsd ? seeds.mlsxLines : seeds.listLines,
    });
  }
  return bytes;
}

function decodeLine(bytes: Uint8Array, asUtf8: boolean): string {
  return asUtf8 ? decodeText(bytes) : bytesToLatin1(bytes);
}

/** `parseListLine` on one line. */
export const listLineTarget: Target = {
  name: "list-line",
  description: "parseListLine: Unix, DOS/IIS and EPLF lines, built and mutated, odd spacing",
  generate(rng, seeds, profile): FuzzCase {
    return singleChunkCase(rng.below(256), lineBytes(rng, seeds, profile, false));
  },
  run(input): void {
    const text = decodeLine(caseBytes(input), configBit(input.config, 0));
    const entry = neverThrows("parseListLine", () => parseListLine(text, { now: NOW }));
    if (entry !== undefined) checkEntry(entry, stripTrailingCr(text));
  },
};

/** `parseMlsxLine` on one line. */
export const mlsxLineTarget: Target = {
  name: "mlsx-line",
  description: "parseMlsxLine: MLSD/MLST fact lines, built and mutated",
  generate(rng, seeds, profile): FuzzCase {
    return singleChunkCase(rng.below(256), lineBytes(rng, seeds, profile, true));
  },
  run(input): void {
    const text = decodeLine(caseBytes(input), configBit(input.config, 0));
    const entry = neverThrows("parseMlsxLine", () => parseMlsxLine(text));
    checkEntry(entry, text);
  },
};

/** Splits like parseListing: on LF, the last piece only when not empty. */
function splitLines(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let from = 0;
  for (let lf = bytes.indexOf(0x0a); lf !== -1; lf = bytes.indexOf(0x0a, from)) {
    out.push(bytes.subarray(from, lf));
    from = lf + 1;
  }
  if (from < bytes.length) out.push(bytes.subarray(from));
  return out;
}

/** `parseListing` on a whole body. */
export const listingTarget: Target = {
  name: "listing",
  description: "parseListing: whole LIST and MLSD bodies as bytes and as strings",
  generate(rng, seeds, profile): FuzzCase {
    const config = rng.below(256);
    const mlsd = configBit(config, 0);
    let body: Uint8Array;
    if (rng.chance(0.5)) {
      const lines: Uint8Array[] = [];
      const n = rng.length(40);
      for (let i = 0; i < n; i++) {
        lines.push(lineBytes(rng, seeds, profile, mlsd));
        lines.push(
          rng.pick([
            Uint8Array.of(0x0d, 0x0a),
            Uint8Array.of(0x0a),
            Uint8Array.of(0x0d, 0x0d, 0x0a),
          ]),
        );
      }
      body = concatBytes(lines);
    } else {
      body = rng.pick(mlsd ? seeds.mlsdListings : seeds.listings);
    }
    if (rng.chance(0.5))
      body = mutate(rng, body, {
        tokens: TOKENS,
        maxSize: profile.maxText,
        maxRun: profile.maxRun,
      });
    return singleChunkCase(config, body);
  },
  run(input): void {
    const bytes = caseBytes(input);
    const format = configBit(input.config, 0) ? "mlsd" : "list";
    const asString = configBit(input.config, 1);
    const body = asString ? bytesToLatin1(bytes) : bytes;
    const entries = neverThrows("parseListing", () => parseListing(body, { format, now: NOW }));
    const lines = splitLines(bytes).map((l) => (asString ? bytesToLatin1(l) : decodeText(l)));
    check(
      entries.length <= lines.length,
      () => `${entries.length} entries from ${lines.length} lines`,
    );
    const one: FileEntry[] = [];
    for (const line of lines) {
      if (format === "mlsd") {
        const text = stripTrailingCr(line);
        if (text.trim() !== "") one.push(parseMlsxLine(text));
      } else {
        const entry = parseListLine(line, { now: NOW });
        if (entry !== undefined) one.push(entry);
      }
    }
    for (let i = 0; i < entries.length; i++) checkEntry(entries[i]!, entries[i]!.raw);
    check(
      entriesText(entries) === entriesText(one),
      "parseListing differs from parsing its lines one by one",
    );
  },
};
