/**
 * Micro-benchmarks of @ftpkit/reply, each beside a baseline measured in the same run:
 * a plain TextDecoder + split of the same bytes (the least any line parser must do).
 *
 *   pnpm --filter @ftpkit/reply bench
 */

import { CommandParser, parseListing, ReplyParser } from "../src/index.ts";

const encoder = new TextEncoder();
const CHUNK = 64 * 1024;

/** Best time of `runs` runs, in ms. */
function best(runs: number, fn: () => number): { ms: number; count: number } {
  let ms = Number.POSITIVE_INFINITY;
  let count = 0;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    count = fn();
    ms = Math.min(ms, performance.now() - t);
  }
  return { ms, count };
}

function chunks(bytes: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) out.push(bytes.subarray(i, i + size));
  return out;
}

function baselineLines(parts: Uint8Array[]): number {
  const decoder = new TextDecoder();
  let lines = 0;
  let rest = "";
  for (const p of parts) {
    const text = rest + decoder.decode(p, { stream: true });
    const split = text.split("\n");
    rest = split.pop() ?? "";
    lines += split.length;
  }
  return lines;
}

function row(
  label: string,
  unit: string,
  r: { ms: number; count: number },
  base: { ms: number; count: number },
): void {
  const rate = (r.count / r.ms) * 1000;
  const ratio = base.ms / r.ms;
  console.log(
    `${label.padEnd(44)} ${(rate / 1e6).toFixed(2).padStart(6)} M ${unit}/s  ${r.ms.toFixed(1).padStart(7)} ms   baseline ${base.ms.toFixed(1).padStart(6)} ms   ${(ratio * 100).toFixed(0).padStart(4)}% of baseline speed`,
  );
}

// 1. Replies: a realistic mix of single-line and multi-line replies.
const mix = [
  "200 NOOP ok.\r\n",
  "213 16777216\r\n",
  "227 Entering Passive Mode (127,0,0,1,82,241).\r\n",
  "150 Opening BINARY mode data connection for big.bin (16777216 bytes)\r\n",
  "226 Transfer complete\r\n",
  '257 "/home/anna/naïve dir" is the current directory\r\n',
  "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n MLST type*;size*;modify*;\r\n REST STREAM\r\n SIZE\r\n UTF8\r\n211 End\r\n",
  "550-GlobusError: v=1 c=PATH_NOT_FOUND\r\n550-GridFTP-Errno: 2\r\n550-GridFTP-Reason: System error in stat\r\n550 End.\r\n",
];
const REPLIES = 200_000;
const replyText = Array.from({ length: REPLIES }, (_, i) => mix[i % mix.length]).join("");
const replyBytes = encoder.encode(replyText);
const replyChunks = chunks(replyBytes, CHUNK);
const smallChunks = chunks(replyBytes, 512);
const lineCount = replyText.split("\n").length - 1;

console.log(`@ftpkit/reply bench (${process.version}), best of 5 runs`);
console.log(`replies: ${REPLIES} (${lineCount} lines, ${(replyBytes.length / 1e6).toFixed(1)} MB)`);
const baseReplies = best(5, () => baselineLines(replyChunks));
const replies64k = best(5, () => {
  const p = new ReplyParser();
  let n = 0;
  for (const c of replyChunks) n += p.push(c).length;
  return n;
});
if (replies64k.count !== REPLIES)
  throw new Error(`parsed ${replies64k.count} replies, expected ${REPLIES}`);
row("ReplyParser, 64 KiB chunks", "replies", replies64k, baseReplies);
const replies512 = best(5, () => {
  const p = new ReplyParser();
  let n = 0;
  for (const c of smallChunks) n += p.push(c).length;
  return n;
});
row(
  "ReplyParser, 512 B chunks",
  "replies",
  replies512,
  best(5, () => baselineLines(smallChunks)),
);
const oneByOne = encoder.encode(mix.join("").repeat(500));
const oneByOneChunks = chunks(oneByOne, 1);
row(
  "ReplyParser, 1 B chunks",
  "replies",
  best(3, () => {
    const p = new ReplyParser();
    let n = 0;
    for (const c of oneByOneChunks) n += p.push(c).length;
    return n;
  }),
  best(3, () => baselineLines(oneByOneChunks)),
);

// 2. Commands, server side.
const commandText = Array.from({ length: REPLIES }, (_, i) =>
  i % 4 === 0
    ? "RETR dir/file-000123.bin\r\n"
    : i % 4 === 1
      ? "EPSV\r\n"
      : i % 4 === 2
        ? "TYPE I\r\n"
        : "SIZE naïve.txt\r\n",
).join("");
const commandChunks = chunks(encoder.encode(commandText), CHUNK);
row(
  "CommandParser, 64 KiB chunks",
  "commands",
  best(5, () => {
    const p = new CommandParser();
    let n = 0;
    for (const c of commandChunks) n += p.push(c).length;
    return n;
  }),
  best(5, () => baselineLines(commandChunks)),
);

// 3. Listings: 100,000 lines.
const LINES = 100_000;
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const listText = Array.from({ length: LINES }, (_, i) => {
  const kind = i % 10 === 0 ? "d" : i % 25 === 0 ? "l" : "-";
  const name = i % 7 === 0 ? `name with spaces ${i}.txt` : `file-${i}.bin`;
  const date =
    i % 2 === 0
      ? `${months[i % 12]} ${String((i % 28) + 1).padStart(2)}  2019`
      : `${months[i % 12]} ${String((i % 28) + 1).padStart(2)} 12:34`;
  const link = kind === "l" ? " -> target" : "";
  return `${kind}rw-r--r--   1 ftpuser  ftpuser  ${String(i * 37).padStart(9)} ${date} ${name}${link}\r\n`;
}).join("");
const listBytes = encoder.encode(listText);
const now = new Date("2026-12-01T00:00:00Z");
console.log(`listing: ${LINES} lines, ${(listBytes.length / 1e6).toFixed(1)} MB`);
const baseList = best(5, () => new TextDecoder().decode(listBytes).split("\n").length - 1);
const list = best(5, () => parseListing(listBytes, { now }).length);
if (list.count !== LINES) throw new Error(`parsed ${list.count} entries, expected ${LINES}`);
row("parseListing LIST (Unix ls -l), bytes", "lines", list, baseList);
row(
  "parseListing LIST, string",
  "lines",
  best(5, () => parseListing(listText, { now }).length),
  baseList,
);

const mlsdText = Array.from(
  { length: LINES },
  (_, i) =>
    `type=${i % 10 === 0 ? "dir" : "file"};size=${i * 37};modify=20261201073302;perm=adfrw;unique=fe00g${i.toString(16)};UNIX.mode=0644;UNIX.uid=1001;UNIX.gid=1001; file-${i}.bin\r\n`,
).join("");
const mlsdBytes = encoder.encode(mlsdText);
const baseMlsd = best(5, () => new TextDecoder().decode(mlsdBytes).split("\n").length - 1);
row(
  "parseListing MLSD, bytes",
  "lines",
  best(5, () => parseListing(mlsdBytes, { format: "mlsd" }).length),
  baseMlsd,
);
