/**
 * Replays every saved case in corpus/regressions/ forever after.
 *
 * - `"status": "fixed"`: the case must pass (no exception outside the ftpkit family, every
 *   invariant holds).
 * - `"status": "open"`, a deterministic failure (exception, invariant): `it.fails` — the test
 *   passes while the bug is there and turns red when it is gone, to have the status flipped.
 * - `"status": "open"`, a slow or hung input: skipped here (vitest makes no time assertions;
 *   `pnpm fuzz` replays it against its time budget first thing on every run).
 *
 * Hostile cases recorded as failing (`*-hostile-*.json`) are checked the same way: fixed ones
 * must pass their deterministic checks and stay under their memory bound (measured after
 * forced collections); open ones are skipped with their problems in the title.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import { HOSTILE_CASES } from "../src/hostile.ts";
import { runHostile } from "../src/hostile-runner.ts";
import { loadHostileRegressions, loadRegressions } from "../src/regressions.ts";
import { runCase } from "../src/runner.ts";
import { TARGETS, targetByName } from "../src/targets/index.ts";

const regressions = loadRegressions();
const hostile = loadHostileRegressions();

function memoryProbe(): () => number {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  return () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
}

describe("regression corpus", () => {
  it("holds only readable cases of known targets", () => {
    const names = new Set(TARGETS.map((t) => t.name));
    for (const r of regressions) {
      expect(names.has(r.meta.target), r.file).toBe(true);
      expect(r.file.startsWith(`${r.meta.target}-`), r.file).toBe(true);
      expect(["open", "fixed"]).toContain(r.meta.status);
    }
    for (const h of hostile)
      expect(
        HOSTILE_CASES.some((c) => c.name === h.hostile),
        h.file,
      ).toBe(true);
  });

  for (const r of regressions) {
    const title = `${r.file} (${r.meta.kind}: ${r.meta.message.split("\n")[0]!.slice(0, 100)})`;
    const replay = (): void => {
      const outcome = runCase(targetByName(r.meta.target), r.input);
      expect(outcome.ok ? "passes" : `${outcome.kind}: ${outcome.message}`).toBe("passes");
    };
    if (r.meta.status === "fixed") it(`fixed: ${title}`, replay);
    else if (r.meta.kind === "slow" || r.meta.kind === "hang")
      it.skip(`open, timed by pnpm fuzz: ${title}`, replay);
    else it.fails(`open (expected to fail until fixed): ${title}`, replay);
  }

  for (const h of hostile) {
    const c = HOSTILE_CASES.find((x) => x.name === h.hostile);
    const title = `${h.file} (${h.kind}: ${h.problems.join("; ").slice(0, 120)})`;
    if (c === undefined || h.status !== "fixed") {
      it.skip(`open, checked by pnpm fuzz --hostile-only: ${title}`, () => undefined);
      continue;
    }
    it(`fixed: ${title}`, { timeout: 120_000 }, () => {
      const result = runHostile(c, { memory: memoryProbe(), size: Math.min(c.size, 16 * 2 ** 20) });
      expect(result.problems).toEqual([]);
    });
  }
});
