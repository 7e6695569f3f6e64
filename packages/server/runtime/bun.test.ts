/**
 * @ftpkit/server under `bun test`, on `bunSockets()`.
 * Run from the repository root: `bun test ./packages/server/runtime/bun.test.ts`.
 *
 * @module
 */

import { test } from "bun:test";
import { bunSockets } from "@ftpkit/socket-bun";
import { folderSmoke, serverSmoke } from "./smoke.ts";

test("server on bunSockets: STREAM and MODE B transfers", () => serverSmoke(bunSockets()), 20_000);
test(
  "server on bunSockets: folder storage, RETRs read ahead in MODE B",
  () => folderSmoke(bunSockets()),
  20_000,
);
