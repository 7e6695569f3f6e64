/**
 * `pnpm demo`: starts @ftpkit/server on loopback with a generated in-memory folder,
 * retrieves every file in each transfer mode over one session, and prints files/s,
 * MB/s and the data connections each mode used, checking every file's SHA-256.
 * Exits with 1 if any file did not arrive intact. No outside server needed.
 *
 * Env: DEMO_FILES (default 500), DEMO_MODES (default "auto,S,B,C,Z,E").
 *
 * @module
 */

import { createHash } from "node:crypto";
import { setMaxListeners } from "node:events";
import { connect, FtpError, type ModeChoice } from "@ftpkit/client";
import { createServer, memoryStorage } from "@ftpkit/server";
import { nodeSockets } from "@ftpkit/socket-node";
import { generateFolder } from "./generated-folder.ts";

const count = Number(process.env.DEMO_FILES ?? 500);
const modes = (process.env.DEMO_MODES ?? "auto,S,B,C,Z,E").split(",") as ModeChoice[];

/** True when the server refused the MODE command itself (504 "MODE E not supported"). */
function modeRefused(error: unknown): boolean {
  return FtpError.isInstance(error) && /^MODE\b/i.test(error.command ?? "");
}

const files = generateFolder(count);
const expected = new Map(files.map((f) => [f.path, f.sha256]));
const totalBytes = files.reduce((n, f) => n + f.data.length, 0);
const sockets = nodeSockets();

await using server = createServer({
  sockets,
  storage: memoryStorage(Object.fromEntries(files.map((f) => [f.path, f.data]))),
  users: { demo: "demo" },
});
const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
const url = `ftp://demo:demo@127.0.0.1:${port}/`;
console.log(
  `@ftpkit/server at ${url}: ${files.length} files, ${(totalBytes / 1e6).toFixed(1)} MB (sizes 0 B to ${(
    Math.max(...files.map((f) => f.data.length)) / 1024 / 1024
  ).toFixed(1)} MiB, half text, half random)\n`,
);

await using session = await connect(url, { sockets });
const paths = files.map((f) => f.path);

interface Row {
  asked: string;
  used: string;
  files: number;
  seconds: number;
  bytes: number;
  dataConnections: number;
  bad: string[];
  skipped?: string;
}
const rows: Row[] = [];

for (const mode of modes) {
  const before = server.log.stats().dataConnections;
  const used = new Set<string>();
  const bad: string[] = [];
  let received = 0;
  let bytes = 0;
  let refused: string | undefined;
  const started = performance.now();
  // A stalled transfer ends the demo with an error instead of hanging it.
  const signal = AbortSignal.timeout(120_000);
  // Each RETR written ahead on a persistent connection listens to the signal until it
  // ends (up to ~17 at once in B), more than Node's default warning threshold of 10.
  setMaxListeners(64, signal);
  try {
    for await (const file of session.retrieve(paths, { mode, signal })) {
      if (!file.ok) {
        if (received === 0 && modeRefused(file.error)) {
          refused = file.error?.message;
          break;
        }
        bad.push(`${file.path}: ${file.error?.message}`);
        continue;
      }
      const hash = createHash("sha256");
      for await (const chunk of file.body) {
        hash.update(chunk);
        bytes += chunk.length;
      }
      const digest = hash.digest("hex");
      if (digest !== expected.get(file.path))
        bad.push(`${file.path}: sha256 ${digest} != ${expected.get(file.path)}`);
      used.add(file.mode);
      received++;
    }
  } catch (error) {
    if (received === 0 && modeRefused(error)) refused = (error as Error).message;
    else bad.push(`retrieve failed: ${(error as Error).message}`);
  }
  const seconds = (performance.now() - started) / 1000;
  if (refused !== undefined) {
    rows.push({
      asked: mode,
      used: "-",
      files: 0,
      seconds,
      bytes: 0,
      dataConnections: 0,
      bad: [],
      skipped: refused,
    });
    continue;
  }
  if (bad.length === 0 && received !== files.length)
    bad.push(`${received} of ${files.length} files arrived`);
  rows.push({
    asked: mode,
    used: [...used].join("+") || "-",
    files: received,
    seconds,
    bytes,
    dataConnections: server.log.stats().dataConnections - before,
    bad,
  });
}

const header = ["mode", "used", "files", "s", "files/s", "MB/s", "data conns", "intact"];
const table = rows.map((r) =>
  r.skipped !== undefined
    ? [r.asked, "-", "-", "-", "-", "-", "-", `skipped: ${r.skipped}`]
    : [
        r.asked,
        r.used,
        String(r.files),
        r.seconds.toFixed(2),
        (r.files / r.seconds).toFixed(0),
        (r.bytes / 1e6 / r.seconds).toFixed(1),
        String(r.dataConnections),
        r.bad.length === 0 ? `yes (${r.files} sha256 match)` : `NO: ${r.bad.length} bad`,
      ],
);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
const line = (cells: string[]): string =>
  cells
    .map((c, i) =>
      i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!),
    )
    .join("  ")
    .trimEnd();
console.log(line(header));
console.log(line(widths.map((w) => "-".repeat(w))));
for (const row of table) console.log(line(row));

const failures = rows.flatMap((r) => r.bad.map((b) => `${r.asked}: ${b}`));
for (const f of failures.slice(0, 20)) console.error(`  ${f}`);
console.log(
  failures.length === 0
    ? `\nevery file arrived intact in every mode (${session.stats.roundTrips} round trips, ${session.stats.commands} commands on the control connection)`
    : `\n${failures.length} file(s) did not arrive intact`,
);
process.exitCode = failures.length === 0 ? 0 : 1;
