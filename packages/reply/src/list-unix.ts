/**
 * Unix `ls -l` lines, as most servers send for LIST.
 *
 * @module
 */

import type { FileEntry, FileKind } from "./file-entry.ts";
import { modeFromPermissions } from "./unix-mode.ts";

const MONTHS: Record<string, number> = {
  jan: 0,
  feb: 1,
  mar: 2,
  apr: 3,
  may: 4,
  jun: 5,
  jul: 6,
  aug: 7,
  sep: 8,
  oct: 9,
  nov: 10,
  dec: 11,
};

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
const DIGITS = /^\d+$/;
const TIME = /^([01]?\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;
const YEAR = /^\d{4}$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?$/;
const ZONE = /^[+-]\d{4}$/;
/** Most words looked at before the name: mode, links, owner, group, size (2), date (3-4). */
const MAX_WORDS = 16;
const DAY_MS = 86_400_000;

/**
 * Parses an `ls -l` line, or returns `undefined` when the line is not one.
 *
 * @param now the time listings are read at, to infer the year of `Mon DD HH:MM` dates
 */
export function parseUnixLine(line: string, now: Date): FileEntry | undefined {
  const starts: number[] = [];
  const ends: number[] = [];
  words(line, starts, ends);
  const count = starts.length;
  if (count < 5) return undefined;
  const modeWord = line.slice(starts[0]!, ends[0]!);
  if (!MODE.test(modeWord)) return undefined;
  const w = (i: number): string => line.slice(starts[i]!, ends[i]!);

  // The date is the first place where "<size> <date>" fits; owner/group come before it.
  for (let m = 2; m + 2 < count; m++) {
    const date = dateAt(w, m, count, now);
    if (date === undefined) continue;
    const sizeWord = w(m - 1);
    let device: { major: number; minor: number } | undefined;
    let sizeIndex = m - 1;
    if (!DIGITS.test(sizeWord)) {
      // Devices show "major, minor" (one or two words) instead of a size.
      const dev = /^(\d+),(\d*)$/.exec(sizeWord);
      if (dev === null || dev[2] === "") continue;
      device = { major: Number(dev[1]), minor: Number(dev[2]) };
    } else if (m >= 3 && /^\d+,$/.test(w(m - 2))) {
      device = { major: Number(w(m - 2).slice(0, -1)), minor: Number(sizeWord) };
      sizeIndex = m - 2;
    }
    const nameStart = ends[date.last]! + 1;
    if (nameStart > line.length) return undefined;
    return build(line, modeWord, w, sizeIndex, device, date.date, nameStart);
  }
  return undefined;
}

function build(
  line: string,
  modeWord: string,
  w: (i: number) => string,
  sizeIndex: number,
  device: { major: number; minor: number } | undefined,
  modifiedAt: Date,
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
  } else if (kind === "directory" && (name === "." || name === "..")) {
    kind = name === "." ? "cdir" : "pdir";
  }
  const entry: FileEntry = { name, kind, modifiedAt, raw: line };
  if (target !== undefined) entry.target = target;
  const permissions = modeWord.slice(1, 10);
  entry.permissions = permissions;
  const mode = modeFromPermissions(permissions);
  if (mode !== undefined) entry.mode = mode;
  if (device === undefined) {
    const size = Number(w(sizeIndex));
    if (Number.isSafeInteger(size)) entry.size = size;
  } else {
    entry.device = device;
  }
  // Between the mode and the size: [links] owner [group …].
  let i = 1;
  if (i < sizeIndex && DIGITS.test(w(i)) && sizeIndex - i >= 2) {
    entry.links = Number(w(i));
    i++;
  }
  // A single word before the size is the owner: a numeric owner is commoner than a
  // link count without one.
  if (i < sizeIndex) entry.owner = w(i++);
  if (i < sizeIndex) {
    const parts: string[] = [];
    for (; i < sizeIndex; i++) parts.push(w(i));
    entry.group = parts.join(" ");
  }
  return entry;
}

