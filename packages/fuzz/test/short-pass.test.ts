/**
 * The CI short pass: every target with a fixed seed and small inputs (a quadratic bug costs
 * milliseconds here; `pnpm fuzz` is what measures time per input). A failure fails the test
 * unless it is a known open regression (same signature as an open case in
 * corpus/regressions/), so a new bug turns CI red and a known one does not hide the rest.
 */
import { describe, expect, it } from "vitest";
import { preview } from "../src/bytes.ts";
import { caseBytes } from "../src/fuzz-case.ts";
import { openSignatures } from "../src/regressions.ts";
import { failureSignature, runTarget } from "../src/runner.ts";
import { loadSeeds } from "../src/seeds.ts";
import { SHORT_PROFILE } from "../src/target.ts";
import { isDataTarget, TARGETS } from "../src/targets/index.ts";

const SEED = 20260101;
const override = Number(process.env.FTPKIT_FUZZ_SHORT_INPUTS ?? "");
const TEXT_INPUTS = Number.isSafeInteger(override) && override > 0 ? override : 20_000;
const DATA_INPUTS = Number.isSafeInteger(override) && override > 0 ? override : 3_000;

describe(`short pass (seed ${SEED})`, () => {
  const seeds = loadSeeds();
  const known = openSignatures();
  for (const target of TARGETS) {
    const inputs = isDataTarget(target) ? DATA_INPUTS : TEXT_INPUTS;
    it(`${target.name}: ${inputs} inputs, no failure but known open ones`, {
      timeout: 120_000,
    }, () => {
      const result = runTarget(target, {
        seed: SEED,
        inputs,
        seeds,
        profile: SHORT_PROFILE,
        maxFailures: 1000,
      });
      expect(result.inputs).toBe(inputs);
      const unknown = result.failures
        .filter((f) => known.get(target.name)?.has(failureSignature(f)) !== true)
        .map(
          (f) =>
            `#${f.index} ${f.kind}: ${f.message.split("\n")[0]} — ${preview(caseBytes(f.input), 100)} (reproduce: pnpm --filter @ftpkit/fuzz fuzz --short --seed ${SEED} --target ${target.name} --index ${f.index})`,
        );
      expect(unknown).toEqual([]);
    });
  }
});
