/**
 * `pnpm fuzz`: replays the regression corpus, fuzzes every target with seeded random and
 * mutated inputs, then runs the hostile cases; prints inputs/s per target and every failure,
 * saves failures to `corpus/regressions/`, and exits non-zero when anything failed.
 *
 * The work runs in a worker thread; this thread watches its heartbeat, and terminates and
 * restarts it (after the hung input) when an input makes no progress for `--hang-ms`.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { preview } from "./bytes.ts";
import { type FuzzArgs, parseArgs, USAGE } from "./cli-args.ts";
import { caseBytes, caseSize, decodeCase, type FuzzCase } from "./fuzz-case.ts";
import { HOSTILE_CASES } from "./hostile.ts";
import type { HostileResult } from "./hostile-runner.ts";
import {
  loadRegressions,
  type Regression,
  saveHostileRegression,
  saveRegression,
} from "./regressions.ts";
import { type Failure, failureSignature, makeInput, type RunResult, runCase } from "./runner.ts";
import { loadSeeds, type SeedCorpus } from "./seeds.ts";
import { FULL_PROFILE, SHORT_PROFILE, type SizeProfile, type Target } from "./target.ts";
import { defaultInputs, TARGETS, targetByName } from "./targets/index.ts";
import {
  CANDIDATE_BYTES,
  Heartbeat,
  type WorkerJob,
  type WorkerMessage,
  type WorkItem,
} from "./worker-protocol.ts";

const HOSTILE_HANG_MS = 120_000;

/** CPU time of this process (all threads) in milliseconds. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

interface TargetTotals {
  inputs: number;
  bytes: number;
  ms: number;
  memoryGrowth: number;
  stopped?: string;
}

interface Report {
  totals: Map<string, TargetTotals>;
  failures: { failure: Failure; file?: string; known: boolean; minimizedFrom?: number }[];
  /** Failures the worker only counted (same signature as one reported). */
  duplicates: number;
  replays: { regression: Regression; ok: boolean; kind?: string; message?: string; ms: number }[];
  hostile: HostileResult[];
}

function describeCase(input: FuzzCase): string {
  const chunks = input.chunks.length;
  const conns = new Set(input.chunks.map((c) => c.connection)).size;
  return `config 0x${input.config.toString(16).padStart(2, "0")}, ${caseSize(input)} bytes in ${chunks} chunk${chunks === 1 ? "" : "s"}${conns > 1 ? ` on ${conns} connections` : ""}: ${preview(caseBytes(input), 120)}`;
}

function formatRate(n: number, ms: number): string {
  const rate = ms > 0 ? (n * 1000) / ms : 0;
  return rate >= 1000 ? `${(rate / 1000).toFixed(1)}k` : rate.toFixed(0);
}

/** Runs the job in workers until it is done, restarting after hangs and crashes. */
type Job = Omit<WorkerJob, "heartbeat" | "candidate">;

