/**
 * What LIST, NLST, MLSD and MLST send: Unix `ls -l` lines that real clients parse, and
 * RFC 3659 facts.
 *
 * @module
 */

import type { StorageEntry } from "./storage/types.ts";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
// `ls -l` shows the time of day for entries modified within the last six months.
const SIX_MONTHS_MS = 182 * 24 * 3600 * 1000;

function permissionString(entry: StorageEntry): string {
  const type = entry.kind === "directory" ? "d" : entry.kind === "symlink" ? "l" : "-";
  let bits = "";
  for (let shift = 6; shift >= 0; shift -= 3) {
    const b = (entry.mode >> shift) & 7;
    bits += (b & 4 ? "r" : "-") + (b & 2 ? "w" : "-") + (b & 1 ? "x" : "-");
  }
  return type + bits;
}

function listDate(modified: Date, now: Date): string {
  const month = MONTHS[modified.getUTCMonth()];
  const day = String(modified.getUTCDate()).padStart(2, " ");
  const age = now.getTime() - modified.getTime();
  if (age >= 0 && age < SIX_MONTHS_MS) {
    const hh = String(modified.getUTCHours()).padStart(2, "0");
    const mm = String(modified.getUTCMinutes()).padStart(2, "0");
    return `${month} ${day} ${hh}:${mm}`;
  }
  return `${month} ${day}  ${modified.getUTCFullYear()}`;
}

/**
 * One `ls -l` line (without line end), times in UTC.
 *
 * @example
 * ```ts
 * formatListLine({ name: "a.txt", kind: "file", size: 6, modified, mode: 0o644 }, now);
 * // "-rw-r--r--    1 ftp      ftp             6 Jan  2  2020 a.txt"
 * ```
 */
export function formatListLine(entry: StorageEntry, now: Date): string {
  const links = entry.kind === "directory" ? 2 : 1;
  const size = entry.kind === "directory" ? 4096 : entry.size;
  const name = entry.target !== undefined ? `${entry.name} -> ${entry.target}` : entry.name;
  return `${permissionString(entry)} ${String(links).padStart(4)} ftp      ftp      ${String(size).padStart(12)} ${listDate(entry.modified, now)} ${name}`;
}

/** The MLSx facts this server knows, in FEAT order (RFC 3659 §7.8). */
export const MLST_FACTS: readonly string[] = ["type", "size", "modify", "perm", "unix.mode"];

/** `YYYYMMDDHHMMSS` in UTC, the time-val of MDTM and MLSx (RFC 3659 §2.3). */
export function formatTimeVal(date: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  return (
    p(date.getUTCFullYear(), 4) +
    p(date.getUTCMonth() + 1) +
    p(date.getUTCDate()) +
    p(date.getUTCHours()) +
    p(date.getUTCMinutes()) +
    p(date.getUTCSeconds())
  );
}

/** Parses an MDTM/MFMT time-val (`YYYYMMDDHHMMSS[.sss]`, UTC); undefined when malformed. */
export function parseTimeVal(text: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{1,3}))?$/.exec(text);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac] = m;
  const ms = frac === undefined ? 0 : Number(frac.padEnd(3, "0"));
  const date = new Date(
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms),
  );
  return Number.isNaN(date.getTime()) || date.getUTCMonth() !== Number(mo) - 1 ? undefined : date;
}

/**
 * The facts of one entry followed by a space and `name` (RFC 3659 §7.2), for the facts
 * selected with `OPTS MLST`.
 *
 * @example
 * ```ts
 * formatMlsxLine(entry, ["type", "size", "modify"], "a.txt", false);
 * // "type=file;size=6;modify=20200102030405; a.txt"
 * ```
 */
export function formatMlsxLine(
  entry: StorageEntry,
  facts: readonly string[],
  name: string,
  readOnly: boolean,
): string {
  let out = "";
  for (const fact of facts) {
    switch (fact) {
      case "type":
        out += `type=${entry.kind === "directory" ? "dir" : entry.kind === "symlink" ? "OS.unix=symlink" : "file"};`;
        break;
      case "size":
        if (entry.kind !== "directory") out += `size=${entry.size};`;
        break;
      case "modify":
        out += `modify=${formatTimeVal(entry.modified)};`;
        break;
      case "perm":
        // RFC 3659 §7.5.5: a/d/f/r/w for files, c/d/e/f/l/m/p for directories.
        out += `perm=${entry.kind === "directory" ? (readOnly ? "el" : "cdeflmp") : readOnly ? "r" : "adfrw"};`;
        break;
      case "unix.mode":
        out += `unix.mode=0${(entry.mode & 0o7777).toString(8)};`;
        break;
    }
  }
  return `${out} ${name}`;
}
