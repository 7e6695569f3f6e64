/**
 * @ftpkit/client under `bun test`, on `bunSockets()`, against @ftpkit/server on loopback.
 * Run from the repository root: `bun test ./packages/client/runtime/bun.test.ts`.
 *
 * @module
 */

import { test } from "bun:test";
import { bunSockets } from "../../socket-bun/src/index.ts";
import { clientCases } from "./cases.ts";

const sockets = bunSockets();
for (const c of clientCases) {
  test(`client on bunSockets: ${c.name}`, () => c.run(sockets), 60_000);
}
