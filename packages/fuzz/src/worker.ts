/**
 * The fuzzing worker: replays saved cases, runs the fuzz items, then the hostile cases, and
 * reports to `main.ts`. It beats a shared heartbeat on every input so that the main thread
 * can tell a hang (and terminate the worker) from slow progress.
 *
 * @module
 */

import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { parentPort, workerData } from "node:worker_threads";
import { caseSize, encodeCase, type FuzzCase } from "./fuzz-case.ts";
import { HOSTILE_CASES } from "./hostile.ts";
import { runHostile } from "./hostile-runner.ts";
import { minimize } from "./minimize.ts";
import { loadRegressions } from "./regressions.ts";
import { failureSignature, runCase, runTarget } from "./runner.ts";
import { loadSeeds } from "./seeds.ts";
import { FULL_PROFILE, SHORT_PROFILE } from "./target.ts";
import { targetByName } from "./targets/index.ts";
import { Heartbeat, type WorkerJob, type WorkerMessage } from "./worker-protocol.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const job = workerData as WorkerJob;
const beat = new Int32Array(job.heartbeat);
const post = (m: WorkerMessage): void => parentPort!.postMessage(m);
const tick = (): void => void Atomics.add(beat, Heartbeat.beat, 1);
const candidate = new Uint8Array(job.candidate);
const candidateView = new DataView(job.candidate);

/** Publishes the minimization candidate about to run, then beats. */
function tryCandidate(input: FuzzCase): void {
  const bytes = encodeCase(input);
  if (bytes.length + 4 <= candidate.length) {
    candidate.set(bytes, 4);
    candidateView.setUint32(0, bytes.length);
  } else candidateView.setUint32(0, 0);
  tick();
}

/** Memory held after full collections (the second one frees the array buffers the first found dead). */
function memory(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** CPU time of the process in milliseconds (this worker does nearly all the work). */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const seeds = loadSeeds();
const profile = job.profile === "short" ? SHORT_PROFILE : FULL_PROFILE;

if (job.replay.length > 0) {
  Atomics.store(beat, Heartbeat.phase, 2);
  const saved = new Map(loadRegressions().map((r) => [r.file, r]));
  job.replay.forEach((file, item) => {
    Atomics.store(beat, Heartbeat.item, item);
    tick();
    const r = saved.get(file);
    if (r === undefined) return;
    const target = targetByName(r.meta.target);
    const t0 = cpuMs();
    const outcome = runCase(target, r.input);
    const ms = cpuMs() - t0;
    const slow = outcome.ok && ms > job.budgetMs;
    post({
      type: "replay",
      file,
      ok: outcome.ok && !slow,
      ...(outcome.ok
        ? slow
          ? { kind: "slow", message: `took ${Math.round(ms)} ms` }
          : {}
        : { kind: outcome.kind, message: outcome.message }),
      ms,
      item,
    });
  });
}

Atomics.store(beat, Heartbeat.phase, 0);
job.items.forEach((item, n) => {
  Atomics.store(beat, Heartbeat.item, n);
  const target = targetByName(item.target);
  const result = runTarget(target, {
    seed: job.seed,
    inputs: item.inputs,
    start: item.start,
    seeds,
    profile,
    budgetMs: job.budgetMs,
    now: () => performance.now(),
    // CPU time, not wall time: on a busy machine a starved worker is not a slow input.
    budgetNow: cpuMs,
    memory,
    memoryEvery: 8192,
    memoryLimit: job.memoryLimit,
    maxFailures: job.maxFailures,
    maxSlow: Math.max(1, job.maxSlow - item.slowSoFar),
    onInput: (index) => {
      Atomics.store(beat, Heartbeat.input, index);
      tick();
    },
    onFailure: (failure) => {
      if (failure.kind === "exception" || failure.kind === "invariant") {
        Atomics.store(beat, Heartbeat.phase, 3);
        const small = minimize(
          target,
          failure.input,
          failureSignature(failure),
          2000,
          tryCandidate,
        );
        Atomics.store(beat, Heartbeat.phase, 0);
        if (small !== failure.input) {
          post({
            type: "failure",
            failure: { ...failure, input: small },
            minimizedFrom: caseSize(failure.input),
          });
          return;
        }
      }
      post({ type: "failure", failure });
    },
    progressEvery: 5000,
    onProgress: (done, ms) => post({ type: "progress", target: item.target, done, ms }),
  });
  const { failures: _, ...rest } = result;
  post({ type: "result", result: rest, item: n });
});

Atomics.store(beat, Heartbeat.phase, 1);
job.hostile.forEach((name, item) => {
  Atomics.store(beat, Heartbeat.item, item);
  tick();
  const c = HOSTILE_CASES.find((h) => h.name === name);
  if (c === undefined) return;
  const result = runHostile(c, { memory, now: cpuMs, heartbeat: tick });
  post({ type: "hostile", result, item });
});

post({ type: "done" });
