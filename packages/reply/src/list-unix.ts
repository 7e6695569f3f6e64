/**
 * Unix `ls -l` lines, as most servers send for LIST.
 *
 * Listings can have hundreds of thousands of lines, so this works on character codes
 * and word offsets and slices out only the strings an entry keeps.
 *
 * @module
 */

import type { FileEntry, FileKind } from "./file-entry.ts";
import { daysInMonth, utcMs } from "./ftp-time.ts";
import { modeFromPermissions } from "./unix-mode.ts";

/** Month index by the lowercased three letters packed into one number. */
const MONTHS = new Map<number, number>(
  ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"].map(
    (m, i) => [(m.charCodeAt(0) << 16) | (m.charCodeAt(1) << 8) | m.charCodeAt(2), i],
  ),
);

const KINDS: Record<string, FileKind> = {
  "-": "file",
  d: "directory",
  l: "symlink",
  b: "block-device",
  c: "character-device",
  p: "fifo",
  s: "socket",
};

/** Type letter, nine permission letters, an optional ACL/xattr/SELinux marker. */
const MODE = /^[-dlbcpsDnwP?][-rwxsStTlL?]{9}[.+@]?$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;
const ZONE = /^[+-]\d{4}$/;
/** Most words looked at before the name: mode, links, owner, group, size (2), date (3-4). */
const MAX_WORDS = 16;
const DAY_MS = 86_400_000;

// Word offsets of the line being parsed (parsing is synchronous, so one set suffices).
const starts = new Int32Array(MAX_WORDS);
const ends = new Int32Array(MAX_WORDS);
/** Output of {@link dateAt}: the time in ms and the index of the date's last word. */
let dateMs = 0;
let dateLast = 0;

/**
 * Parses an `ls -l` line, or returns `undefined` when the line is not one.
 *
 * @param now the time listings are read at, to infer the year of `Mon DD HH:MM` dates
 */
export function parseUnixLine(line: string, now: Date): FileEntry | undefined {
  const count = words(line);
  if (count < 5) return undefined;
  const modeLength = ends[0]! - starts[0]!;
  if (modeLength !== 10 && modeLength !== 11) return undefined;
  const modeWord = line.slice(starts[0]!, ends[0]!);
  if (!MODE.test(modeWord)) return undefined;
  const nowMs = now.getTime();

  // The date is the first place where "<size> <date>" fits; owner/group come before it.
  for (let m = 2; m + 2 < count; m++) {
    if (!dateAt(line, m, count, nowMs)) continue;
    // Any number of digits is a size; one beyond 2^53 is left out (as parseSizeReply
    // refuses it), the entry stays.
    let size = digits(line, m - 1, 0, Number.POSITIVE_INFINITY);
    let device: { major: number; minor: number } | undefined;
    let sizeIndex = m - 1;
    if (size < 0) {
      // Devices show "major, minor" (one or two words) instead of a size.
      const dev = /^(\d+),(\d+)$/.exec(line.slice(starts[m - 1]!, ends[m - 1]!));
      if (dev === null) continue;
      device = deviceOf(Number(dev[1]), Number(dev[2]));
    } else if (m >= 3 && line.charCodeAt(ends[m - 2]! - 1) === 0x2c) {
      const major = digits(line, m - 2, 1, Number.POSITIVE_INFINITY);
      if (major >= 0) {
        device = deviceOf(major, size);
        sizeIndex = m - 2;
        size = -1;
      }
    }
    const nameStart = ends[dateLast]! + 1;
    if (nameStart > line.length) return undefined;
    return build(line, modeWord, sizeIndex, size, device, nameStart);
  }
  return undefined;
}

/** Device numbers, or `undefined` when one is beyond 2^53 (it cannot be held exactly). */
function deviceOf(major: number, minor: number): { major: number; minor: number } | undefined {
  return Number.isSafeInteger(major) && Number.isSafeInteger(minor) ? { major, minor } : undefined;
}

function build(
  line: string,
  modeWord: string,
  sizeIndex: number,
  size: number,
  device: { major: number; minor: number } | undefined,
  nameStart: number,
): FileEntry {
  let kind: FileKind = KINDS[modeWord[0]!] ?? "other";
  let name = line.slice(nameStart);
  let target: string | undefined;
  if (kind === "symlink") {
    const arrow = name.indexOf(" -> ");
    if (arrow !== -1) {
      target = name.slice(arrow + 4);
      name = name.slice(0, arrow);
    }
  } else if (kind === "directory" && name.length <= 2 && (name === "." || name === "..")) {
    kind = name === "." ? "cdir" : "pdir";
  }
  const permissions = modeWord.slice(1, 10);
  const entry: FileEntry = { name, kind, modifiedAt: new Date(dateMs), raw: line, permissions };
  const mode = modeFromPermissions(permissions);
  if (mode !== undefined) entry.mode = mode;
  if (target !== undefined) entry.target = target;
  if (device !== undefined) entry.device = device;
  else if (size >= 0 && Number.isSafeInteger(size)) entry.size = size;
  // Between the mode and the size: [links] owner [group …]. A single word is the
  // owner: a numeric owner is commoner than a link count without one.
  let i = 1;
  if (sizeIndex - i >= 2) {
    const links = digits(line, i, 0, Number.POSITIVE_INFINITY);
    if (links >= 0) {
      if (Number.isSafeInteger(links)) entry.links = links;
      i++;
    }
  }
  if (i < sizeIndex) {
    entry.owner = line.slice(starts[i]!, ends[i]!);
    i++;
  }
  if (i === sizeIndex - 1) entry.group = line.slice(starts[i]!, ends[i]!);
  else if (i < sizeIndex)
    entry.group = line.slice(starts[i]!, ends[sizeIndex - 1]!).replace(/\s+/g, " ");
  return entry;
}

