/**
 * The conformance suite under `bun test`: every case for `bunSockets()`.
 * Run from the repository root: `bun test ./packages/conformance/runtime/bun.test.ts`.
 *
 * @module
 */

import { test } from "bun:test";
import { bunSockets } from "@ftpkit/socket-bun";
import { conformanceSuite } from "../src/index.ts";

for (const c of conformanceSuite(bunSockets())) {
  if (c.skip !== undefined) test.skip(`bunSockets: ${c.name}`, () => {});
  else test(`bunSockets: ${c.name}`, () => c.run(), c.timeoutMs ?? 10_000);
}
