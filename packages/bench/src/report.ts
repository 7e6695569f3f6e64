/**
 * The bench's report: one table per server and RTT for each workload, the ratios, and
 * the goals with PASS / MISS against the figures of this run.
 *
 * @module
 */

import type { BenchConfig } from "./config.ts";
import {
  filesPerSecond,
  type Measurement,
  megabytesPerSecond,
  roundTripsPerFile,
  transferMegabytesPerSecond,
  type Workload,
} from "./measurement.ts";
import { num, table } from "./table.ts";

const HOW_COUNTED = `How round trips are counted:
  rt/file     from time: (time per file at the added RTT - time per file at RTT 0) x lanes / RTT,
              with RTT the delay the proxy really added (its timers fire a little late).
              Everything a file waits for counts: replies, data-connection set-up, 226.
  turns/file  from the proxy: times a client wrote on a control connection after a reply
              had reached it since its previous write (pipelined commands in one burst: one).
  own rt/file ftpkit's own counter (session.stats.roundTrips: writes made with no reply
              outstanding), for comparison.
  curl*       the same curl run with each file that took >= 0.9 s longer than the median file
              cut back to the median: curl 7.88 now and then sits out its 1-second poll timeout
              before connecting a data connection. Ratios ("x curl", goals) are against curl*.
  cli CPU     the client process's CPU (user + system) during its transfer, % of one core;
  srv CPU     the server's CPU during the run (vsftpd: with its per-session processes), % of one core.
              Near 100%: that side is the bottleneck; both low: waiting (latency, or each other).
  steady      the rate after the first quarter of the bytes arrived (start-up and JIT warm-up left
              out); the big-file goal compares steady rates. The MODE B/C goal times whole
              rounds of small files that follow warm-up rounds in the same session: the
              round of median time of the measured ones.
  MB = 10^6 bytes. "xfer MB/s" leaves out connect and login (curl: whole run).`;

function find(
  all: readonly Measurement[],
  server: string,
  rttMs: number,
  workload: Workload,
  client: string,
): Measurement | undefined {
  return all.find(
    (m) =>
      m.server === server && m.rttMs === rttMs && m.workload === workload && m.client === client,
  );
}

/** Client CPU over its transfer time, server CPU over the whole run, as percentages of one core. */
function cpuCells(m: Measurement): string[] {
  const cli =
    m.result.cpuMs === undefined ? "-" : `${num((m.result.cpuMs / m.result.transferMs) * 100, 0)}%`;
  const srv =
    m.serverCpuMs === undefined ? "-" : `${num((m.serverCpuMs / m.result.totalMs) * 100, 0)}%`;
  return [cli, srv];
}

function smallTable(
  config: BenchConfig,
  all: readonly Measurement[],
  server: string,
  rttMs: number,
): string {
  const rows = all.filter(
    (m) => m.server === server && m.rttMs === rttMs && m.workload === "small",
  );
  const curl =
    find(all, server, rttMs, "small", "curl*") ?? find(all, server, rttMs, "small", "curl");
  return table(
    [
      "client",
      "files",
      "s",
      "files/s",
      "MB/s",
      "x curl",
      "rt/file",
      "turns/file",
      "data conns",
      "own rt/file",
      "cli CPU",
      "srv CPU",
    ],
    rows.map((m) => {
      const zero = find(all, server, 0, "small", m.client);
      const bytes = m.result.files * config.fileSize;
      return [
        m.client,
        String(m.result.files),
        num(m.result.totalMs / 1000, 2),
        num(filesPerSecond(m), 1),
        num(megabytesPerSecond(m, bytes), 1),
        curl === undefined ? "-" : num(filesPerSecond(m) / filesPerSecond(curl), 2),
        rttMs === 0 ? "-" : num(roundTripsPerFile(m, zero), 2),
        m.proxy === undefined ? "-" : num(m.proxy.controlTurns / m.result.files, 2),
        m.proxy === undefined
          ? m.result.dataConnections === undefined
            ? "-"
            : String(m.result.dataConnections)
          : String(m.proxy.dataConnections),
        m.result.roundTrips === undefined ? "-" : num(m.result.roundTrips / m.result.files, 2),
        ...cpuCells(m),
      ];
    }),
  );
}

