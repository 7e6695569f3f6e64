import { test } from "bun:test";
import { nodeSockets } from "../src/index.ts";
import { conformanceSuite } from "../../conformance/src/index.ts";
for (const c of conformanceSuite(nodeSockets())) {
  if (c.skip !== undefined) test.skip(`nodeSockets on Bun: ${c.name}`, () => {});
  else test(`nodeSockets on Bun: ${c.name}`, () => c.run(), c.timeoutMs ?? 10_000);
}
