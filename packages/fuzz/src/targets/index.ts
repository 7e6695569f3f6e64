/**
 * Every fuzz target, in the order `pnpm fuzz` runs them.
 *
 * @module
 */

import { BINARY_INPUTS, TEXT_INPUTS } from "../cli-args.ts";
import type { Target } from "../target.ts";
import { commandParserTarget } from "./command-parser.ts";
import { extendedReassemblerTarget } from "./e-reassembler.ts";
import { fileSplitterTarget } from "./file-splitter.ts";
import { listingTarget, listLineTarget, mlsxLineTarget } from "./listing.ts";
import {
  modeBlockTarget,
  modeCompressedTarget,
  modeDeflateTarget,
  modeExtendedTarget,
  modeStreamRecordTarget,
  modeStreamTarget,
} from "./mode-decoders.ts";
import {
  epsvTarget,
  featTarget,
  fileReplyTarget,
  pasvTarget,
  pathTarget,
  portArgumentTarget,
} from "./reply-decoders.ts";
import { replyParserTarget } from "./reply-parser.ts";

/** All targets. */
export const TARGETS: readonly Target[] = [
  replyParserTarget,
  commandParserTarget,
  listLineTarget,
  listingTarget,
  mlsxLineTarget,
  featTarget,
  pasvTarget,
  epsvTarget,
  pathTarget,
  fileReplyTarget,
  portArgumentTarget,
  modeStreamTarget,
  modeStreamRecordTarget,
  modeBlockTarget,
  modeCompressedTarget,
  modeDeflateTarget,
  modeExtendedTarget,
  fileSplitterTarget,
  extendedReassemblerTarget,
];

/** The target called `name`. @throws {Error} for an unknown name. */
export function targetByName(name: string): Target {
  const target = TARGETS.find((t) => t.name === name);
  if (target === undefined) {
    throw new Error(
      `Unknown fuzz target ${JSON.stringify(name)}; targets: ${TARGETS.map((t) => t.name).join(", ")}`,
    );
  }
  return target;
}

/** The data-connection targets: bigger inputs, two decodes each. */
const DATA_TARGETS: ReadonlySet<Target> = new Set([
  modeStreamTarget,
  modeStreamRecordTarget,
  modeBlockTarget,
  modeCompressedTarget,
  modeDeflateTarget,
  modeExtendedTarget,
  fileSplitterTarget,
  extendedReassemblerTarget,
]);

/**
 * Inputs `pnpm fuzz` runs of a target by default: cheap text targets more, data-connection
 * targets fewer, for roughly similar time each and over 1,000,000 in all.
 */
export function defaultInputs(target: Target): number {
  return isDataTarget(target) ? BINARY_INPUTS : TEXT_INPUTS;
}

/** Whether a target decodes data connections (as opposed to control-connection text). */
export function isDataTarget(target: Target): boolean {
  return DATA_TARGETS.has(target);
}