function bigTable(
  config: BenchConfig,
  all: readonly Measurement[],
  server: string,
  rttMs: number,
): string {
  const rows = all.filter((m) => m.server === server && m.rttMs === rttMs && m.workload === "big");
  const raw = find(all, server, rttMs, "big", "raw node:net");
  const rawRate = raw === undefined ? Number.NaN : transferMegabytesPerSecond(raw, config.bigSize);
  return table(
    [
      "client",
      "s",
      "MB/s",
      "xfer MB/s",
      "x raw",
      "steady MB/s",
      "x raw",
      "peak RSS MiB",
      "RSS growth MiB",
      "cli CPU",
      "srv CPU",
    ],
    rows.map((m) => {
      const rate = transferMegabytesPerSecond(m, config.bigSize);
      return [
        m.client,
        num(m.result.totalMs / 1000, 2),
        num(megabytesPerSecond(m, config.bigSize), 0),
        num(rate, 0),
        num(rate / rawRate, 2),
        num(m.result.steadyMBps ?? Number.NaN, 0),
        num((m.result.steadyMBps ?? Number.NaN) / (raw?.result.steadyMBps ?? Number.NaN), 2),
        num(m.result.maxRssKiB / 1024, 0),
        num((m.result.maxRssKiB - m.result.baseRssKiB) / 1024, 0),
        ...cpuCells(m),
      ];
    }),
  );
}

interface Goal {
  text: string;
  value: number;
  /** Met when `value` compares to `target` as `op` says. */
  op: "<=" | ">=";
  target: number;
  detail: string;
}

/** " (the median of N rounds: min-max ms)", or nothing for one round. */
function roundsText(roundsMs: readonly number[] | undefined): string {
  if (roundsMs === undefined || roundsMs.length < 2) return "";
  return ` (the median of ${roundsMs.length} rounds: ${num(Math.min(...roundsMs), 1)}-${num(Math.max(...roundsMs), 1)} ms)`;
}

