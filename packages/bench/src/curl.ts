/**
 * curl as a baseline: one curl process with every URL on its command line (through a
 * config file), which reuses the control connection from one file to the next.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import type { RunnerResult } from "./runner-protocol.ts";

/** True when a `curl` binary runs. */
export function curlAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn("curl", ["--version"], { stdio: "ignore" });
    child.on("error", () => resolve(false));
    child.on("close", (code) => resolve(code === 0));
  });
}

/**
 * Downloads `paths` from `baseUrl` with one curl process, to /dev/null. The whole run
 * is timed from outside (`totalMs`, curl's start-up included); curl reports each
 * file's own time (`%{time_total}`), returned as `fileMs`.
 */
export async function runCurl(
  baseUrl: string,
  paths: string[],
  configPath: string,
): Promise<RunnerResult> {
  const lines: string[] = [];
  for (const path of paths) lines.push(`url = "${baseUrl}${path}"`, 'output = "/dev/null"');
  await writeFile(configPath, `${lines.join("\n")}\n`);
  const started = performance.now();
  let out = "";
  await new Promise<void>((resolve, reject) => {
    const child = spawn(
      "curl",
      [
        "--silent",
        "--show-error",
        "--fail",
        "--write-out",
        "%{time_total}\\n",
        "--config",
        configPath,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    let err = "";
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new Error(`curl exited with ${code}: ${err.trim().slice(-1000)}`));
    });
  });
  const totalMs = performance.now() - started;
  const fileMs = out
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => Number(line) * 1000);
  return {
    fileMs,
    totalMs,
    connectMs: 0,
    transferMs: totalMs,
    files: paths.length,
    bytes: Number.NaN,
    maxRssKiB: Number.NaN,
    baseRssKiB: Number.NaN,
  };
}

/**
 * curl 7.88 now and then waits for its 1-second poll timeout before it connects a
 * passive data connection (the connect is ready, curl does not notice). The same run
 * with each such file cut back to the median file time: the baseline at its best,
 * so that ratios against it are not flattered by curl's stalls.
 */
export function withoutStalls(result: RunnerResult): RunnerResult | undefined {
  const times = result.fileMs;
  if (times === undefined || times.length === 0) return undefined;
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  let excess = 0;
  let stalls = 0;
  for (const t of times) {
    if (t - median >= 900) {
      excess += t - median;
      stalls++;
    }
  }
  return {
    ...result,
    totalMs: result.totalMs - excess,
    transferMs: result.transferMs - excess,
    stalls,
  };
}
