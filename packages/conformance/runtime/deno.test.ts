/**
 * The conformance suite under `deno test`: every case for `denoSockets()`, and for
 * `nodeSockets()` running on Deno's Node compatibility layer.
 * Run from the repository root: `deno test -A packages/conformance/runtime/deno.test.ts`.
 *
 * @module
 */

import type { SocketAdapter } from "@ftpkit/socket";
import { denoSockets } from "@ftpkit/socket-deno";
import { nodeSockets } from "@ftpkit/socket-node";
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

// nodeSockets() works on Deno except TLS session reuse: Deno's node:tls never resumes
// (the reference server records a full handshake every time), while nodeSockets() reports
// Node's capabilities. Run with that one capability corrected, the suite checks that the
// rest holds and that no resumption is claimed. Its node:tls server also reports a
// handshake done before the client rejects the certificate, hence the option.
const node = nodeSockets();
const nodeOnDeno: SocketAdapter = {
  runtime: node.runtime,
  capabilities: { ...node.capabilities, tlsSessionReuse: { tls12: false, tls13: false } },
  connect: (options) => node.connect(options),
  listen: (options) => node.listen(options),
};
registerSuite(
  "nodeSockets on Deno",
  conformanceSuite(nodeOnDeno, { acceptedSeesClientTlsFailure: false }),
);
