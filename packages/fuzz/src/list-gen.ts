/**
 * Generators of listing lines: Unix `ls -l` (every date shape, devices, symlinks), DOS/IIS,
 * EPLF and MLSx facts, with odd spacing and stray line terminators.
 *
 * @module
 */

import type { Prng } from "./prng.ts";

const MONTHS = [
  "Jan",
  "feb",
  "MAR",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
  "Foo",
  "Mai",
];

/** Whitespace between fields: usually a few spaces, sometimes tabs, sometimes a long run. */
export function gap(rng: Prng, maxRun: number): string {
  const r = rng.below(20);
  if (r === 0) return "\t";
  if (r === 1) return " ".repeat(1 + rng.length(maxRun - 1));
  if (r === 2) return rng.pick(["", "\u00a0", " \t "]);
  return " ".repeat(1 + rng.below(8));
}

function digits(rng: Prng, max: number): string {
  let s = "";
  const n = 1 + rng.length(max - 1);
  for (let i = 0; i < n; i++) s += String(rng.below(10));
  return s;
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

/** A file name: plain, with spaces, arrows, traversal, controls, Unicode. */
export function fileName(rng: Prng, maxRun: number): string {
  const names = [
    "hello.txt",
    "name with spaces.txt",
    " leading",
    "trailing ",
    "../x",
    "/etc/passwd",
    "C:\\x",
    "a/../../x",
    "nul\0byte",
    "cr\rinside",
    "line\u2028sep",
    "naïve",
    "日本",
    "link -> target",
    ".",
    "..",
    "-> x",
    "",
  ];
  let name = rng.pick(names);
  if (rng.chance(0.1)) name += "x".repeat(rng.length(maxRun));
  if (rng.chance(0.05)) name += "\r".repeat(1 + rng.length(maxRun - 1)) + "y";
  return name;
}

/** A Unix `ls -l` line, sometimes subtly wrong. */
export function unixLine(rng: Prng, maxRun: number): string {
  const type = rng.pick([..."-dlbcpsDnwP?x"]);
  let perms = "";
  for (let i = 0; i < 9; i++) perms += rng.pick([..."-rwxsStTlL?"]);
  const suffix = rng.pick(["", "", "", "+", "@", "."]);
  const fields: string[] = [type + perms + suffix];
  if (rng.chance(0.8)) fields.push(digits(rng, 3));
  if (rng.chance(0.9)) fields.push(rng.pick(["ftp", "1001", "user name", "root", "x"]));
  if (rng.chance(0.7)) fields.push(rng.pick(["ftp", "1001", "staff", "a b c"]));
  if (type === "b" || type === "c") {
    fields.push(
      rng.chance(0.5)
        ? `${digits(rng, 3)},${gap(rng, 4)}${digits(rng, 3)}`
        : `${digits(rng, 3)},${digits(rng, 3)}`,
    );
  } else {
    fields.push(rng.chance(0.95) ? digits(rng, rng.chance(0.1) ? 30 : 12) : "1,234");
  }
  const d = rng.below(5);
  const month = rng.pick(MONTHS);
  const day = String(rng.below(33));
  if (d === 0) fields.push(month, day, String(rng.between(1900, 2100)));
  else if (d === 1) fields.push(month, day, `${rng.below(25)}:${pad2(rng.below(61))}`);
  else if (d === 2) fields.push(day, month, `${pad2(rng.below(24))}:${pad2(rng.below(60))}`);
  else if (d === 3) {
    fields.push(
      `${rng.between(1969, 2100)}-${pad2(rng.below(14))}-${pad2(rng.below(33))}`,
      `${pad2(rng.below(25))}:${pad2(rng.below(61))}${rng.chance(0.5) ? `:${pad2(rng.below(61))}.${digits(rng, 12)}` : ""}`,
    );
    if (rng.chance(0.5))
      fields.push(`${rng.pick(["+", "-"])}${String(rng.below(10000)).padStart(4, "0")}`);
  } else
    fields.push(`${month}.`, day, `${rng.below(24)}:${pad2(rng.below(60))}:${pad2(rng.below(60))}`);
  let line = "";
  for (const f of fields) line += f + gap(rng, maxRun);
  return line + fileName(rng, maxRun);
}

/** A DOS/IIS line. */
export function dosLine(rng: Prng, maxRun: number): string {
  const date = `${pad2(rng.below(14))}-${pad2(rng.below(33))}-${rng.chance(0.5) ? pad2(rng.below(100)) : rng.between(1980, 2100)}`;
  const time = `${pad2(rng.below(14))}:${pad2(rng.below(61))}${rng.pick(["AM", "PM", "am", "", "XM"])}`;
  const size = rng.pick(["<DIR>", "<JUNCTION>", digits(rng, 12), "1,234,567", ",", "<dir>"]);
  return (
    date +
    gap(rng, maxRun) +
    time +
    gap(rng, maxRun) +
    size +
    gap(rng, maxRun) +
    fileName(rng, maxRun)
  );
}

/** An EPLF line. */
export function eplfLine(rng: Prng): string {
  const facts: string[] = [];
  const n = rng.length(6);
  for (let i = 0; i < n; i++) {
    facts.push(
      rng.pick([
        "/",
        "r",
        `s${digits(rng, 25)}`,
        `m${digits(rng, 16)}`,
        `i${digits(rng, 5)}.${digits(rng, 5)}`,
        `up${digits(rng, 7)}`,
        "s",
        "m-1",
        "",
        "x?",
      ]),
    );
  }
  return `+${facts.join(",")}${rng.chance(0.9) ? "," : ""}${rng.chance(0.9) ? "\t" : " "}${rng.pick(["name", "", "a\tb", "日本"])}`;
}

/** An MLSx line: facts, a space, a name. */
export function mlsxLine(rng: Prng, maxRun: number): string {
  const facts: string[] = [];
  const n = rng.length(8);
  for (let i = 0; i < n; i++) {
    const k = rng.below(12);
    facts.push(
      k === 0
        ? `type=${rng.pick(["file", "dir", "cdir", "pdir", "OS.unix=slink:/t", "OS.unix=blkdev", "os.UNIX=fifo", "OS.x=", "weird"])}`
        : k === 1
          ? `size=${digits(rng, 25)}`
          : k === 2
            ? `modify=${digits(rng, 14)}${rng.chance(0.3) ? `.${digits(rng, 6)}` : ""}`
            : k === 3
              ? `perm=${rng.pick(["adfrw", "el", ""])}`
              : k === 4
                ? `UNIX.mode=${rng.pick(["0644", "755", "99999999", "7777777", "-1"])}`
                : k === 5
                  ? `unique=${digits(rng, 8)}U${digits(rng, 4)}`
                  : k === 6
                    ? `UNIX.owner=${rng.pick(["ftp", "1001", ""])}`
                    : k === 7
                      ? `UNIX.slink=${rng.pick(["/etc/x", ""])}`
                      : k === 8
                        ? "="
                        : k === 9
                          ? "novalue"
                          : k === 10
                            ? `Sizd=${digits(rng, 5)}`
                            : `x.${"f".repeat(rng.length(20))}=${"v".repeat(rng.length(20))}`,
    );
  }
  const lead = rng.chance(0.2) ? " " : "";
  return `${lead}${facts.join(";")}${rng.chance(0.9) ? ";" : ""}${rng.chance(0.9) ? " " : ""}${fileName(rng, maxRun)}`;
}
