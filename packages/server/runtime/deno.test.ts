/**
 * @ftpkit/server under `deno test`, on `denoSockets()`.
 * Run from the repository root: `deno test -A packages/server/runtime/deno.test.ts`.
 *
 * @module
 */

import { denoSockets } from "@ftpkit/socket-deno";
import { folderSmoke, serverSmoke } from "./smoke.ts";

const deno = (
  globalThis as unknown as {
    Deno: { test(name: string, fn: () => Promise<void>): void };
  }
).Deno;

deno.test("server on denoSockets: STREAM and MODE B transfers", () => serverSmoke(denoSockets()));
deno.test("server on denoSockets: folder storage, RETRs read ahead in MODE B", () =>
  folderSmoke(denoSockets()),
);
