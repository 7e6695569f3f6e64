/**
 * Listing lines for servers: MLSD/MLST entries (RFC 3659 §7) and `ls -l` lines for
 * LIST. Both parse back with {@link parseMlsxLine} and {@link parseListLine}.
 *
 * @module
 */

import { FtpUsageError } from "@ftpkit/errors";
import type { FileEntry, FileKind } from "./file-entry.ts";
import { formatFtpTime } from "./ftp-time.ts";
import { permissionsFromMode } from "./unix-mode.ts";

/** What a listing line is made from: the name, kind and any known attributes. */
export type EntryFields = Pick<FileEntry, "name" | "kind"> &
  Partial<
    Pick<
      FileEntry,
      "size" | "modifiedAt" | "mode" | "owner" | "group" | "perm" | "unique" | "target" | "links"
    >
  >;

/** Options of {@link formatMlsxLine}. */
export interface FormatMlsxOptions {
  /**
   * The facts to include, lowercased (`OPTS MLST type;size;` selects them, RFC 3659
   * §7.9). Default: type, size, modify, perm, unique, unix.mode, unix.owner, unix.group.
   */
  facts?: readonly string[];
}

const DEFAULT_FACTS = [
  "type",
  "size",
  "modify",
  "perm",
  "unique",
  "unix.mode",
  "unix.owner",
  "unix.group",
];

const MLSX_TYPE: Record<FileKind, string> = {
  file: "file",
  directory: "dir",
  cdir: "cdir",
  pdir: "pdir",
  symlink: "OS.unix=slink",
  "block-device": "OS.unix=blkdev",
  "character-device": "OS.unix=chrdev",
  fifo: "OS.unix=fifo",
  socket: "OS.unix=socket",
  other: "OS.unix=other",
  unknown: "OS.unix=other",
};

/**
 * Formats an MLSD line (add a leading space for an MLST reply line): the selected
 * facts present on the entry, then one space and the name.
 *
 * @throws {FtpUsageError} for a name with CR, LF or NUL (it would break the listing)
 *
 * @example
 * ```ts
 * formatMlsxLine({ name: "a; b.txt", kind: "file", size: 6, modifiedAt: new Date("2020-01-02T03:04:05Z") });
 * // "type=file;size=6;modify=20200102030405; a; b.txt"
 * ```
 */
export function formatMlsxLine(entry: EntryFields, options: FormatMlsxOptions = {}): string {
  checkName(entry.name);
  const wanted = options.facts ?? DEFAULT_FACTS;
  let facts = "";
  for (const fact of wanted) {
    const value = factValue(entry, fact.toLowerCase());
    if (value !== undefined) facts += `${factName(fact)}=${value};`;
  }
  return `${facts} ${entry.name}`;
}

function factName(fact: string): string {
  const f = fact.toLowerCase();
  return f.startsWith("unix.") ? `UNIX.${f.slice(5)}` : f;
}

function factValue(entry: EntryFields, fact: string): string | undefined {
  switch (fact) {
    case "type":
      return entry.kind === "symlink" && entry.target !== undefined && !/[;\s]/.test(entry.target)
        ? `OS.unix=slink:${entry.target}`
        : MLSX_TYPE[entry.kind];
    case "size":
      return entry.size === undefined ? undefined : String(entry.size);
    case "modify":
      return entry.modifiedAt === undefined ? undefined : formatFtpTime(entry.modifiedAt);
    case "perm":
      return entry.perm;
    case "unique":
      return entry.unique;
    case "unix.mode":
      return entry.mode === undefined
        ? undefined
        : (entry.mode & 0o7777).toString(8).padStart(4, "0");
    case "unix.owner":
      return entry.owner === undefined || /[;\s=]/.test(entry.owner) ? undefined : entry.owner;
    case "unix.group":
      return entry.group === undefined || /[;\s=]/.test(entry.group) ? undefined : entry.group;
    default:
      return undefined;
  }
}

const LS_TYPE: Record<FileKind, string> = {
  file: "-",
  directory: "d",
  cdir: "d",
  pdir: "d",
  symlink: "l",
  "block-device": "b",
  "character-device": "c",
  fifo: "p",
  socket: "s",
  other: "?",
  unknown: "?",
};

const MONTH_NAMES = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];
/** `ls` shows a time instead of the year for dates within the past six months. */
const SIX_MONTHS_MS = 182 * 86_400_000;

/** Options of {@link formatListLine}. */
export interface FormatListOptions {
  /** The time of the listing, to choose between `HH:MM` and the year. Default: now. */
  now?: Date;
}

/**
 * Formats an `ls -l` line for LIST, in UTC: `-rw-r--r-- 1 owner group 6 Jan  2  2020 name`.
 * Dates within the past six months show `HH:MM`, older or future ones the year, as
 * `ls` does. Missing fields get defaults (mode 0644 / 0755, owner and group "ftp").
 *
 * @throws {FtpUsageError} for a name with CR, LF or NUL
 *
 * @example
 * ```ts
 * formatListLine({ name: "hello.txt", kind: "file", size: 6, modifiedAt: new Date("2020-01-02T03:04:05Z") });
 * // "-rw-r--r-- 1 ftp ftp 6 Jan  2  2020 hello.txt"
 * ```
 */
export function formatListLine(entry: EntryFields, options: FormatListOptions = {}): string {
  checkName(entry.name);
  const dirLike = entry.kind === "directory" || entry.kind === "cdir" || entry.kind === "pdir";
  const mode = entry.mode ?? (dirLike ? 0o755 : entry.kind === "symlink" ? 0o777 : 0o644);
  const perms = LS_TYPE[entry.kind] + permissionsFromMode(mode);
  const owner =
    entry.owner === undefined || /\s/.test(entry.owner) || entry.owner === "" ? "ftp" : entry.owner;
  const group =
    entry.group === undefined || /\s/.test(entry.group) || entry.group === "" ? "ftp" : entry.group;
  const size = String(entry.size ?? 0);
  const when = entry.modifiedAt ?? new Date(0);
  const now = options.now ?? new Date();
  const age = now.getTime() - when.getTime();
  const day = String(when.getUTCDate()).padStart(2, " ");
  const tail =
    age >= 0 && age < SIX_MONTHS_MS
      ? `${String(when.getUTCHours()).padStart(2, "0")}:${String(when.getUTCMinutes()).padStart(2, "0")}`
      : ` ${when.getUTCFullYear()}`;
  const name =
    entry.kind === "symlink" && entry.target !== undefined
      ? `${entry.name} -> ${entry.target}`
      : entry.name;
  return `${perms} ${entry.links ?? 1} ${owner} ${group} ${size.padStart(8, " ")} ${MONTH_NAMES[when.getUTCMonth()]} ${day} ${tail} ${name}`;
}

function checkName(name: string): void {
  if (/[\r\n\0]/.test(name)) {
    throw new FtpUsageError(`Cannot list a name containing CR, LF or NUL: ${JSON.stringify(name)}`);
  }
}
