/**
 * @ftpkit/modes under `deno test`. Run from the repository root:
 * `deno test -A packages/modes/runtime/deno.test.ts`.
 *
 * @module
 */

import { runtimeCases } from "./cases.ts";

interface DenoTestApi {
  test(name: string, fn: () => Promise<void>): void;
}

const deno = (globalThis as unknown as { Deno: DenoTestApi }).Deno;

for (const c of runtimeCases()) deno.test(`modes: ${c.name}`, c.run);
