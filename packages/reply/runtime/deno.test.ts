/**
 * @ftpkit/reply under `deno test`. Run from the repository root:
 * `deno test -A packages/reply/runtime/deno.test.ts`.
 *
 * @module
 */

import { cases } from "./cases.ts";

interface DenoTestApi {
  test(name: string, fn: () => void): void;
}

const deno = (globalThis as unknown as { Deno: DenoTestApi }).Deno;
for (const c of cases) deno.test(c.name, c.run);
