/**
 * How the bench runs a client in a process of its own (so that the client's CPU, memory
 * and event loop are its own, apart from the proxy's and the server's): the request
 * goes in as a JSON argument, the result comes out as the last JSON line on stdout.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** What a runner is asked to do. */
export interface RunnerRequest {
  /** `ftp://user:password@host:port/` */
  url: string;
  paths: string[];
  /** ftpkit only: the transfer mode ("auto", "S", "B", "C", "Z"). */
  mode?: string;
  /** ftpkit only: lanes. */
  concurrency?: number;
}

/** What a runner measured. Times in milliseconds, memory in KiB. */
export interface RunnerResult {
  /** From before connecting to after the session closed. */
  totalMs: number;
  /** Connect and login. */
  connectMs: number;
  /** From the first file asked for to the last byte of the last file. */
  transferMs: number;
  files: number;
  bytes: number;
  /** Peak resident set size of the runner process. */
  maxRssKiB: number;
  /** Resident set size after start-up, before connecting. */
  baseRssKiB: number;
  /** ftpkit: the client's own counters. */
  roundTrips?: number;
  dataConnections?: number;
  commands?: number;
  modeUsed?: string;
}

/** The runners this package has, by name. */
export type RunnerName = "ftpkit" | "basic-ftp" | "raw";

const RUNNER_FILES: Record<RunnerName, string> = {
  ftpkit: "./runners/ftpkit-runner.ts",
  "basic-ftp": "./runners/basic-ftp-runner.ts",
  raw: "./runners/raw-runner.ts",
};

/**
 * Runs a runner in a child Node process (with the loader this process was started
 * with, so TypeScript runs unbuilt) and returns its result.
 */
export function runRunner(name: RunnerName, request: RunnerRequest): Promise<RunnerResult> {
  const file = fileURLToPath(new URL(RUNNER_FILES[name], import.meta.url));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, file, JSON.stringify(request)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      out += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !last.startsWith("{")) {
        reject(
          new Error(`${name} runner failed (exit ${code}): ${(err || out).trim().slice(-2000)}`),
        );
        return;
      }
      resolve(JSON.parse(last) as RunnerResult);
    });
  });
}

/** Parses the request a runner was started with. */
export function requestFromArgv(): RunnerRequest {
  const text = process.argv[2];
  if (text === undefined) throw new Error("runner: missing the JSON request argument");
  return JSON.parse(text) as RunnerRequest;
}

/** Prints a runner's result as the JSON line the parent reads. */
export function printResult(result: RunnerResult): void {
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The process's resident set size now, KiB. */
export function rssKiB(): number {
  return Math.round(process.memoryUsage.rss() / 1024);
}

/** The process's peak resident set size so far, KiB. */
export function maxRssKiB(): number {
  return process.resourceUsage().maxRSS;
}
