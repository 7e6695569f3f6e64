import { memorySockets } from "@ftpkit/socket";
import { nodeSockets } from "@ftpkit/socket-node";
import { describe, it } from "vitest";
import { type ConformanceCase, conformanceSuite } from "../src/index.ts";

function register(cases: ConformanceCase[]): void {
  for (const c of cases) {
    if (c.skip !== undefined) it.skip(c.name, () => {});
    else it(c.name, () => c.run(), c.timeoutMs ?? 10_000);
  }
}

describe("nodeSockets()", () => {
  register(conformanceSuite(nodeSockets(), { nodeCommand: process.execPath }));
});

describe("memorySockets()", () => {
  register(conformanceSuite(memorySockets(), { tls: false }));
});
