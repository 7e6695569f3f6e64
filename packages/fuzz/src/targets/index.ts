/**
 * Every fuzz target, in the order `pnpm fuzz` runs them.
 *
 * @module
 */

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
    throw new Error(`Unknown fuzz target ${JSON.stringify(name)}; targets: ${TARGETS.map((t) => t.name).join(", ")}`);
  }
  return target;
}
