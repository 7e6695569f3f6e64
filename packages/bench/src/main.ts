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
import { curlAvailable, runCurl } from "./curl.ts";
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
  run: (url: string, paths: string[]) => Promise<RunnerResult>;
  /** Only where the server speaks MODE B and C. */
  persistentOnly?: boolean;
  /** Fetches the smaller baseline set at the added RTT. */
  baseline?: boolean;
}

function runner(name: RunnerName, extra: Partial<RunnerRequest> = {}) {
  return (url: string, paths: string[]): Promise<RunnerResult> =>
    runRunner(name, { url, paths, ...extra });
}

function plans(
  config: BenchConfig,
  scratch: string,
  haveCurl: boolean,
  workload: Workload,
): ClientPlan[] {
  const list: ClientPlan[] = [];
  if (workload === "big") list.push({ label: "raw node:net", concurrency: 1, run: runner("raw") });
  if (haveCurl) {
    list.push({
      label: "curl",
      concurrency: 1,
      baseline: true,
      run: (url, paths) => runCurl(url, paths, join(scratch, "curl.conf")),
    });
  }
  list.push({ label: "basic-ftp", concurrency: 1, baseline: true, run: runner("basic-ftp") });
  list.push({ label: "ftpkit auto ×1", concurrency: 1, run: runner("ftpkit", { mode: "auto" }) });
  list.push({
    label: "ftpkit S ×1",
    concurrency: 1,
    run: runner("ftpkit", { mode: "S" }),
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
    run: runner("ftpkit", { mode: "B" }),
  });
  list.push({
    label: "ftpkit C ×1",
    concurrency: 1,
    persistentOnly: true,
    run: runner("ftpkit", { mode: "C" }),
  });
  return list;
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
      `servers ${config.servers.join(", ")}; curl and basic-ftp fetch ${config.baselineFilesAtRtt} of the small files at ${config.rttMs} ms`,
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
            for (const workload of ["small", "big"] as const) {
              for (const plan of plans(config, scratch, haveCurl, workload)) {
                if (plan.persistentOnly === true && !server.persistentModes) continue;
                let paths = workload === "big" ? bigPaths : smallPaths;
                if (workload === "small" && rttMs > 0 && plan.baseline === true) {
                  paths = paths.slice(0, config.baselineFilesAtRtt);
                }
                proxy?.reset();
                const what = `${server.name} rtt=${rttMs} ${workload} ${plan.label}`;
                try {
                  const result = await plan.run(url, paths);
                  const stats = proxy?.stats();
                  const m: Measurement = {
                    server: server.name,
                    rttMs,
                    effectiveRttMs: stats === undefined ? 0 : stats.meanDelayMs * 2,
                    workload,
                    client: plan.label,
                    concurrency: plan.concurrency,
                    result,
                    proxy: stats,
                  };
                  const expected =
                    paths.length * (workload === "big" ? config.bigSize : config.fileSize);
                  if (Number.isFinite(result.bytes) && result.bytes !== expected) {
                    throw new Error(`received ${result.bytes} bytes, expected ${expected}`);
                  }
                  measurements.push(m);
                  const seconds = result.totalMs / 1000;
                  console.log(
                    `  ${what}: ${result.files} files in ${seconds.toFixed(2)} s ` +
                      `(${(result.files / seconds).toFixed(1)} files/s, ${(expected / 1e6 / seconds).toFixed(1)} MB/s)`,
                  );
                } catch (error) {
                  failures++;
                  console.log(`  ${what}: FAILED: ${(error as Error).message}`);
                }
              }
            }
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
