/**
 * The bench's sizes, read from the environment so that the same run scales from a
 * 30-second check (`BENCH_QUICK=1`) to the full one.
 *
 * @module
 */

/** What one bench run measures. */
export interface BenchConfig {
  /** Small files in the many-files workload. */
  files: number;
  /** Size of each small file, bytes. */
  fileSize: number;
  /** The big file, bytes. */
  bigSize: number;
  /** The added round-trip time, ms (the runs at 0 go straight to the server). */
  rttMs: number;
  /**
   * How many of the small files curl and basic-ftp fetch at the added RTT: they spend
   * 4 to 6 round trips per file, so 1000 files would take most of the time budget;
   * their per-file figures do not depend on the count.
   */
  baselineFilesAtRtt: number;
  /**
   * How many of the small files curl fetches at RTT 0: there curl 7.88 sits out its
   * 1-second poll timeout before one data connection in ten or so (see curl.ts), so
   * 1000 files would take minutes; the stall-cut figure does not depend on the count.
   */
  curlFilesAtZero: number;
  /** Rounds of the big-file runs; the fastest of each client is kept. */
  bigRepeats: number;
  /** Lanes of the concurrent ftpkit run. */
  concurrency: number;
  /**
   * Rounds of the small files ftpkit retrieves in MODE B and C before the measured one,
   * in the same session (`RunnerRequest.warmupRounds`).
   */
  warmupRounds: number;
  /** Rounds measured after them; the round of median time is the figure (`RunnerRequest.measuredRounds`). */
  measuredRounds: number;
  /** Which servers: "vsftpd", "ftpkit". */
  servers: string[];
  /** First port of the bench's block (vsftpd uses base…base+49, @ftpkit/server base+50…+99). */
  portBase: number;
  quick: boolean;
}

function intFrom(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0)
    throw new Error(`${name} must be a whole number, got "${text}"`);
  return n;
}

/** Reads `BENCH_*` from the environment (see the README for the list). */
export function readConfig(): BenchConfig {
  const quick = process.env.BENCH_QUICK === "1";
  const files = intFrom("BENCH_FILES", quick ? 150 : 1000);
  return {
    files,
    fileSize: intFrom("BENCH_FILE_KIB", 16) * 1024,
    bigSize: intFrom("BENCH_BIG_MIB", quick ? 64 : 512) * 1024 * 1024,
    rttMs: intFrom("BENCH_RTT_MS", 10),
    baselineFilesAtRtt: Math.min(files, intFrom("BENCH_BASELINE_FILES", quick ? 60 : 250)),
    curlFilesAtZero: Math.min(files, intFrom("BENCH_CURL_FILES_AT_ZERO", quick ? 40 : 100)),
    bigRepeats: Math.max(1, intFrom("BENCH_BIG_REPEATS", quick ? 1 : 3)),
    concurrency: intFrom("BENCH_CONCURRENCY", 8),
    warmupRounds: intFrom("BENCH_WARMUP_ROUNDS", 16),
    measuredRounds: Math.max(1, intFrom("BENCH_MEASURED_ROUNDS", 5)),
    servers: (process.env.BENCH_SERVERS ?? "vsftpd,ftpkit").split(",").filter(Boolean),
    portBase: intFrom("BENCH_PORT_BASE", 22000),
    quick,
  };
}
