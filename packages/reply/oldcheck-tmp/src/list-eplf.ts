/**
 * EPLF, the Easily Parsed LIST Format (D. J. Bernstein, https://cr.yp.to/ftp/list/eplf.html):
 * `+i8388621.48594,m825718503,r,s280,\tdjb.html`.
 *
 * @module
 */

import type { FileEntry } from "./file-entry.ts";
import { permissionsFromMode } from "./unix-mode.ts";

/** Parses an EPLF line, or returns `undefined` when the line is not one. */
export function parseEplfLine(line: string): FileEntry | undefined {
  if (line.charCodeAt(0) !== 0x2b) return undefined;
  const tab = line.indexOf("\t");
  if (tab === -1) return undefined;
  const entry: FileEntry = { name: line.slice(tab + 1), kind: "unknown", raw: line };
  let retrievable = false;
  for (const fact of line.slice(1, tab).split(",")) {
    const value = fact.slice(1);
    switch (fact[0]) {
      case "/":
        entry.kind = "directory";
        break;
      case "r":
        retrievable = true;
        break;
      case "s":
        if (/^\d+$/.test(value)) entry.size = Number(value);
        break;
      case "m":
        // Seconds since the Unix epoch, UTC.
        if (/^\d+$/.test(value)) entry.modifiedAt = new Date(Number(value) * 1000);
        break;
      case "i":
        if (value !== "") entry.unique = value;
        break;
      case "u":
        if (value[0] === "p" && /^[0-7]{1,6}$/.test(value.slice(1))) {
          entry.mode = Number.parseInt(value.slice(1), 8) & 0o7777;
          entry.permissions = permissionsFromMode(entry.mode);
        }
        break;
      default:
        // Unknown facts are to be ignored (EPLF spec).
        break;
    }
  }
  if (entry.kind === "unknown" && retrievable) entry.kind = "file";
  return entry;
}
