/**
 * What LIST, NLST, MLSD and MLST send: Unix `ls -l` lines that real clients parse, and
 * RFC 3659 facts. The lines are written by `@ftpkit/reply`; this module says what a
 * storage entry shows in them.
 *
 * @module
 */

import {
  type EntryFields,
  formatFtpTime,
  formatListLine as formatListEntry,
  formatMlsxLine as formatMlsxEntry,
} from "@ftpkit/reply";
import type { StorageEntry } from "./storage/types.ts";

/** The MLSx facts this server knows, in FEAT order (RFC 3659 §7.8). */
export const MLST_FACTS: readonly string[] = ["type", "size", "modify", "perm", "unix.mode"];

/** MDTM and MLSx give times to the second. */
function wholeSeconds(date: Date): Date {
  return new Date(date.getTime() - date.getUTCMilliseconds());
}

/** `YYYYMMDDHHMMSS` in UTC, the time-val of MDTM and MLSx (RFC 3659 §2.3). */
export function formatTimeVal(date: Date): string {
  return formatFtpTime(wholeSeconds(date));
}

/**
 * One `ls -l` line (without line end), times in UTC.
 *
 * @example
 * ```ts
 * formatListLine({ name: "a.txt", kind: "file", size: 6, modified, mode: 0o644 }, now);
 * // "-rw-r--r-- 1 ftp ftp        6 Jan  2  2020 a.txt"
 * ```
 */
export function formatListLine(entry: StorageEntry, now: Date): string {
  const directory = entry.kind === "directory";
  const fields: EntryFields = {
    name: entry.name,
    kind: entry.kind,
    // As `ls -l` shows a directory: one block, and links from its parent and from ".".
    size: directory ? 4096 : entry.size,
    links: directory ? 2 : 1,
    modifiedAt: entry.modified,
    mode: entry.mode,
    target: entry.target,
  };
  return formatListEntry(fields, { now });
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
  const directory = entry.kind === "directory";
  const fields: EntryFields = {
    name,
    kind: entry.kind,
    size: directory ? undefined : entry.size,
    modifiedAt: wholeSeconds(entry.modified),
    // RFC 3659 §7.5.5: a/d/f/r/w for files, c/d/e/f/l/m/p for directories.
    perm: directory ? (readOnly ? "el" : "cdeflmp") : readOnly ? "r" : "adfrw",
    mode: entry.mode,
    target: entry.target,
  };
  return formatMlsxEntry(fields, { facts });
}
