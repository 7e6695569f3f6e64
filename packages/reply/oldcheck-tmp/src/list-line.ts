/**
 * LIST lines of every common shape, and whole listings.
 *
 * @module
 */

import { decodeText, decodeUtf8 } from "./decode-text.ts";
import type { FileEntry } from "./file-entry.ts";
import { parseDosLine } from "./list-dos.ts";
import { parseEplfLine } from "./list-eplf.ts";
import { parseUnixLine } from "./list-unix.ts";
import { parseMlsxLine } from "./mlsx-line.ts";

/** Options of {@link parseListLine} and {@link parseListing}. */
export interface ListOptions {
  /**
   * The time the listing is read at, to infer the year of `ls -l` dates that show a
   * time instead of a year (the past six months). Default: now.
   */
  now?: Date;
}

const NOT_BLANK = /\S/;
const TOTAL = /^total\s+\d+(?:[.,]\d+)?[KMGTkmgt]?\s*$/;

/**
 * Parses one LIST line: Unix `ls -l` (symlinks with ` -> `, block/character devices,
 * `Mon DD HH:MM` and `Mon DD YYYY` dates, ISO dates, names with spaces, numeric
 * owners), DOS/IIS (`MM-DD-YY hh:mmAM <DIR>`), or EPLF. Never throws.
 *
 * @returns the entry; `undefined` for lines that are no entry (`total 24`, blank lines);
 *   a line that fits no format gives kind `"unknown"` with the whole line as name
 *
 * @example
 * ```ts
 * parseListLine("lrwxrwxrwx 1 ftp ftp 7 Jan  2  2020 latest -> v1.2.3");
 * // { name: "latest", kind: "symlink", target: "v1.2.3", size: 7, modifiedAt: 2020-01-02T00:00:00Z,
 * //   permissions: "rwxrwxrwx", mode: 0o777, links: 1, owner: "ftp", group: "ftp", raw: "…" }
 * parseListLine("01-02-20  03:04PM       <DIR>          my dir"); // kind "directory", name "my dir"
 * parseListLine("total 24"); // undefined
 * ```
 */
export function parseListLine(line: string, options: ListOptions = {}): FileEntry | undefined {
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === 0x0d) end--;
  const text = end === line.length ? line : line.slice(0, end);
  if (!NOT_BLANK.test(text)) return undefined;
  if (text.charCodeAt(0) === 0x74 && TOTAL.test(text)) return undefined;
  const first = text.charCodeAt(0);
  const entry =
    first === 0x2b
      ? parseEplfLine(text)
      : first >= 0x30 && first <= 0x39
        ? parseDosLine(text)
        : parseUnixLine(text, options.now ?? new Date());
  return entry ?? { name: text, kind: "unknown", raw: text };
}

/** Options of {@link parseListing}. */
export interface ParseListingOptions extends ListOptions {
  /** `"list"` (default) for LIST bodies, `"mlsd"` for MLSD bodies. */
  format?: "list" | "mlsd";
}

/**
 * Parses a whole listing body (LIST or MLSD) into entries. Lines may end with CR LF,
 * LF, or GridFTP's CR CR LF (TYPE A); `total N` and blank lines are skipped. Bytes
 * are decoded line by line: UTF-8, or latin1 for a line that is not valid UTF-8.
 *
 * @example
 * ```ts
 * const entries = parseListing(body, { format: "mlsd" });
 * const names = entries.filter((e) => e.kind === "file").map((e) => e.name);
 * ```
 */
export function parseListing(
  body: string | Uint8Array,
  options: ParseListingOptions = {},
): FileEntry[] {
  const entries: FileEntry[] = [];
  const mlsd = options.format === "mlsd";
  const now = options.now ?? new Date();
  const lineOptions: ListOptions = { now };
  const add = (line: string): void => {
    if (mlsd) {
      let end = line.length;
      while (end > 0 && line.charCodeAt(end - 1) === 0x0d) end--;
      const text = end === line.length ? line : line.slice(0, end);
      if (NOT_BLANK.test(text)) entries.push(parseMlsxLine(text));
    } else {
      const entry = parseListLine(line, lineOptions);
      if (entry !== undefined) entries.push(entry);
    }
  };
  if (typeof body === "string") {
    let from = 0;
    for (let lf = body.indexOf("\n"); lf !== -1; lf = body.indexOf("\n", from)) {
      add(body.slice(from, lf));
      from = lf + 1;
    }
    if (from < body.length) add(body.slice(from));
  } else {
    const text = decodeUtf8(body);
    if (text !== undefined) return parseListing(text, options);
    // Not valid UTF-8 as a whole: decode line by line, so that only the lines that
    // are not UTF-8 fall back to latin1.
    let from = 0;
    for (let lf = body.indexOf(0x0a); lf !== -1; lf = body.indexOf(0x0a, from)) {
      add(decodeText(body.subarray(from, lf)));
      from = lf + 1;
    }
    if (from < body.length) add(decodeText(body.subarray(from)));
  }
  return entries;
}
