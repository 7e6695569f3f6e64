/**
 * The conformance suite under `deno test`: every case for `denoSockets()`.
 * Run from the repository root: `deno test -A packages/conformance/runtime/deno.test.ts`.
 *
 * @module
 */

import { denoSockets } from "@ftpkit/socket-deno";
import { type ConformanceCase, conformanceSuite } from "../src/index.ts";

interface DenoTestApi {
  test(definition: { name: string; ignore?: boolean; fn: () => Promise<void> }): void;
}

const deno = (globalThis as unknown as { Deno: DenoTestApi }).Deno;

/** `deno test` has no per-test timeout: race the case against its `timeoutMs`. */
async function withTimeout(c: ConformanceCase): Promise<void> {
  if (c.timeoutMs === undefined) return c.run();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`"${c.name}" took longer than ${c.timeoutMs} ms`)),
      c.timeoutMs,
    );
  });
  try {
    await Promise.race([c.run(), expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Registers the suite of one adapter under a name prefix. */
export function registerSuite(prefix: string, cases: ConformanceCase[]): void {
  for (const c of cases) {
    deno.test({
      name: `${prefix}: ${c.name}`,
      ignore: c.skip !== undefined,
      fn: () => withTimeout(c),
    });
  }
}

registerSuite("denoSockets", conformanceSuite(denoSockets()));
