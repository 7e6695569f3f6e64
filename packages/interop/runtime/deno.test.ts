/**
 * @ftpkit/client under `deno test`, on `denoSockets()`, against the real servers and
 * @ftpkit/server. Run from the repository root:
 * `deno test -A packages/interop/runtime/deno.test.ts`.
 *
 * @module
 */

import { denoSockets } from "../../socket-deno/src/index.ts";
import { clientCases } from "./client-cases.ts";

const deno = (
  globalThis as unknown as {
    Deno: {
      test(options: {
        name: string;
        fn: () => Promise<void>;
        sanitizeResources?: boolean;
        sanitizeOps?: boolean;
      }): void;
    };
  }
).Deno;

const sockets = denoSockets();
for (const c of clientCases) {
  // The harness's child processes (the servers) outlive a single test's op accounting.
  deno.test({
    name: `client on denoSockets: ${c.name}`,
    fn: () => c.run(sockets),
    sanitizeResources: false,
    sanitizeOps: false,
  });
}