/**
 * Whether a date starts at word `m`: `Mon DD HH:MM`, `Mon DD YYYY`, `DD Mon …` or ISO
 * (`YYYY-MM-DD HH:MM[:SS[.fff]] [+zone]`). Sets {@link dateMs} and {@link dateLast}.
 */
function dateAt(line: string, m: number, count: number, nowMs: number): boolean {
  const s = starts[m]!;
  const len = ends[m]! - s;
  if (len === 10 && line.charCodeAt(s + 4) === 0x2d && line.charCodeAt(s + 7) === 0x2d) {
    return isoDateAt(line, m, count);
  }
  let month = monthAt(line, m);
  let day: number;
  if (month >= 0) {
    day = digits(line, m + 1, 0, 2);
  } else {
    // "DD Mon HH:MM" (some European servers).
    month = monthAt(line, m + 1);
    day = month >= 0 ? digits(line, m, 0, 2) : -1;
  }
  if (day < 1 || day > 31) return false;
  const t = starts[m + 2]!;
  const tLen = ends[m + 2]! - t;
  if (tLen === 4) {
    const year = digits(line, m + 2);
    if (year < 0) return false;
    return setDate(year, month, day, 0, 0, 0, 0, m + 2);
  }
  // H:MM, HH:MM, HH:MM:SS
  const colon = line.charCodeAt(t + 1) === 0x3a ? 1 : line.charCodeAt(t + 2) === 0x3a ? 2 : -1;
  if (colon < 0 || (tLen !== colon + 3 && tLen !== colon + 6)) return false;
  const hour = number(line, t, t + colon);
  const minute = number(line, t + colon + 1, t + colon + 3);
  const second =
    tLen === colon + 6 && line.charCodeAt(t + colon + 3) === 0x3a
      ? number(line, t + colon + 4, t + colon + 6)
      : 0;
  if (hour < 0 || minute < 0 || second < 0) return false;
  // ls shows a time instead of a year for the past six months: a date that would lie
  // in the future belongs to last year (one day of slack for time zones).
  let year = new Date(nowMs).getUTCFullYear();
  if (!setDate(year, month, day, hour, minute, second, 0, m + 2) || dateMs > nowMs + DAY_MS) {
    // Feb 29 of a year that has none: the file is from an earlier leap year.
    for (year--; year > 1970; year--) {
      if (setDate(year, month, day, hour, minute, second, 0, m + 2)) return true;
    }
    return false;
  }
  return true;
}

function isoDateAt(line: string, m: number, count: number): boolean {
  const d = ISO_DATE.exec(line.slice(starts[m]!, ends[m]!));
  const t = ISO_TIME.exec(line.slice(starts[m + 1]!, ends[m + 1]!));
  if (d === null || t === null) return false;
  const ms = t[4] === undefined ? 0 : Number(t[4].slice(0, 3).padEnd(3, "0"));
  const zone = m + 2 < count ? line.slice(starts[m + 2]!, ends[m + 2]!) : "";
  const zoned = ZONE.test(zone);
  const ok = setDate(
    Number(d[1]),
    Number(d[2]) - 1,
    Number(d[3]),
    Number(t[1]),
    Number(t[2]),
    Number(t[3] ?? 0),
    ms,
    zoned ? m + 2 : m + 1,
  );
  if (ok && zoned) {
    const sign = zone[0] === "-" ? -1 : 1;
    dateMs -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5))) * 60_000;
  }
  return ok;
}

function setDate(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
  last: number,
): boolean {
  if (mo < 0 || mo > 11 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59)
    return false;
  dateMs = utcMs(y, mo, d, h, mi, s, ms);
  dateLast = last;
  return true;
}

/** The month of word `i` (`Jan`, `jan`, `Jan.`), or -1. */
function monthAt(line: string, i: number): number {
  const s = starts[i]!;
  const len = ends[i]! - s;
  if (len !== 3 && !(len === 4 && line.charCodeAt(s + 3) === 0x2e)) return -1;
  const key =
    ((line.charCodeAt(s) | 32) << 16) |
    ((line.charCodeAt(s + 1) | 32) << 8) |
    (line.charCodeAt(s + 2) | 32);
  return MONTHS.get(key) ?? -1;
}

/**
 * The value of word `i` if it is all digits (ignoring `trim` trailing characters and
 * at most `maxLength` digits when given), else -1.
 */
function digits(line: string, i: number, trim = 0, maxLength = 16): number {
  const s = starts[i]!;
  const e = ends[i]! - trim;
  if (e <= s || e - s > maxLength) return -1;
  return number(line, s, e);
}

/** The decimal number in line[s, e), or -1 if a character is not a digit. */
function number(line: string, s: number, e: number): number {
  let v = 0;
  for (let k = s; k < e; k++) {
    const c = line.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** Fills {@link starts}/{@link ends} with the first words; returns how many. */
function words(line: string): number {
  const n = line.length;
  let count = 0;
  let i = 0;
  while (i < n && count < MAX_WORDS) {
    let c = line.charCodeAt(i);
    while (c === 0x20 || c === 0x09) {
      if (++i >= n) return count;
      c = line.charCodeAt(i);
    }
    starts[count] = i;
    while (i < n && c !== 0x20 && c !== 0x09) c = line.charCodeAt(++i);
    ends[count++] = i;
  }
  return count;
}
