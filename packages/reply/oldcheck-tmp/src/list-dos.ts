/**
 * DOS-style LIST lines (IIS, some Windows servers):
 * `01-02-20  03:04PM       <DIR>          dir` and `01-02-2020  15:04   6 hello.txt`.
 *
 * @module
 */

import type { FileEntry } from "./file-entry.ts";

const DOS =
  /^(\d{1,2})-(\d{1,2})-(\d{2}|\d{4})\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])?\s+(<DIR>|<JUNCTION>|\d[\d,]*)\s+(.+)$/;

/** Parses a DOS/IIS listing line, or returns `undefined` when the line is not one. */
export function parseDosLine(line: string): FileEntry | undefined {
  const m = DOS.exec(line);
  if (m === null) return undefined;
  const month = Number(m[1]) - 1;
  const day = Number(m[2]);
  let year = Number(m[3]);
  // Two-digit years: 70-99 are 19xx, as in the MS-DOS epoch (1980) and IIS.
  if (m[3]!.length === 2) year += year < 70 ? 2000 : 1900;
  let hour = Number(m[4]);
  const ampm = m[6]?.toUpperCase();
  if (ampm !== undefined) {
    if (hour < 1 || hour > 12) return undefined;
    if (ampm === "AM" && hour === 12) hour = 0;
    else if (ampm === "PM" && hour !== 12) hour += 12;
  }
  const minute = Number(m[5]);
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59) return undefined;
  const modifiedAt = new Date(Date.UTC(year, month, day, hour, minute));
  if (modifiedAt.getUTCDate() !== day) return undefined;
  const sizeWord = m[7]!;
  const name = m[8]!;
  if (sizeWord === "<DIR>" || sizeWord === "<JUNCTION>") {
    const kind = name === "." ? "cdir" : name === ".." ? "pdir" : "directory";
    return { name, kind, modifiedAt, raw: line };
  }
  const size = Number(sizeWord.replaceAll(",", ""));
  const entry: FileEntry = { name, kind: "file", modifiedAt, raw: line };
  if (Number.isSafeInteger(size)) entry.size = size;
  return entry;
}
