/**
 * The regression corpus: every failing input `pnpm fuzz` finds is saved as
 * `corpus/regressions/<target>-<hash>.bin` (the case) with `<target>-<hash>.json` beside it
 * (what failed, how it was found, whether it is still open), and replayed by
 * `test/regressions.test.ts` forever after.
 *
 * A new finding is `"status": "open"`: the vitest replay then expects it to still fail
 * (`it.fails`), or skips it when the failure is about time. Whoever fixes the bug sets
 * `"status": "fixed"`, and the replay requires the input to pass from then on.
 *
 * @module
 */

import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { preview } from "./bytes.ts";
import {
  caseBytes,
  caseHash,
  caseSize,
  decodeCase,
  encodeCase,
  type FuzzCase,
} from "./fuzz-case.ts";
import { type Failure, type FailureKind, failureSignature } from "./runner.ts";

/** The sidecar of a saved case. */
export interface RegressionMeta {
  target: string;
  kind: FailureKind;
  message: string;
  /** {@link failureSignature} of the failure when saved (the short pass recomputes it). */
  signature: string;
  /** The first stack frame of an exception: part of its signature. */
  frame?: string;
  status: "open" | "fixed";
  /** How `pnpm fuzz` found it, when it did. */
  seed?: number;
  index?: number;
  /** When it was saved (ISO 8601). */
  found: string;
  /** Bytes of input (all chunks). */
  bytes: number;
  /** The input's first bytes, readable. */
  preview: string;
  /** What a person found out about it. */
  note?: string;
}

/** A saved case with its sidecar. */
export interface Regression {
  /** The `.bin` file name. */
  file: string;
  meta: RegressionMeta;
  input: FuzzCase;
}

/** Where the regression corpus lives. */
export const REGRESSIONS_DIR: URL = new URL("../corpus/regressions/", import.meta.url);

/** The file name (without extension) a failing case is saved under. */
export function regressionName(target: string, input: FuzzCase): string {
  return `${target}-${caseHash(input)}`;
}

/**
 * Saves a failure unless the same case is already saved. Returns the `.bin` file name and
 * whether it was new.
 */
export function saveRegression(
  failure: Failure,
  dir: URL = REGRESSIONS_DIR,
  note?: string,
): { file: string; created: boolean } {
  mkdirSync(dir, { recursive: true });
  const name = regressionName(failure.target, failure.input);
  const file = `${name}.bin`;
  if (existsSync(new URL(file, dir))) return { file, created: false };
  const meta: RegressionMeta = {
    target: failure.target,
    kind: failure.kind,
    message: failure.message,
    signature: failureSignature(failure),
    status: "open",
    ...(failure.kind === "exception" && failure.stack !== undefined
      ? { frame: firstFrame(failure.stack) }
      : {}),
    seed: failure.seed,
    index: failure.index,
    found: new Date().toISOString(),
    bytes: caseSize(failure.input),
    preview: preview(caseBytes(failure.input), 160),
  };
  if (note !== undefined) meta.note = note;
  writeFileSync(new URL(file, dir), encodeCase(failure.input));
  writeFileSync(new URL(`${name}.json`, dir), `${JSON.stringify(meta, null, 2)}\n`);
  return { file, created: true };
}

/** Every saved case, sorted by file name. A `.bin` without a sidecar counts as open. */
export function loadRegressions(dir: URL = REGRESSIONS_DIR): Regression[] {
  if (!existsSync(dir)) return [];
  const out: Regression[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".bin"))
    .sort()) {
    const input = decodeCase(new Uint8Array(readFileSync(new URL(file, dir))));
    const sidecar = new URL(file.replace(/\.bin$/, ".json"), dir);
    const target = file.replace(/-[0-9a-f]{16}\.bin$/, "");
    const meta: RegressionMeta = existsSync(sidecar)
      ? (JSON.parse(readFileSync(sidecar, "utf8")) as RegressionMeta)
      : {
          target,
          kind: "exception",
          message: "",
          signature: "",
          status: "open",
          found: "",
          bytes: caseSize(input),
          preview: "",
        };
    out.push({ file, meta, input });
  }
  return out;
}

/** The sidecar of a hostile case that failed: `<target>-hostile-<name>.json`. */
export interface HostileRegression {
  hostile: string;
  target: string;
  /** `memory`, `time` (superlinear or hung) or `error` (the expected error or its bound). */
  kind: "memory" | "time" | "error";
  problems: string[];
  status: "open" | "fixed";
  found: string;
  note?: string;
}

/** Records a failing hostile case unless it is recorded already; returns the file name. */
export function saveHostileRegression(
  entry: Omit<HostileRegression, "status" | "found">,
  dir: URL = REGRESSIONS_DIR,
): { file: string; created: boolean } {
  mkdirSync(dir, { recursive: true });
  const file = `${entry.target}-hostile-${entry.hostile}.json`;
  if (existsSync(new URL(file, dir))) return { file, created: false };
  const record: HostileRegression = { ...entry, status: "open", found: new Date().toISOString() };
  writeFileSync(new URL(file, dir), `${JSON.stringify(record, null, 2)}\n`);
  return { file, created: true };
}

/** Every recorded hostile failure. */
export function loadHostileRegressions(
  dir: URL = REGRESSIONS_DIR,
): (HostileRegression & { file: string })[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /-hostile-.+\.json$/.test(f))
    .sort()
    .map((file) => ({
      ...(JSON.parse(readFileSync(new URL(file, dir), "utf8")) as HostileRegression),
      file,
    }));
}

function firstFrame(stack: string): string {
  return stack.split("\n").find((l) => l.trim().startsWith("at ")) ?? "";
}

/** Signatures of the open regressions of each target: failures the short pass already knows. */
export function openSignatures(dir: URL = REGRESSIONS_DIR): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of loadRegressions(dir)) {
    if (r.meta.status !== "open" || r.meta.message === "") continue;
    const set = out.get(r.meta.target) ?? new Set<string>();
    // Recomputed, so that saved cases follow changes to how signatures are formed.
    set.add(
      failureSignature({ kind: r.meta.kind, message: r.meta.message, stack: r.meta.frame ?? "" }),
    );
    out.set(r.meta.target, set);
  }
  return out;
}
