/**
 * DOS-style LIST lines (IIS, some Windows servers):
 * `01-02-20  03:04PM       <DIR>          dir` and `01-02-2020  15:04   6 hello.txt`.
 *
 * A hand-written tokenizer rather than a regular expression: runs of spaces between the
 * columns and unusual characters in the name (CR, U+2028) made the expression backtrack
 * polynomially; this looks at each character once.
 *
 * @module
 */

import type { FileEntry } from "./file-entry.ts";

/** The characters of `\s` in JavaScript regular expressions (ECMA-262 WhiteSpace and LineTerminator). */
function isSpace(c: number): boolean {
  return (
    c === 0x20 ||
    (c >= 0x09 && c <= 0x0d) ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** Reads the line left to right; every method moves `pos` forward only. */
class Cursor {
  readonly line: string;
  pos = 0;

  constructor(line: string) {
    this.line = line;
  }

  /** A run of `min`-`max` digits; its value, or -1 (the cursor is then unusable). */
  digits(min: number, max: number): number {
    const start = this.pos;
    let v = 0;
    while (this.pos - start < max && isDigit(this.line.charCodeAt(this.pos))) {
      v = v * 10 + this.line.charCodeAt(this.pos) - 48;
      this.pos++;
    }
    const n = this.pos - start;
    return n < min || isDigit(this.line.charCodeAt(this.pos)) ? -1 : v;
  }

  char(c: number): boolean {
    if (this.line.charCodeAt(this.pos) !== c) return false;
    this.pos++;
    return true;
  }

  /** Skips white space; returns how much. */
  spaces(): number {
    const start = this.pos;
    while (isSpace(this.line.charCodeAt(this.pos))) this.pos++;
    return this.pos - start;
  }
}

/** Parses a DOS/IIS listing line, or returns `undefined` when the line is not one. */
export function parseDosLine(line: string): FileEntry | undefined {
  const at = new Cursor(line);
  // MM-DD-YY or MM-DD-YYYY
  const month = at.digits(1, 2) - 1;
  if (month < 0 || !at.char(0x2d)) return undefined;
  const day = at.digits(1, 2);
  if (day < 0 || !at.char(0x2d)) return undefined;
  const yearStart = at.pos;
  let year = at.digits(2, 4);
  const yearDigits = at.pos - yearStart;
  if (year < 0 || yearDigits === 3 || at.spaces() === 0) return undefined;
  // Two-digit years: 70-99 are 19xx, as in the MS-DOS epoch (1980) and IIS.
  if (yearDigits === 2) year += year < 70 ? 2000 : 1900;
  // hh:mm, then AM/PM right after it or after spaces.
  let hour = at.digits(1, 2);
  if (hour < 0 || !at.char(0x3a)) return undefined;
  const minute = at.digits(2, 2);
  if (minute < 0) return undefined;
  let gap = at.spaces();
  const a = line.charCodeAt(at.pos) | 0x20;
  if ((a === 0x61 || a === 0x70) && (line.charCodeAt(at.pos + 1) | 0x20) === 0x6d) {
    at.pos += 2;
    gap = at.spaces();
    if (hour < 1 || hour > 12) return undefined;
    if (a === 0x61 && hour === 12) hour = 0;
    else if (a === 0x70 && hour !== 12) hour += 12;
  }
  if (gap === 0) return undefined;
  if (month < 0 || month > 11 || day < 1 || day > 31 || hour > 23 || minute > 59) return undefined;
  const modifiedAt = new Date(Date.UTC(year, month, day, hour, minute));
  if (modifiedAt.getUTCDate() !== day) return undefined;
  // <DIR>, <JUNCTION> or a size with optional thousands separators.
  const sizeStart = at.pos;
  let directory = false;
  if (line.startsWith("<DIR>", sizeStart)) {
    directory = true;
    at.pos += 5;
  } else if (line.startsWith("<JUNCTION>", sizeStart)) {
    directory = true;
    at.pos += 10;
  } else {
    if (!isDigit(line.charCodeAt(sizeStart))) return undefined;
    for (let c = line.charCodeAt(at.pos); isDigit(c) || c === 0x2c; c = line.charCodeAt(at.pos))
      at.pos++;
  }
  const sizeEnd = at.pos;
  if (at.spaces() === 0 || at.pos >= line.length) return undefined;
  // The name is the rest of the line, spaces and all.
  const name = line.slice(at.pos);
  if (directory) {
    const kind = name === "." ? "cdir" : name === ".." ? "pdir" : "directory";
    return { name, kind, modifiedAt, raw: line };
  }
  const size = Number(line.slice(sizeStart, sizeEnd).replaceAll(",", ""));
  const entry: FileEntry = { name, kind: "file", modifiedAt, raw: line };
  if (Number.isSafeInteger(size)) entry.size = size;
  return entry;
}
