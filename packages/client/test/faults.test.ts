/**
 * The data connection dropped at random offsets, in every mode, against @ftpkit/server's
 * fault injection over in-memory sockets. Seeded: a failure names its seed and run, and
 * the same seed replays the same runs. Every file must arrive byte-identical or end in a
 * TruncatedTransferError: never a short file that says it is complete, never a
 * duplicated byte.
 */

import { FtpError, TruncatedTransferError } from "@ftpkit/errors";
import type { TransferEntry } from "@ftpkit/server";
import { describe, expect, it } from "vitest";
import { connect, type UsedMode } from "../src/index.ts";
import { equalBytes, ourServer } from "./helpers/our-server.ts";

/** mulberry32: a small seeded PRNG, so a run can be replayed from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RUNS = 100;
const FILES_PER_RUN = 3;
const MODES: UsedMode[] = ["S", "B", "C", "Z", "E"];

interface Outcome {
  identical: number;
  resumedIdentical: number;
  truncated: number;
  cuts: number;
}

async function dropRuns(mode: UsedMode, retries: number, seed: number): Promise<Outcome> {
  const next = random(seed);
  const int = (n: number): number => Math.floor(next() * n);
  // Random bytes: C and Z cannot shrink them, so a cut below the file size is inside it.
  const seedFiles: Record<string, Uint8Array> = {};
  const runs: {
    names: string[];
    target: number;
    afterBytes: number;
    reply: number;
    times: number;
  }[] = [];
  for (let run = 0; run < RUNS; run++) {
    const names: string[] = [];
    for (let f = 0; f < FILES_PER_RUN; f++) {
      const size = 1 + int(f === 1 ? 20_000 : 6_000);
      const bytes = new Uint8Array(size);
      for (let i = 0; i < size; i++) bytes[i] = int(256);
      const name = `r${run}-f${f}.bin`;
      seedFiles[name] = bytes;
      names.push(name);
    }
    const target = int(FILES_PER_RUN);
    runs.push({
      names,
      target,
      afterBytes: int(seedFiles[names[target]!]!.length),
      // 226: a server that believes the cut transfer succeeded (STREAM cannot tell; SIZE can).
      reply: next() < 0.5 ? 426 : 226,
      // With resumes: sometimes one cut more than the resumes allowed.
      times: retries > 0 ? 1 + int(retries + 1) : 1,
    });
  }
  await using ours = await ourServer(seedFiles);
  await using session = await connect(ours.url, { sockets: ours.sockets, timeout: 10_000 });
  const outcome: Outcome = { identical: 0, resumedIdentical: 0, truncated: 0, cuts: 0 };
  for (let run = 0; run < RUNS; run++) {
    const r = runs[run]!;
    const where = `seed ${seed}, run ${run}, MODE ${mode}, retries ${retries}`;
    const targetPath = `/${r.names[r.target]}`;
    ours.server.faults = {
      dropData: {
        afterBytes: r.afterBytes,
        verbs: ["RETR"],
        paths: [targetPath],
        reply: r.reply,
        times: r.times,
      },
    };
    const results: (Uint8Array | FtpError)[] = [];
    for await (const file of session.retrieve(r.names, { mode, retries })) {
      expect(file.ok, where).toBe(true);
      results.push(
        await file.bytes().catch((error: unknown) => {
          expect(FtpError.isInstance(error), `${where}: ${String(error)}`).toBe(true);
          return error as FtpError;
        }),
      );
    }
    expect(results).toHaveLength(FILES_PER_RUN);
    const cuts = ours.server.log
      .filter({ kind: "transfer" })
      .filter((e) => (e as TransferEntry).path === targetPath && !(e as TransferEntry).ok).length;
    // Every cut is a logged firing of the fault, and nothing else failed a transfer.
    expect(ours.server.log.count({ kind: "fault" }), where).toBe(cuts);
    outcome.cuts += cuts;
    r.names.forEach((name, i) => {
      const got = results[i]!;
      const wanted = seedFiles[name]!;
      if (got instanceof Uint8Array) {
        expect(equalBytes(got, wanted), `${where}: ${name} differs (${cuts} cuts)`).toBe(true);
        if (i === r.target && cuts > 0) outcome.resumedIdentical++;
        else outcome.identical++;
        return;
      }
      // Only the cut file may fail, only once every resume was cut as well, and only
      // with the typed error saying how far it got. (A cut can land exactly on the last
      // byte of a resumed attempt, which then delivered everything: identical is fine.)
      expect(got, `${where}: ${name}: ${got.message}`).toBeInstanceOf(TruncatedTransferError);
      expect(i, `${where}: ${name} is not the cut file`).toBe(r.target);
      expect(cuts, `${where}: ${name} failed with resumes left`).toBeGreaterThan(retries);
      const e = got as TruncatedTransferError;
      expect(e.path, `${where}: ${e.message}`).toBe(name);
      expect(e.bytesDelivered, where).toBeLessThan(wanted.length);
      outcome.truncated++;
    });
    ours.server.log.clear();
  }
  // The session is still in step after every run.
  expect(await session.size(runs[0]!.names[0]!)).toBe(seedFiles[runs[0]!.names[0]!]!.length);
  return outcome;
}

describe("data connection dropped at random offsets (100 seeded runs per mode)", () => {
  MODES.forEach((mode, m) => {
    it(`MODE ${mode}, 3 resumes: every file identical, or a TruncatedTransferError after a cut too many`, async () => {
      const o = await dropRuns(mode, 3, 7001 + m);
      // Most runs were cut and resumed; a quarter were cut once more than allowed.
      expect(o.resumedIdentical).toBeGreaterThan(RUNS / 2);
      expect(o.truncated).toBeGreaterThan(0);
      expect(o.resumedIdentical + o.truncated + o.identical).toBe(RUNS * FILES_PER_RUN);
      console.info(
        `MODE ${mode}, retries 3: ${o.cuts} cuts; ${o.resumedIdentical} cut files resumed byte-identical, ${o.truncated} TruncatedTransferError, ${o.identical} untouched identical`,
      );
    });

    it(`MODE ${mode}, retries: 0: a cut file is a TruncatedTransferError, never a short "ok" file`, async () => {
      const o = await dropRuns(mode, 0, 9001 + m);
      // Every run cut its file below its size (random bytes: no mode shrinks them), so
      // every run ends in the typed error.
      expect(o.cuts).toBe(RUNS);
      expect(o.truncated).toBe(RUNS);
      console.info(
        `MODE ${mode}, retries 0: ${o.cuts} cuts; ${o.truncated} TruncatedTransferError, ${o.identical} untouched identical`,
      );
    });
  });
});