/** A date starting at word `m`: `Mon DD HH:MM`, `Mon DD YYYY`, `DD Mon …`, ISO. */
function dateAt(
  w: (i: number) => string,
  m: number,
  count: number,
  now: Date,
): { date: Date; last: number } | undefined {
  const a = w(m);
  const iso = ISO_DATE.exec(a);
  if (iso !== null) {
    const t = ISO_TIME.exec(w(m + 1));
    if (t === null) return undefined;
    const ms = t[4] === undefined ? 0 : Number(t[4].slice(0, 3).padEnd(3, "0"));
    const date = utc(
      Number(iso[1]),
      Number(iso[2]) - 1,
      Number(iso[3]),
      Number(t[1]),
      Number(t[2]),
      Number(t[3] ?? 0),
      ms,
    );
    if (date === undefined) return undefined;
    const last = m + 2 < count && ZONE.test(w(m + 2)) ? m + 2 : m + 1;
    return { date: adjustZone(date, last === m + 2 ? w(m + 2) : undefined), last };
  }
  let month = MONTHS[a.slice(0, 3).toLowerCase()];
  let dayWord = w(m + 1);
  if (month === undefined || (a.length !== 3 && !(a.length === 4 && a[3] === "."))) {
    // "DD Mon HH:MM" (some European servers).
    const alt = MONTHS[dayWord.slice(0, 3).toLowerCase()];
    if (alt === undefined || dayWord.length !== 3 || !DIGITS.test(a)) return undefined;
    month = alt;
    dayWord = a;
  }
  if (!/^\d{1,2}$/.test(dayWord)) return undefined;
  const day = Number(dayWord);
  const third = w(m + 2);
  if (YEAR.test(third)) {
    const date = utc(Number(third), month, day, 0, 0, 0, 0);
    return date === undefined ? undefined : { date, last: m + 2 };
  }
  const t = TIME.exec(third);
  if (t === null) return undefined;
  // ls shows a time instead of a year for the past six months: a date that would
  // lie in the future belongs to last year (one day of slack for time zones).
  let year = now.getUTCFullYear();
  let date = utc(year, month, day, Number(t[1]), Number(t[2]), Number(t[3] ?? 0), 0);
  if (date !== undefined && date.getTime() > now.getTime() + DAY_MS) {
    year--;
    date = utc(year, month, day, Number(t[1]), Number(t[2]), Number(t[3] ?? 0), 0);
  }
  // Feb 29 of a year that has none: the file is from an earlier leap year.
  while (date === undefined && month === 1 && day === 29 && year > now.getUTCFullYear() - 8) {
    year--;
    date = utc(year, month, day, Number(t[1]), Number(t[2]), 0, 0);
  }
  return date === undefined ? undefined : { date, last: m + 2 };
}

function adjustZone(date: Date, zone: string | undefined): Date {
  if (zone === undefined) return date;
  const sign = zone[0] === "-" ? -1 : 1;
  const minutes = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5));
  return new Date(date.getTime() - sign * minutes * 60_000);
}

function utc(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): Date | undefined {
  if (mo < 0 || mo > 11 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const date = new Date(Date.UTC(y, mo, d, h, mi, s, ms));
  return date.getUTCDate() === d ? date : undefined;
}

/** Start and end offsets of the first {@link MAX_WORDS} whitespace-separated words. */
function words(line: string, starts: number[], ends: number[]): void {
  const n = line.length;
  let i = 0;
  while (i < n && starts.length < MAX_WORDS) {
    let c = line.charCodeAt(i);
    while (c === 0x20 || c === 0x09) {
      if (++i >= n) return;
      c = line.charCodeAt(i);
    }
    starts.push(i);
    while (i < n && c !== 0x20 && c !== 0x09) c = line.charCodeAt(++i);
    ends.push(i);
  }
}
