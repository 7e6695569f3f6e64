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
 * Downloads `paths` from `baseUrl` with one curl process, to /dev/null. Only the whole
 * run is timed (`connectMs` is 0, `transferMs` the total), including curl's start-up.
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
  await new Promise<void>((resolve, reject) => {
    const child = spawn("curl", ["--silent", "--show-error", "--fail", "--config", configPath], {
      stdio: ["ignore", "ignore", "pipe"],
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
  return {
    totalMs,
    connectMs: 0,
    transferMs: totalMs,
    files: paths.length,
    bytes: Number.NaN,
    maxRssKiB: Number.NaN,
    baseRssKiB: Number.NaN,
  };
}