async function runJob(
  args: FuzzArgs,
  seeds: SeedCorpus,
  profile: SizeProfile,
  job: Job,
  report: Report,
): Promise<void> {
  const regressions = new Map(loadRegressions().map((r) => [r.file, r]));
  const seen = new Map<string, number>();
  /** Slow and hung inputs per target, saved or not. */
  const slowCount = new Map<string, number>();
  let pending: Job | undefined = job;

  const onFailure = (failure: Failure, minimizedFrom?: number): void => {
    if (failure.kind === "slow" || failure.kind === "hang") {
      slowCount.set(failure.target, (slowCount.get(failure.target) ?? 0) + 1);
    }
    const signature = `${failure.target}|${failureSignature(failure)}`;
    const count = (seen.get(signature) ?? 0) + 1;
    seen.set(signature, count);
    const keep = failure.kind === "slow" || failure.kind === "hang" ? 3 : 1;
    if (count > keep) {
      report.duplicates++;
      return;
    }
    let file: string | undefined;
    let known = false;
    if (args.save) {
      const saved = saveRegression(failure);
      file = saved.file;
      known = !saved.created;
    }
    const entry: Report["failures"][number] = { failure, known };
    if (file !== undefined) entry.file = file;
    if (minimizedFrom !== undefined) entry.minimizedFrom = minimizedFrom;
    report.failures.push(entry);
    console.log(
      `  ✗ ${failure.target} #${failure.index} ${failure.kind}: ${failure.message.split("\n")[0]!.slice(0, 200)}\n    ${describeCase(failure.input)}${minimizedFrom === undefined ? "" : ` (minimized from ${minimizedFrom} bytes)`}${file === undefined ? "" : `\n    saved ${known ? "(already known) " : ""}corpus/regressions/${file}`}`,
    );
  };

  const addResult = (r: Omit<RunResult, "failures">): void => {
    report.duplicates += r.duplicates;
    const t = report.totals.get(r.target) ?? { inputs: 0, bytes: 0, ms: 0, memoryGrowth: 0 };
    t.inputs += r.inputs;
    t.bytes += r.bytes;
    t.ms += r.ms;
    t.memoryGrowth = Math.max(t.memoryGrowth, r.memoryGrowth ?? 0);
    if (r.stopped !== undefined) t.stopped = r.stopped;
    report.totals.set(r.target, t);
    const extra = r.stopped === undefined ? "" : `  (stopped: ${r.stopped})`;
    console.log(
      `  ${r.target.padEnd(16)} ${String(t.inputs).padStart(8)} inputs  ${formatRate(t.inputs, t.ms).padStart(6)} inputs/s  ${(t.bytes / 2 ** 20 / (t.ms / 1000)).toFixed(1).padStart(6)} MiB/s${extra}`,
    );
  };

  while (pending !== undefined) {
    const current: Job = pending;
    pending = undefined;
    const heartbeat = new SharedArrayBuffer(4 * Heartbeat.size);
    const beat = new Int32Array(heartbeat);
    const candidate = new SharedArrayBuffer(CANDIDATE_BYTES);
    const worker = new Worker(new URL("./worker-entry.mjs", import.meta.url), {
      workerData: { ...current, heartbeat, candidate } satisfies WorkerJob,
      resourceLimits: { maxOldGenerationSizeMb: 4096 },
    });
    let done = false;
    let lastBeat = -1;
    let lastChange = Date.now();
    let lastProgress = Date.now();
    let itemStarted = Date.now();
    let crash: string | undefined;
    worker.on("message", (m: WorkerMessage) => {
      switch (m.type) {
        case "failure":
          onFailure(m.failure, m.minimizedFrom);
          break;
        case "progress":
          if (Date.now() - lastProgress > 15_000) {
            lastProgress = Date.now();
            console.log(
              `    … ${m.target}: ${m.done} inputs, ${formatRate(m.done, m.ms)} inputs/s`,
            );
          }
          break;
        case "result":
          itemStarted = Date.now();
          addResult(m.result);
          break;
        case "hostile": {
          report.hostile.push(m.result);
          printHostile(m.result, args.save);
          break;
        }
        case "replay": {
          const regression = regressions.get(m.file);
          if (regression === undefined) break;
          const entry: Report["replays"][number] = { regression, ok: m.ok, ms: m.ms };
          if (m.kind !== undefined) entry.kind = m.kind;
          if (m.message !== undefined) entry.message = m.message;
          report.replays.push(entry);
          printReplay(entry);
          break;
        }
        case "done":
          done = true;
          break;
      }
    });
    const exited = new Promise<void>((resolveExit) => {
      worker.on("error", (error) => {
        crash = `${error.name}: ${error.message}`;
      });
      worker.on("exit", () => resolveExit());
    });
    // A hang is no heartbeat for `limit` ms of CPU time (the worker computing, not starved by a
    // busy machine), or for ten times that of wall time.
    let cpuAtChange = cpuMs();
    const watchdog = setInterval(() => {
      const b = Atomics.load(beat, Heartbeat.beat);
      const phase = Atomics.load(beat, Heartbeat.phase);
      if (b !== lastBeat) {
        lastBeat = b;
        lastChange = Date.now();
        cpuAtChange = cpuMs();
        return;
      }
      const limit = phase === 1 ? Math.max(args.hangMs, HOSTILE_HANG_MS) : args.hangMs;
      const cpu = cpuMs() - cpuAtChange;
      if (cpu > limit || Date.now() - lastChange > 10 * limit) {
        crash = `no progress for ${(cpu / 1000).toFixed(1)} s of CPU time`;
        void worker.terminate();
      }
    }, 250);
    await exited;
    clearInterval(watchdog);
    if (done && crash === undefined) break;
    // The worker hung or crashed: report the input it was on, resume after it.
    const phase = Atomics.load(beat, Heartbeat.phase);
    const item = Atomics.load(beat, Heartbeat.item);
    const kind = crash?.startsWith("no progress") ? "hang" : "crash";
    const why = crash ?? "the worker exited without finishing";
    if (phase === 2) {
      const file = current.replay[item]!;
      console.log(`  ✗ replay ${file}: ${kind} (${why})`);
      const regression = regressions.get(file);
      if (regression !== undefined)
        report.replays.push({ regression, ok: false, kind, message: why, ms: 0 });
      pending = { ...current, replay: current.replay.slice(item + 1) };
    } else if (phase === 0 || phase === 3) {
      const work = current.items[item]!;
      const index = Atomics.load(beat, Heartbeat.input);
      const target = targetByName(work.target);
      // While minimizing, the candidate that hung is in the shared buffer; else rebuild the input.
      const length = new DataView(candidate).getUint32(0);
      const fromCandidate = phase === 3 && length > 0;
      const input = fromCandidate
        ? decodeCase(new Uint8Array(candidate, 4, length).slice())
        : makeInput(target, current.seed, index, seeds, profile);
      const what = fromCandidate ? `a cut-down variant of input #${index}` : "input";
      onFailure({
        target: work.target,
        kind,
        message: `${what} ${kind === "hang" ? "hung" : "crashed the worker"}: ${why} (${caseSize(input)} bytes)`,
        input,
        seed: current.seed,
        index,
      });
      const doneInItem = index + 1 - work.start;
      const t = report.totals.get(work.target) ?? { inputs: 0, bytes: 0, ms: 0, memoryGrowth: 0 };
      t.inputs += doneInItem;
      t.ms += Date.now() - itemStarted;
      const rest: WorkItem[] = [];
      const slowSoFar = slowCount.get(work.target) ?? 0;
      if (slowSoFar >= args.maxSlow) t.stopped = `${slowSoFar} slow or hung inputs`;
      else if (work.inputs - doneInItem > 0) {
        rest.push({
          target: work.target,
          start: index + 1,
          inputs: work.inputs - doneInItem,
          slowSoFar,
        });
      }
      report.totals.set(work.target, t);
      if (rest.length === 0) {
        console.log(
          `  ${work.target.padEnd(16)} ${String(t.inputs).padStart(8)} inputs  (stopped: ${t.stopped ?? "done"})`,
        );
      }
      pending = { ...current, replay: [], items: [...rest, ...current.items.slice(item + 1)] };
    } else {
      const name = current.hostile[item]!;
      const c = HOSTILE_CASES.find((h) => h.name === name)!;
      const result: HostileResult = {
        name,
        target: c.target,
        ok: false,
        problems: [`${kind}: ${why}`],
        fed: 0,
        ms: 0,
      };
      report.hostile.push(result);
      printHostile(result, args.save);
      pending = { ...current, replay: [], items: [], hostile: current.hostile.slice(item + 1) };
    }
  }
}

