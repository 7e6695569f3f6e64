/**
 * What a transfer shows while it runs: on a terminal, a progress bar redrawn in place
 * (with each finished file printed above it); otherwise one plain line per file.
 *
 * @module
 */

import type { ModeChoice, RetrievedFile, RetrieveProgress, Session } from "@ftpkit/client";
import { formatBytes, formatDuration, formatRate } from "./format.ts";
import type { CliStream } from "./io.ts";

/** Totals known before a transfer starts. */
export interface ProgressTotals {
  files: number;
  /** Sum of the sizes, when every size is known. */
  bytes: number | undefined;
}

/** The totals of files with these sizes (`undefined`: not known). */
export function totalsOf(sizes: readonly (number | undefined)[]): ProgressTotals {
  let bytes: number | undefined = 0;
  for (const size of sizes)
    bytes = size === undefined || bytes === undefined ? undefined : bytes + size;
  return { files: sizes.length, bytes };
}

/** `retrieve()` as `get` and `mirror` run it: their mode and lanes, progress, Ctrl-C. */
export function retrieveReporting(
  session: Session,
  paths: string[],
  command: { mode: ModeChoice; concurrency: number },
  progress: ProgressReporter,
  signal: AbortSignal | undefined,
): AsyncGenerator<RetrievedFile, void, undefined> {
  return session.retrieve(paths, {
    mode: command.mode,
    concurrency: command.concurrency,
    onProgress: (p) => progress.update(p),
    ...(signal === undefined ? {} : { signal }),
  });
}

/** Receives a transfer's events and shows them. */
export interface ProgressReporter {
  /** For `onProgress` of `retrieve()`. */
  update(progress: RetrieveProgress): void;
  fileDone(path: string, bytes: number, savedAs?: string): void;
  fileFailed(path: string, message: string): void;
  /** Prints the closing summary line. */
  finish(note?: string): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Where the bar is drawn (when it is a terminal). */
  bar: CliStream;
  /** Where per-file and summary lines go. */
  lines: CliStream;
  /** Where failures go. */
  errors: CliStream;
  quiet: boolean;
  totals: ProgressTotals;
  /** Milliseconds between redraws; default 80. */
  redrawMs?: number;
}

const BAR_WIDTH = 24;

/** A reporter for a terminal (bar) or a pipe (lines), as `options.bar.isTTY` says. */
export function createProgress(options: ProgressOptions): ProgressReporter {
  const { totals, quiet } = options;
  const tty = options.bar.isTTY === true && !quiet;
  const redrawMs = options.redrawMs ?? 80;
  const started = Date.now();
  let latest: RetrieveProgress | undefined;
  let filesDone = 0;
  let failed = 0;
  let bytesDone = 0;
  let lastDraw = 0;
  let drawn = false;

  const clear = (): void => {
    if (drawn) options.bar.write("\r\u001b[2K");
    drawn = false;
  };

  const draw = (force: boolean): void => {
    if (!tty) return;
    const now = Date.now();
    if (!force && now - lastDraw < redrawMs) return;
    lastDraw = now;
    const received = Math.max(bytesDone, latest?.totalBytes ?? 0);
    let fraction: number;
    if (totals.bytes !== undefined && totals.bytes > 0) fraction = received / totals.bytes;
    else {
      const current = latest?.size ? Math.min(1, latest.bytes / latest.size) : 0;
      fraction = totals.files === 0 ? 1 : (filesDone + failed + current) / totals.files;
    }
    fraction = Math.max(0, Math.min(1, fraction));
    const filled = Math.round(fraction * BAR_WIDTH);
    const name = latest?.path ?? "";
    let line =
      `[${"#".repeat(filled)}${".".repeat(BAR_WIDTH - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}%  ` +
      `${filesDone}/${totals.files} files  ${formatBytes(received)}  ${formatRate(received, now - started)}  ${name}`;
    const columns = options.bar.columns ?? 80;
    if (line.length > columns - 1) line = line.slice(0, Math.max(0, columns - 1));
    options.bar.write(`\r\u001b[2K${line}`);
    drawn = true;
  };

  return {
    update(progress: RetrieveProgress): void {
      latest = progress;
      draw(false);
    },
    fileDone(path: string, bytes: number, savedAs?: string): void {
      filesDone++;
      bytesDone += bytes;
      if (!quiet) {
        clear();
        options.lines.write(`${savedAs ?? path}  ${formatBytes(bytes)}\n`);
      }
      draw(true);
    },
    fileFailed(path: string, message: string): void {
      failed++;
      clear();
      options.errors.write(`ftpkit: ${path}: ${message}\n`);
      draw(true);
    },
    finish(note?: string): void {
      clear();
      if (quiet && failed === 0) return;
      const ms = Date.now() - started;
      let line = `${filesDone} file${filesDone === 1 ? "" : "s"}, ${formatBytes(bytesDone)} in ${formatDuration(ms)} (${formatRate(bytesDone, ms)})`;
      if (failed > 0) line += `, ${failed} failed`;
      if (note !== undefined) line += `, ${note}`;
      (quiet ? options.errors : options.lines).write(`${line}\n`);
    },
  };
}
