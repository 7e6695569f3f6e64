/**
 * @ftpkit/reply under `bun test`. Run from the repository root:
 * `bun test ./packages/reply/runtime/bun.test.ts`.
 *
 * @module
 */

import { test } from "bun:test";
import { cases } from "./cases.ts";

for (const c of cases) test(c.name, c.run);
