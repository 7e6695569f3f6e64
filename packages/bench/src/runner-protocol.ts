/**
 * How the bench runs a client in a process of its own (so that the client's CPU, memory
 * and event loop are its own, apart from the proxy's and the server's): the request
 * goes in as a JSON argument, the result comes out as the last JSON line on stdout.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
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
  /**
   * Start the steady-state clock once this many bytes have arrived (the big file: a
   * quarter of it), so that start-up and JIT warm-up are left out of `steadyMBps`.
   */
  steadyFromBytes?: number;
  /**
   * ftpkit only: retrieve the list this many times over the same session before the
   * measured round, so that the measured round runs JIT-compiled code (V8 needs a few
   * thousand files to settle; see the README). Not counted in any figure.
   */
  warmupRounds?: number;
  /**
   * ftpkit only: measured rounds after the warm-up ones (default 1). With several, the
   * result is the round of median time: `transferMs` and `firstByteMs` are that round's,
   * the CPU and the client's counters are per round, `roundsMs` lists every round.
   */
  measuredRounds?: number;
}

/** The line a runner prints once its warm-up rounds are done. */
export const WARMED_UP_LINE = "warmed-up";

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
  /** CPU (user + system) the runner used during the transfer, ms. */
  cpuMs?: number;
  /** MB/s (10^6 bytes) after `steadyFromBytes` had arrived. */
  steadyMBps?: number;
  /** From the first file asked for to the first byte of data (of the measured round). */
  firstByteMs?: number;
  /** ftpkit: the client's own counters. */
  roundTrips?: number;
  dataConnections?: number;
  commands?: number;
  modeUsed?: string;
  /** With `measuredRounds`: the time of each measured round, in the order they ran. */
  roundsMs?: number[];
  /** curl: each file's own time (`%{time_total}`). */
  fileMs?: number[];
  /** curl: files that took a second or more longer than the median (see curl.ts). */
  stalls?: number;
}

/** The runners this package has, by name. */
export type RunnerName = "ftpkit" | "basic-ftp" | "raw";

/**
 * A script of the bench's build (`tsup`: dist/, see tsup.config.ts), as plain JavaScript
 * the way npm users run the packages.
 */