function printReplay(r: Report["replays"][number]): void {
  const { meta, file } = r.regression;
  const state = r.ok
    ? meta.status === "open"
      ? "passes now (set its status to fixed)"
      : "passes"
    : meta.status === "open"
      ? `still fails (open): ${r.kind} ${r.message?.split("\n")[0]?.slice(0, 160) ?? ""}`
      : `REGRESSED: ${r.kind} ${r.message?.split("\n")[0]?.slice(0, 160) ?? ""}`;
  console.log(`  ${r.ok ? "✓" : "✗"} ${file}: ${state}`);
}

function printHostile(r: HostileResult, save: boolean): void {
  const mib = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MiB`;
  const parts = [`fed ${mib(r.fed)}`, `${Math.round(r.ms)} ms`];
  if (r.retained !== undefined) parts.push(`held ${mib(r.retained)}`);
  if (r.error !== undefined) parts.push(r.error.split(":")[0]!);
  if (r.steps !== undefined && r.steps.length > 0) {
    const [s, t] = r.steps[r.steps.length - 1]!;
    parts.push(`${mib(s)} parsed in ${Math.round(t)} ms`);
  }
  console.log(`  ${r.ok ? "✓" : "✗"} ${r.name.padEnd(38)} ${parts.join(", ")}`);
  for (const p of r.problems) console.log(`      ${p}`);
  if (!r.ok && save) {
    const kind = r.problems.some((p) => p.startsWith("held"))
      ? "memory"
      : r.problems.some((p) => /superlinear|hang/.test(p))
        ? "time"
        : "error";
    const saved = saveHostileRegression({
      hostile: r.name,
      target: r.target,
      kind,
      problems: r.problems,
    });
    if (saved.created) console.log(`      saved corpus/regressions/${saved.file}`);
  }
}

/** `--case FILE`: replays one saved case with timing. */
function replayFile(path: string): number {
  const input = decodeCase(new Uint8Array(readFileSync(resolve(path))));
  const base = path.split("/").pop()!;
  const fromName = base.replace(/-[0-9a-f]{16}\.bin$/, "");
  let targetName = fromName;
  try {
    const meta = JSON.parse(readFileSync(resolve(path.replace(/\.bin$/, ".json")), "utf8")) as {
      target: string;
    };
    targetName = meta.target;
  } catch {
    // No sidecar: the file name says the target.
  }
  const target = targetByName(targetName);
  console.log(`${target.name}: ${describeCase(input)}`);
  const t0 = performance.now();
  const outcome = runCase(target, input);
  const ms = performance.now() - t0;
  console.log(
    outcome.ok
      ? `passes (${ms.toFixed(1)} ms)`
      : `fails after ${ms.toFixed(1)} ms: ${outcome.kind}: ${outcome.message}\n${outcome.stack ?? ""}`,
  );
  return outcome.ok ? 0 : 1;
}

/** `--index N`: rebuilds one input of a seed and runs it. */
function reproduce(
  target: Target,
  seed: number,
  index: number,
  seeds: SeedCorpus,
  profile: SizeProfile,
  save: boolean,
): number {
  const input = makeInput(target, seed, index, seeds, profile);
  console.log(`${target.name} seed ${seed} input #${index}: ${describeCase(input)}`);
  const t0 = performance.now();
  const outcome = runCase(target, input);
  const ms = performance.now() - t0;
  console.log(
    outcome.ok
      ? `passes (${ms.toFixed(1)} ms)`
      : `fails after ${ms.toFixed(1)} ms: ${outcome.kind}: ${outcome.message}\n${outcome.stack ?? ""}`,
  );
  if (!outcome.ok && save) {
    const saved = saveRegression({
      target: target.name,
      kind: outcome.kind,
      message: outcome.message,
      input,
      seed,
      index,
    });
    console.log(`saved corpus/regressions/${saved.file}${saved.created ? "" : " (already there)"}`);
  }
  return outcome.ok ? 0 : 1;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), process.env);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.list) {
    console.log("Targets:");
    for (const t of TARGETS) console.log(`  ${t.name.padEnd(16)} ${t.description}`);
    console.log("Hostile cases:");
    for (const h of HOSTILE_CASES)
      console.log(`  ${h.name.padEnd(38)} [${h.target}] ${h.description}`);
    return 0;
  }
  if (args.caseFile !== undefined) return replayFile(args.caseFile);
  const targets = args.targets === undefined ? [...TARGETS] : args.targets.map(targetByName);
  const names = new Set(targets.map((t) => t.name));
  const seeds = loadSeeds();
  const profile = args.short ? SHORT_PROFILE : FULL_PROFILE;
  if (args.index !== undefined) {
    if (targets.length !== 1 || !args.seedGiven)
      throw new Error("--index needs --seed and exactly one --target");
    return reproduce(targets[0]!, args.seed, args.index, seeds, profile, args.save);
  }
  const saved = args.replay ? loadRegressions().filter((r) => names.has(r.meta.target)) : [];
  // An open case that hung costs the whole hang limit to confirm; its hand-cut smaller
  // relatives (kind "slow") show the state of the bug at a fraction of that.
  const hangs = args.replayHangs
    ? []
    : saved.filter((r) => r.meta.status === "open" && r.meta.kind === "hang");
  const replay = saved.filter((r) => !hangs.includes(r)).map((r) => r.file);
  const items: WorkItem[] = args.fuzz
    ? targets.map((t) => ({
        target: t.name,
        start: 0,
        inputs: args.inputs ?? defaultInputs(t),
        slowSoFar: 0,
      }))
    : [];
  const planned = items.reduce((sum, i) => sum + i.inputs, 0);
  const hostile = args.hostile
    ? HOSTILE_CASES.filter((h) => names.has(h.target)).map((h) => h.name)
    : [];
  console.log(
    `ftpkit fuzz: seed ${args.seed} (reproduce: --seed ${args.seed}), corpus ${seeds.fingerprint}, ${items.length} targets, ${planned} inputs${args.inputs === undefined ? "" : ` (${args.inputs} per target)`}, profile ${args.short ? "short" : "full"}, budget ${args.budgetMs} ms/input, hang ${args.hangMs} ms`,
  );
  const report: Report = {
    totals: new Map(),
    failures: [],
    duplicates: 0,
    replays: [],
    hostile: [],
  };
  const began = Date.now();
  if (replay.length > 0) {
    const skipped =
      hangs.length > 0 ? ` (not the ${hangs.length} open ones that hang: --replay-hangs)` : "";
    console.log(`\nReplaying ${replay.length} saved cases${skipped}:`);
  }
  const job: Job = {
    seed: args.seed,
    profile: args.short ? "short" : "full",
    items,
    hostile,
    replay,
    budgetMs: args.budgetMs,
    memoryLimit: args.memoryMb * 2 ** 20,
    maxFailures: args.maxFailures,
    maxSlow: args.maxSlow,
  };
  if (items.length > 0) console.log(replay.length > 0 ? "(then fuzzing)" : "\nFuzzing:");
  await runJob(args, seeds, profile, job, report);

  const seconds = (Date.now() - began) / 1000;
  let inputs = 0;
  let fuzzMs = 0;
  for (const t of report.totals.values()) {
    inputs += t.inputs;
    fuzzMs += t.ms;
  }
  const newFailures = report.failures.filter((f) => !f.known).length;
  const replayFailures = report.replays.filter((r) => !r.ok).length;
  const hostileFailures = report.hostile.filter((h) => !h.ok).length;
  console.log(
    `\nSummary: ${inputs} inputs over ${report.totals.size} targets in ${(fuzzMs / 1000).toFixed(1)} s of fuzzing (${formatRate(inputs, fuzzMs)} inputs/s), ${seconds.toFixed(0)} s in all; seed ${args.seed}`,
  );
  console.log(
    `  fuzz failures: ${report.failures.length} distinct (${newFailures} new)${report.duplicates > 0 ? `, found ${report.duplicates} more times` : ""}`,
  );
  console.log(`  saved cases replayed: ${report.replays.length}, failing: ${replayFailures}`);
  console.log(`  hostile cases: ${report.hostile.length}, failing: ${hostileFailures}`);
  return newFailures + replayFailures + hostileFailures + report.failures.length > 0 ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 2;
  },
);
