/**
 * `pnpm bench`: @ftpkit/client against vsftpd and @ftpkit/server, at RTT 0 and through
 * the latency proxy, beside curl, basic-ftp and a raw `node:net` download, all in the
 * same run. Prints each run as it ends, then tables, ratios and the goals.
 *
 * @module
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTempRoot, seedRoot, seriesPath } from "@ftpkit/interop";
import { type BenchConfig, readConfig } from "./config.ts";
import { curlAvailable, runCurl, withoutStalls } from "./curl.ts";
import { type LatencyProxy, portRange, startLatencyProxy } from "./latency-proxy.ts";
import type { Measurement, Workload } from "./measurement.ts";
import { printReport } from "./report.ts";
import {
  type RunnerName,
  type RunnerRequest,
  type RunnerResult,
  runRunner,
} from "./runner-protocol.ts";
import { type BenchServer, startFtpkitServer, startVsftpd } from "./servers.ts";

/** The proxy listens on another loopback address with the server's port numbers. */
const PROXY_HOST = "127.0.0.2";

interface ClientPlan {
  label: string;
  concurrency: number;
  /** `onWarmedUp`: the runner finished its warm-up rounds, the measured round starts. */
  run: (url: string, paths: string[], onWarmedUp: () => void) => Promise<RunnerResult>;
  /** Only where the server speaks MODE B and C. */
  persistentOnly?: boolean;
  /** Fetches the smaller baseline set at the added RTT. */
  baseline?: boolean;
}

function runner(name: RunnerName, extra: Partial<RunnerRequest> = {}) {
  return (url: string, paths: string[], onWarmedUp: () => void): Promise<RunnerResult> =>
    runRunner(name, { url, paths, ...extra }, onWarmedUp);
}

function plans(
  config: BenchConfig,
  scratch: string,
  haveCurl: boolean,
  workload: Workload,
): ClientPlan[] {
  const list: ClientPlan[] = [];
  // Steady rates are timed from a quarter of the bytes on (start-up and JIT warm-up left
  // out). The small files over one persistent connection are timed in a round after
  // warm-up rounds in the same session instead: 1000 files are too few for V8 to settle
  // in, and their 16 MB fit in the sockets' buffers (see README).
  const total = workload === "big" ? config.bigSize : config.files * config.fileSize;
  const steady = { steadyFromBytes: total / 4 };
  const warmed =
    workload === "small"
      ? { warmupRounds: config.warmupRounds, measuredRounds: config.measuredRounds }
      : steady;
  if (workload === "big")
    list.push({ label: "raw node:net", concurrency: 1, run: runner("raw", steady) });
  if (haveCurl) {
    list.push({
      label: "curl",
      concurrency: 1,
      baseline: true,
      run: (url, paths) => runCurl(url, paths, join(scratch, "curl.conf")),
    });
  }
  list.push({
    label: "basic-ftp",
    concurrency: 1,
    baseline: true,
    run: runner("basic-ftp", steady),
  });
  list.push({
    label: "ftpkit auto ×1",
    concurrency: 1,
    run: runner("ftpkit", { mode: "auto", ...steady }),
  });
  list.push({
    label: "ftpkit S ×1",
    concurrency: 1,
    run: runner("ftpkit", { mode: "S", ...steady }),
    persistentOnly: true,
  });
  if (workload === "small") {
    const c = config.concurrency;
    list.push({
      label: `ftpkit auto ×${c}`,
      concurrency: c,
      run: runner("ftpkit", { mode: "auto", concurrency: c }),
    });
  }
  list.push({
    label: "ftpkit B ×1",
    concurrency: 1,
    persistentOnly: true,
    run: runner("ftpkit", { mode: "B", ...warmed }),
  });
  list.push({
    label: "ftpkit C ×1",
    concurrency: 1,
    persistentOnly: true,
    run: runner("ftpkit", { mode: "C", ...warmed }),
  });
  return list;
}

interface RunContext {
  config: BenchConfig;
  server: BenchServer;
  proxy: LatencyProxy | undefined;
  url: string;
  smallPaths: string[];
  bigPaths: string[];
  rttMs: number;
}

/** One client run: measured, checked (byte count) and printed; undefined when it failed. */
async function runOnce(
  c: RunContext,
  plan: ClientPlan,
  workload: Workload,
): Promise<Measurement | undefined> {
  const { config, server, proxy, rttMs } = c;
  let paths = workload === "big" ? c.bigPaths : c.smallPaths;
  if (workload === "small" && rttMs > 0 && plan.baseline === true) {
    paths = paths.slice(0, config.baselineFilesAtRtt);
  } else if (workload === "small" && rttMs === 0 && plan.label === "curl") {
    paths = paths.slice(0, config.curlFilesAtZero);
  }
  proxy?.reset();
  let serverCpuBefore = server.cpuMs();
  const what = `${server.name} rtt=${rttMs} ${workload} ${plan.label}`;
  try {
    const result = await plan.run(c.url, paths, () => {
      // Counted from the measured round on.
      proxy?.reset();
      serverCpuBefore = server.cpuMs();
    });
    const stats = proxy?.stats();
    const serverCpuAfter = server.cpuMs();
    const expected = paths.length * (workload === "big" ? config.bigSize : config.fileSize);
    if (Number.isFinite(result.bytes) && result.bytes !== expected) {
      throw new Error(`received ${result.bytes} bytes, expected ${expected}`);
    }
    const seconds = result.totalMs / 1000;
    const stalls =
      plan.label === "curl" && workload === "small" ? withoutStalls(result)?.stalls : undefined;
    console.log(
      `  ${what}: ${result.files} files in ${seconds.toFixed(2)} s ` +
        `(${(result.files / seconds).toFixed(1)} files/s, ${(expected / 1e6 / seconds).toFixed(1)} MB/s)` +
        (stalls === undefined ? "" : `; ${stalls} one-second stall(s)`),
    );
    return {
      server: server.name,
      rttMs,
      effectiveRttMs: stats === undefined ? 0 : stats.meanDelayMs * 2,
      workload,
      client: plan.label,
      concurrency: plan.concurrency,
      result,
      proxy: stats,
      serverCpuMs:
        serverCpuBefore === undefined || serverCpuAfter === undefined
          ? undefined
          : serverCpuAfter - serverCpuBefore,
    };
  } catch (error) {
    console.log(`  ${what}: FAILED: ${(error as Error).message}`);
    return undefined;
  }
}

