/**
 * @ftpkit/client under `deno test`, on `denoSockets()`, against @ftpkit/server on
 * loopback. Run from the repository root:
 * `deno test -A packages/client/runtime/deno.test.ts`.
 *
 * @module
 */

import { denoSockets } from "../../socket-deno/src/index.ts";
import { clientCases } from "./cases.ts";

const deno = (
  globalThis as unknown as {
    Deno: { test(options: { name: string; fn: () => Promise<void> }): void };
  }
).Deno;

const sockets = denoSockets();
for (const c of clientCases) {
  deno.test({ name: `client on denoSockets: ${c.name}`, fn: () => c.run(sockets) });
}
