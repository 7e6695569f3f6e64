/**
 * @ftpkit/modes under `bun test`. Run from the repository root:
 * `bun test ./packages/modes/runtime/bun.test.ts`.
 *
 * @module
 */

import { test } from "bun:test";
import { runtimeCases } from "./cases.ts";

for (const c of runtimeCases()) test(`modes: ${c.name}`, c.run);
