/**
 * @ftpkit/client under `bun test`, on `bunSockets()`, against the real servers and
 * @ftpkit/server. Run from the repository root:
 * `bun test ./packages/interop/runtime/bun.test.ts`.
 *
 * @module
 */

import { test } from "bun:test";
import { bunSockets } from "../../socket-bun/src/index.ts";
import { clientCases } from "./client-cases.ts";

const sockets = bunSockets();
for (const c of clientCases) {
  test(`client on bunSockets: ${c.name}`, () => c.run(sockets), 120_000);
}
