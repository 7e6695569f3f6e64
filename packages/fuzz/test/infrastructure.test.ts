import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { FtpProtocolError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { parseArgs } from "../src/cli-args.ts";
import { caseBytes, caseHash, decodeCase, encodeCase, type FuzzCase } from "../src/fuzz-case.ts";
import { minimize } from "../src/minimize.ts";
import { COMMON_TEXT_TOKENS, mutate } from "../src/mutate.ts";
import { Prng } from "../src/prng.ts";
import { loadRegressions, openSignatures, saveRegression } from "../src/regressions.ts";
import { failureSignature, makeInput, runCase, runTarget } from "../src/runner.ts";
import { loadSeeds } from "../src/seeds.ts";
import { check, SHORT_PROFILE, type Target } from "../src/target.ts";
import { TARGETS } from "../src/targets/index.ts";

/** A target that fails in a chosen way when its input holds the byte 0x42. */
function fakeTarget(fail: () => never): Target {
  return {
    name: "fake",
    description: "fails on 0x42",
    generate: (rng) => ({
      config: 0,
      chunks: [{ connection: 0, bytes: rng.bytes(rng.below(64)) }],
    }),
    run: (input) => {
      if (caseBytes(input).includes(0x42)) fail();
    },
  };
}

describe("Prng", () => {
  it("gives the same numbers for the same (seed, target, index) and others for another index", () => {
    const a = Prng.forInput(7, "reply-parser", 3);
    const b = Prng.forInput(7, "reply-parser", 3);
    const c = Prng.forInput(7, "reply-parser", 4);
    const sa = Array.from({ length: 8 }, () => a.next());
    expect(Array.from({ length: 8 }, () => b.next())).toEqual(sa);
    expect(Array.from({ length: 8 }, () => c.next())).not.toEqual(sa);
  });

  it("keeps below(), between() and length() within their ranges", () => {
    const r = new Prng(1, 2, 3, 4);
    for (let i = 0; i < 10000; i++) {
      const b = r.below(10);
      const w = r.between(-3, 3);
      const l = r.length(1000);
      expect(b >= 0 && b < 10 && w >= -3 && w <= 3 && l >= 0 && l <= 1000).toBe(true);
    }
  });
});

describe("fuzz cases", () => {
  it("encode and decode to the same chunks, connections, config and expected outcome", () => {
    const input: FuzzCase = {
      config: 0xa5,
      chunks: [
        { connection: 0, bytes: Uint8Array.of(1, 2, 3) },
        { connection: 3, bytes: new Uint8Array(0) },
        { connection: 1, bytes: Uint8Array.of(255) },
      ],
      expected: "h=1|eof#3",
    };
    const back = decodeCase(encodeCase(input));
    expect(back).toEqual(input);
    expect(caseHash(back)).toBe(caseHash(input));
  });

  it("refuse bytes that are not a case", () => {
    expect(() => decodeCase(Uint8Array.of(1, 2, 3))).toThrow(/FZC1/);
    const cut = encodeCase({
      config: 0,
      chunks: [{ connection: 0, bytes: new Uint8Array(10) }],
    }).subarray(0, 15);
    expect(() => decodeCase(cut)).toThrow(/cut off/);
  });

  it("are rebuilt identically from (seed, target, index) for every target", () => {
    const seeds = loadSeeds();
    for (const target of TARGETS) {
      for (const index of [0, 1, 977]) {
        const a = makeInput(target, 99, index, seeds, SHORT_PROFILE);
        const b = makeInput(target, 99, index, seeds, SHORT_PROFILE);
        expect(caseHash(a), `${target.name} #${index}`).toBe(caseHash(b));
      }
    }
  });
});

describe("mutate", () => {
  it("never makes an input bigger than the profile allows", () => {
    const rng = new Prng(5, 6, 7, 8);
    let input = new Uint8Array(100);
    for (let i = 0; i < 2000; i++) {
      input = mutate(rng, input, {
        tokens: COMMON_TEXT_TOKENS,
        maxSize: 300,
        maxRun: 1000,
      }).slice();
      expect(input.length).toBeLessThanOrEqual(300);
    }
  });
});

describe("runCase", () => {
  const input: FuzzCase = { config: 0, chunks: [{ connection: 0, bytes: Uint8Array.of(0x42) }] };

  it("calls an error outside the ftpkit family an exception", () => {
    const outcome = runCase(
      fakeTarget(() => {
        throw new TypeError("boom");
      }),
      input,
    );
    expect(outcome).toMatchObject({ ok: false, kind: "exception", message: "TypeError: boom" });
  });

  it("calls a violated invariant, and an ftpkit error a target let through, invariant failures", () => {
    expect(
      runCase(
        fakeTarget(() => check(false, "nope") as never),
        input,
      ),
    ).toMatchObject({ ok: false, kind: "invariant", message: "nope" });
    expect(
      runCase(
        fakeTarget(() => {
          throw new FtpProtocolError("bad");
        }),
        input,
      ),
    ).toMatchObject({ ok: false, kind: "invariant" });
  });
});

describe("runTarget and minimize", () => {
  it("reports each distinct failure once, and minimize cuts it down to the one byte that matters", () => {
    const target = fakeTarget(() => {
      throw new RangeError("found 0x42");
    });
    const result = runTarget(target, {
      seed: 1,
      inputs: 400,
      seeds: loadSeeds(),
      profile: SHORT_PROFILE,
    });
    expect(result.inputs).toBe(400);
    expect(result.failures).toHaveLength(1);
    expect(result.duplicates).toBeGreaterThan(0);
    const failure = result.failures[0]!;
    const small = minimize(target, failure.input, failureSignature(failure));
    expect(caseBytes(small)).toEqual(Uint8Array.of(0x42));
  });
});

describe("regression corpus files", () => {
  it("save a failure once and load it back with its sidecar", () => {
    const dir = mkdtempSync(join(tmpdir(), "ftpkit-fuzz-"));
    try {
      const url = pathToFileURL(`${dir}/`);
      const failure = {
        target: "epsv",
        kind: "slow" as const,
        message: "input took 900 ms",
        input: { config: 1, chunks: [{ connection: 0, bytes: Uint8Array.of(0x28, 0x28) }] },
        seed: 5,
        index: 9,
      };
      const first = saveRegression(failure, url);
      const again = saveRegression(failure, url);
      expect(first.created).toBe(true);
      expect(again).toEqual({ file: first.file, created: false });
      expect(first.file).toMatch(/^epsv-[0-9a-f]{16}\.bin$/);
      const [loaded] = loadRegressions(url);
      expect(loaded?.input).toEqual(failure.input);
      expect(loaded?.meta).toMatchObject({
        target: "epsv",
        kind: "slow",
        status: "open",
        seed: 5,
        index: 9,
      });
      expect(openSignatures(url).get("epsv")?.has(failureSignature(failure))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("command line", () => {
  it("reads the seed, input count and targets from options and the environment", () => {
    const a = parseArgs(
      ["--seed", "12", "--inputs=5", "--target", "epsv,pasv", "--target", "feat"],
      {},
    );
    expect(a).toMatchObject({
      seed: 12,
      seedGiven: true,
      inputs: 5,
      targets: ["epsv", "pasv", "feat"],
    });
    const b = parseArgs([], { FTPKIT_FUZZ_SEED: "3", FTPKIT_FUZZ_TARGET: "mode-B" });
    expect(b).toMatchObject({ seed: 3, seedGiven: true, targets: ["mode-B"], inputs: undefined });
    expect(() => parseArgs(["--frobnicate"], {})).toThrow(/Unknown option/);
  });
});