function urlOf(server: BenchServer, host: string): string {
  return `ftp://${encodeURIComponent(server.user)}:${encodeURIComponent(server.password)}@${host}:${server.port}/`;
}

async function main(): Promise<number> {
  const config = readConfig();
  const started = performance.now();
  const mib = (n: number): string => `${(n / 1024 / 1024).toFixed(0)} MiB`;
  console.log(
    `ftpkit bench${config.quick ? " (BENCH_QUICK)" : ""}: ${config.files} × ${config.fileSize / 1024} KiB files ` +
      `and one ${mib(config.bigSize)} file; RTT 0 and ${config.rttMs} ms (latency proxy on ${PROXY_HOST}); ` +
      `servers ${config.servers.join(", ")}; curl and basic-ftp fetch ${config.baselineFilesAtRtt} of the small files at ${config.rttMs} ms, ` +
      `curl ${config.curlFilesAtZero} at RTT 0`,
  );
  const haveCurl = await curlAvailable();
  if (!haveCurl) console.log("[skip] curl: no curl binary on PATH");

  await using root = await createTempRoot();
  const smallSeries = { count: config.files, size: config.fileSize, prefix: "file-" };
  const bigSeries = { count: 1, size: config.bigSize, prefix: "big-" };
  const seedStart = performance.now();
  await seedRoot(root.path, { series: [smallSeries, bigSeries] });
  console.log(`seeded ${root.path} in ${((performance.now() - seedStart) / 1000).toFixed(1)} s`);
  const smallPaths = Array.from({ length: config.files }, (_, i) => seriesPath(smallSeries, i));
  const bigPaths = [seriesPath(bigSeries, 0)];
  const scratch = await mkdtemp(join(tmpdir(), "ftpkit-bench-"));

  const measurements: Measurement[] = [];
  let failures = 0;
  try {
    for (const [index, name] of config.servers.entries()) {
      const portBase = config.portBase + index * 50;
      let server: BenchServer;
      try {
        server =
          name === "vsftpd"
            ? await startVsftpd(root.path, portBase)
            : await startFtpkitServer(root.path, portBase);
      } catch (error) {
        console.log(`[skip] ${name}: ${(error as Error).message.split("\n")[0]}`);
        continue;
      }
      try {
        for (const rttMs of [0, config.rttMs]) {
          let proxy: LatencyProxy | undefined;
          if (rttMs > 0) {
            proxy = await startLatencyProxy({
              listenHost: PROXY_HOST,
              targetHost: server.host,
              controlPort: server.port,
              dataPorts: portRange(server.passivePorts.from, server.passivePorts.to),
              rttMs,
            });
          }
          try {
            const url = urlOf(server, proxy === undefined ? server.host : PROXY_HOST);
            const context: RunContext = { config, server, proxy, url, smallPaths, bigPaths, rttMs };
            for (const plan of plans(config, scratch, haveCurl, "small")) {
              if (plan.persistentOnly === true && !server.persistentModes) continue;
              const m = await runOnce(context, plan, "small");
              if (m === undefined) {
                failures++;
                continue;
              }
              measurements.push(m);
              const best = plan.label === "curl" ? withoutStalls(m.result) : undefined;
              if (best !== undefined) measurements.push({ ...m, client: "curl*", result: best });
            }
            // The big file: every client in turn, BENCH_BIG_REPEATS rounds, the fastest
            // transfer of each kept (a shared machine's load comes and goes).
            const bestBig = new Map<string, Measurement>();
            const bigPlans = plans(config, scratch, haveCurl, "big").filter(
              (plan) => plan.persistentOnly !== true || server.persistentModes,
            );
            for (let round = 0; round < config.bigRepeats; round++) {
              for (const plan of bigPlans) {
                const m = await runOnce(context, plan, "big");
                if (m === undefined) {
                  failures++;
                  continue;
                }
                const kept = bestBig.get(plan.label);
                if (kept === undefined || m.result.transferMs < kept.result.transferMs)
                  bestBig.set(plan.label, m);
              }
            }
            measurements.push(...bestBig.values());
          } finally {
            await proxy?.close();
          }
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  printReport(config, measurements);
  console.log(
    `\nbench took ${((performance.now() - started) / 1000).toFixed(0)} s${failures ? `, ${failures} run(s) failed` : ""}`,
  );
  return failures === 0 ? 0 : 1;
}

// Ctrl-C (or a closed pipe) still stops the servers: exit runs the harness's exit hooks.
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.once(signal, () => process.exit(130));
}
process.stdout.on("error", () => process.exit(1));
process.exitCode = await main();
