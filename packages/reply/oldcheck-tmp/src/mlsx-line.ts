/**
 * MLSD lines and MLST reply lines (RFC 3659 §7).
 *
 * @module
 */

import type { FileEntry, FileKind } from "./file-entry.ts";
import { parseFtpTimeMs } from "./ftp-time.ts";
import { permissionsFromMode } from "./unix-mode.ts";

/**
 * Parses one MLSx entry: `fact=value;fact=value; name`. The facts end at the first
 * space, and everything after that one space is the name, which may contain `;`,
 * `=` and spaces. The single leading space of an MLST reply line is skipped.
 *
 * Facts are case-insensitive (RFC 3659 §7.1); every fact is kept in `facts` with a
 * lowercased name, and the known ones fill the entry: `type` (file, dir, cdir, pdir,
 * `OS.unix=slink[:target]`, `OS.unix=blkdev`/`chrdev`/`fifo`/`socket`), `size`/`sizd`,
 * `modify` (UTC), `perm`, `unique`, `UNIX.mode`, `UNIX.owner`/`ownername`/`uid`,
 * `UNIX.group`/`groupname`/`gid`, `UNIX.slink`. Never throws: a line without facts
 * gives a kind "unknown" entry with the name.
 *
 * @example
 * ```ts
 * parseMlsxLine("type=file;size=6;modify=20200102030405;UNIX.mode=0644; a; b.txt");
 * // { name: "a; b.txt", kind: "file", size: 6, modifiedAt: 2020-01-02T03:04:05Z,
 * //   mode: 0o644, permissions: "rw-r--r--", facts: Map(4), raw: "…" }
 * ```
 */
export function parseMlsxLine(line: string): FileEntry {
  // An MLST reply line is indented by one space (RFC 3659 §7.2); an MLSD line with no
  // facts is " name". Skip the indent only when facts follow it.
  const from = line.charCodeAt(0) === 0x20 && looksLikeFacts(line, 1) ? 1 : 0;
  const space = line.indexOf(" ", from);
  if (space === -1 || !looksLikeFacts(line, from)) {
    const name = line.charCodeAt(0) === 0x20 ? line.slice(1) : line;
    return { name, kind: "unknown", raw: line };
  }
  const facts = new Map<string, string>();
  for (let i = from; i < space; ) {
    let semi = line.indexOf(";", i);
    if (semi === -1 || semi > space) semi = space;
    const eq = line.indexOf("=", i);
    if (eq > i && eq < semi) facts.set(lowerAscii(line.slice(i, eq)), line.slice(eq + 1, semi));
    i = semi + 1;
  }
  const entry: FileEntry = { name: line.slice(space + 1), kind: "unknown", raw: line };
  const type = facts.get("type");
  if (type !== undefined) {
    const [kind, target] = kindOfType(type);
    entry.kind = kind;
    if (target !== undefined) entry.target = target;
  }
  const size = facts.get("size") ?? facts.get("sizd");
  if (size !== undefined && DIGITS.test(size)) entry.size = Number(size);
  const modify = facts.get("modify");
  const modifiedMs = modify === undefined ? undefined : parseFtpTimeMs(modify);
  if (modifiedMs !== undefined) entry.modifiedAt = new Date(modifiedMs);
  const perm = facts.get("perm");
  if (perm !== undefined) entry.perm = perm;
  const unique = facts.get("unique");
  if (unique !== undefined) entry.unique = unique;
  const mode = facts.get("unix.mode");
  if (mode !== undefined && OCTAL.test(mode)) {
    entry.mode = Number.parseInt(mode, 8) & 0o7777;
    entry.permissions = permissionsFromMode(entry.mode);
  }
  const owner = facts.get("unix.ownername") ?? facts.get("unix.owner") ?? facts.get("unix.uid");
  if (owner !== undefined) entry.owner = owner;
  const group = facts.get("unix.groupname") ?? facts.get("unix.group") ?? facts.get("unix.gid");
  if (group !== undefined) entry.group = group;
  const slink = facts.get("unix.slink");
  if (slink !== undefined && slink !== "") entry.target = slink;
  entry.facts = facts;
  return entry;
}

const DIGITS = /^\d+$/;
const OCTAL = /^[0-7]{1,6}$/;

/** Lowercases A-Z; returns the string itself when there is nothing to change. */
function lowerAscii(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return s.toLowerCase();
  }
  return s;
}

/** True when the word at `from` is a fact list: `name=value;`… up to a space. */
function looksLikeFacts(text: string, from: number): boolean {
  const space = text.indexOf(" ", from);
  const end = space === -1 ? text.length : space;
  if (end === from || text.charCodeAt(end - 1) !== 0x3b) return false;
  const eq = text.indexOf("=", from);
  return eq > from && eq < end;
}

const OS_TYPES: Record<string, FileKind> = {
  slink: "symlink",
  symlink: "symlink",
  link: "symlink",
  blkdev: "block-device",
  blk: "block-device",
  chrdev: "character-device",
  chr: "character-device",
  fifo: "fifo",
  pipe: "fifo",
  socket: "socket",
  sock: "socket",
};

function kindOfType(type: string): [FileKind, string | undefined] {
  const t = type.toLowerCase();
  if (t === "file") return ["file", undefined];
  if (t === "dir") return ["directory", undefined];
  if (t === "cdir") return ["cdir", undefined];
  if (t === "pdir") return ["pdir", undefined];
  // OS.unix=slink:/target (RFC 3659 §7.5.1 lets the OS part carry a value).
  const m = /^os\.[a-z0-9-]+=([a-z]+)(?::(.*))?$/i.exec(type);
  if (m !== null) {
    const kind = OS_TYPES[m[1]!.toLowerCase()] ?? "other";
    const target = m[2] !== undefined && m[2] !== "" && kind === "symlink" ? m[2] : undefined;
    return [kind, target];
  }
  return ["other", undefined];
}