function goals(config: BenchConfig, all: readonly Measurement[]): Goal[] {
  const out: Goal[] = [];
  const r = config.rttMs;
  const c = config.concurrency;
  const one = find(all, "vsftpd", r, "small", "ftpkit auto ×1");
  const many = find(all, "vsftpd", r, "small", `ftpkit auto ×${c}`);
  const curl = find(all, "vsftpd", r, "small", "curl*") ?? find(all, "vsftpd", r, "small", "curl");
  if (one !== undefined) {
    const rt = roundTripsPerFile(one, find(all, "vsftpd", 0, "small", "ftpkit auto ×1"));
    out.push({
      text: `vsftpd @ ${r} ms: round trips per file, one connection`,
      value: rt,
      op: "<=",
      target: 3.1,
      detail: `${num(rt, 2)} rt/file`,
    });
    if (curl !== undefined) {
      const curlRt = roundTripsPerFile(curl, find(all, "vsftpd", 0, "small", curl.client));
      const ratio = filesPerSecond(one) / filesPerSecond(curl);
      out.push({
        text: `vsftpd @ ${r} ms: files/s vs curl, one connection`,
        value: ratio,
        op: ">=",
        target: 1.3,
        detail: `${num(filesPerSecond(one))} vs ${num(filesPerSecond(curl))} files/s; curl ${num(curlRt, 2)} rt/file`,
      });
    }
  }
  if (many !== undefined && curl !== undefined) {
    const ratio = filesPerSecond(many) / filesPerSecond(curl);
    out.push({
      text: `vsftpd @ ${r} ms: files/s vs curl, ${c} connections`,
      value: ratio,
      op: ">=",
      target: 8,
      detail: `${num(filesPerSecond(many))} vs ${num(filesPerSecond(curl))} files/s`,
    });
  }
  for (const rtt of [0, r]) {
    const raw = find(all, "ftpkit", rtt, "big", "raw node:net");
    if (raw === undefined) continue;
    // The bandwidth: the raw download's steady rate (its start-up left out). The small
    // files: the round timed after the warm-up rounds, less one round trip (the request
    // of the first file has to cross the link; that is latency, not bandwidth); every
    // other wait counts. Not their rate after a quarter: 16 MB fit in the sockets'
    // buffers, and a client held up early drains them at memory speed.
    const rawMBps = raw.result.steadyMBps ?? config.bigSize / 1e6 / (raw.result.transferMs / 1000);
    for (const mode of ["B", "C"]) {
      const m = find(all, "ftpkit", rtt, "small", `ftpkit ${mode} ×1`);
      if (m === undefined) continue;
      const idealMs = ((m.result.files * config.fileSize) / 1e6 / rawMBps) * 1000;
      const first = m.result.firstByteMs ?? Number.NaN;
      const flowMs = m.result.transferMs - m.effectiveRttMs;
      out.push({
        text: `@ftpkit/server @ ${rtt} ms: MODE ${mode}, one data connection, time vs bytes/bandwidth (warm)`,
        value: flowMs / idealMs,
        op: "<=",
        target: 2,
        detail: `${num(m.result.transferMs, 1)} ms for the ${m.result.files} files after ${config.warmupRounds} warm-up rounds${roundsText(m.result.roundsMs)}, less the ${num(m.effectiveRttMs, 1)} ms round trip = ${num(flowMs, 1)} ms (first byte after ${num(first, 1)} ms) vs ${num(idealMs, 1)} ms at the raw steady rate ${num(rawMBps, 0)} MB/s; ${m.result.dataConnections ?? "?"} data connection(s)`,
      });
    }
  }
  for (const m of all.filter((x) => x.workload === "big" && x.client === "ftpkit auto ×1")) {
    const raw = find(all, m.server, m.rttMs, "big", "raw node:net");
    if (raw === undefined) continue;
    const steady = m.result.steadyMBps ?? Number.NaN;
    const rawSteady = raw.result.steadyMBps ?? Number.NaN;
    out.push({
      text: `${m.server} @ ${m.rttMs} ms: big file vs the raw node:net rate (steady)`,
      value: steady / rawSteady,
      op: ">=",
      target: 0.9,
      detail: `${num(steady, 0)} vs ${num(rawSteady, 0)} MB/s after the first quarter; whole transfer ${num(transferMegabytesPerSecond(m, config.bigSize), 0)} vs ${num(transferMegabytesPerSecond(raw, config.bigSize), 0)} MB/s (${m.result.modeUsed ?? "?"})`,
    });
    // Memory: what the process grew by for the big file, against the runtime's own
    // growth for the same download (raw node:net), whatever the file size.
    const growth = (m.result.maxRssKiB - m.result.baseRssKiB) / 1024;
    const rawGrowth = (raw.result.maxRssKiB - raw.result.baseRssKiB) / 1024;
    out.push({
      text: `${m.server} @ ${m.rttMs} ms: memory flat (RSS growth over raw node:net's, MiB)`,
      value: growth - rawGrowth,
      op: "<=",
      target: 32,
      detail: `grew ${num(growth, 0)} MiB (raw: ${num(rawGrowth, 0)} MiB) for a ${num(config.bigSize / 1024 / 1024, 0)} MiB file; peak ${num(m.result.maxRssKiB / 1024, 0)} MiB`,
    });
  }
  return out;
}

/** Prints the tables, the ratios and the goals. */
export function printReport(config: BenchConfig, all: readonly Measurement[]): void {
  const servers = [...new Set(all.map((m) => m.server))];
  for (const server of servers) {
    for (const rttMs of [0, config.rttMs]) {
      const any = all.find((m) => m.server === server && m.rttMs === rttMs);
      if (any === undefined) continue;
      const eff = any.rttMs === 0 ? "" : ` (measured ${num(any.effectiveRttMs, 2)} ms)`;
      console.log(`\n== ${server}, RTT ${rttMs} ms${eff}: ${config.fileSize / 1024} KiB files`);
      console.log(smallTable(config, all, server, rttMs));
      console.log(`\n== ${server}, RTT ${rttMs} ms: one ${config.bigSize / 1024 / 1024} MiB file`);
      console.log(bigTable(config, all, server, rttMs));
    }
  }
  console.log(`\n${HOW_COUNTED}`);
  const list = goals(config, all);
  if (list.length > 0) {
    console.log("\n== goals");
    console.log(
      table(
        ["goal", "target", "measured", "", "figures"],
        list.map((g) => {
          const met =
            Number.isFinite(g.value) && (g.op === "<=" ? g.value <= g.target : g.value >= g.target);
          return [g.text, `${g.op} ${g.target}`, num(g.value, 2), met ? "PASS" : "MISS", g.detail];
        }),
      ),
    );
  }
}