export function builtScript(name: string): string {
  const file = fileURLToPath(new URL(`../dist/${name}.js`, import.meta.url));
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: run the bench with "pnpm bench" (it builds first)`);
  }
  return file;
}

/**
 * Runs a runner in a child Node process, from the bench's build, and returns its result.
 * `onWarmedUp` is called when the runner says its warm-up rounds are done.
 */
export function runRunner(
  name: RunnerName,
  request: RunnerRequest,
  onWarmedUp?: () => void,
): Promise<RunnerResult> {
  const file = builtScript(`${name}-runner`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [file, JSON.stringify(request)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      const before = out.length;
      out += d;
      if (onWarmedUp !== undefined) {
        const at = out.indexOf(`${WARMED_UP_LINE}\n`, Math.max(0, before - WARMED_UP_LINE.length));
        if (at >= 0) {
          const warmed = onWarmedUp;
          onWarmedUp = undefined;
          warmed();
        }
      }
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

/** Counts bytes and times the part after `fromBytes` (see `RunnerRequest.steadyFromBytes`). */
export class SteadyClock {
  readonly #from: number | undefined;
  #bytes = 0;
  #startBytes = 0;
  #startMs = 0;
  /** When the first byte arrived (0: none yet). */
  firstByteAt = 0;

  constructor(fromBytes: number | undefined) {
    this.#from = fromBytes;
  }

  add(bytes: number): void {
    if (this.firstByteAt === 0) this.firstByteAt = performance.now();
    this.#bytes += bytes;
    if (this.#from !== undefined && this.#startMs === 0 && this.#bytes >= this.#from) {
      this.#startMs = performance.now();
      this.#startBytes = this.#bytes;
    }
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** MB/s since the clock started; undefined when it never did. */
  rate(): number | undefined {
    if (this.#startMs === 0) return undefined;
    const ms = performance.now() - this.#startMs;
    return ms <= 0 ? undefined : (this.#bytes - this.#startBytes) / 1e6 / (ms / 1000);
  }
}

/**
 * Times what every runner reports: connect and login, the transfer (with its CPU and
 * steady rate), and the close; then prints the result line.
 */
export class RunTimer {
  /** Counts the bytes received; runners feed it. */
  readonly clock: SteadyClock;
  readonly #baseRssKiB = rssKiB();
  #started = performance.now();
  #connected = this.#started;
  #cpuStart = process.cpuUsage();
  #transferred = this.#started;
  #cpuMs = 0;
  #steadyMBps: number | undefined;
  #firstByteMs: number | undefined;
  /** The measured rounds, when there are several (see {@link roundDone}). */
  readonly #rounds: {
    ms: number;
    firstByteMs: number | undefined;
    end: number;
    bytes: number;
  }[] = [];
  #transferMs: number | undefined;

  constructor(steadyFromBytes: number | undefined) {
    this.clock = new SteadyClock(steadyFromBytes);
  }

  /** Logged in: the transfer and its CPU count start now. */
  connected(): void {
    this.#connected = performance.now();
    this.#cpuStart = process.cpuUsage();
  }

  /**
   * The warm-up rounds (see `RunnerRequest.warmupRounds`) are done: the transfer and its
   * CPU count start again now, and the time they took is left out of the total. Tells
   * the parent (`runRunner`'s `onWarmedUp`).
   */
  warmedUp(): void {
    const now = performance.now();
    this.#started += now - this.#connected;
    this.#connected = now;
    this.#cpuStart = process.cpuUsage();
    process.stdout.write(`${WARMED_UP_LINE}\n`);
  }

  /**
   * One of several measured rounds is done (`RunnerRequest.measuredRounds`); `clock`
   * counted its bytes. The next round is timed from now.
   */
  roundDone(clock: SteadyClock): void {
    const now = performance.now();
    const start = this.#rounds.at(-1)?.end ?? this.#connected;
    const firstByteMs = clock.firstByteAt > 0 ? clock.firstByteAt - start : undefined;
    this.#rounds.push({ ms: now - start, firstByteMs, end: now, bytes: clock.bytes });
  }

  /** The last byte of the last file arrived. */
  transferred(): void {
    this.#transferred = performance.now();
    this.#cpuMs = cpuMsSince(this.#cpuStart);
    this.#steadyMBps = this.clock.rate();
    if (this.clock.firstByteAt > 0) this.#firstByteMs = this.clock.firstByteAt - this.#connected;
    if (this.#rounds.length > 0) {
      const median = [...this.#rounds].sort((a, b) => a.ms - b.ms)[this.#rounds.length >> 1]!;
      this.#transferMs = median.ms;
      this.#firstByteMs = median.firstByteMs;
      this.#cpuMs /= this.#rounds.length;
    }
  }

  /** The session is closed: prints the result with `files` and the runner's own fields. */
  closed(files: number, extra: Partial<RunnerResult> = {}): void {
    printResult({
      totalMs: performance.now() - this.#started,
      connectMs: this.#connected - this.#started,
      transferMs: this.#transferMs ?? this.#transferred - this.#connected,
      ...(this.#rounds.length > 0 ? { roundsMs: this.#rounds.map((r) => r.ms) } : {}),
      files,
      // Several rounds: the bytes of one (the last).
      bytes: this.#rounds.at(-1)?.bytes ?? this.clock.bytes,
      maxRssKiB: maxRssKiB(),
      baseRssKiB: this.#baseRssKiB,
      cpuMs: this.#cpuMs,
      ...(this.#steadyMBps === undefined ? {} : { steadyMBps: this.#steadyMBps }),
      ...(this.#firstByteMs === undefined ? {} : { firstByteMs: this.#firstByteMs }),
      ...extra,
    });
  }
}

/** The process's resident set size now, KiB. */
export function rssKiB(): number {
  return Math.round(process.memoryUsage.rss() / 1024);
}

/** CPU (user + system) used since `since`, ms. */
export function cpuMsSince(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** The process's peak resident set size so far, KiB. */
export function maxRssKiB(): number {
  return process.resourceUsage().maxRSS;
}
