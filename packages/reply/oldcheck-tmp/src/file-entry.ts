/**
 * The one entry type of directory listings, from MLSD/MLST (RFC 3659 §7) and from LIST
 * (Unix `ls -l`, DOS/IIS, EPLF).
 *
 * @module
 */

/**
 * What an entry is.
 *
 * - `"cdir"` / `"pdir"`: the listed directory itself and its parent (MLSx `type=cdir`/
 *   `pdir`, and the `.` / `..` lines of `ls -la`). Skip them when walking a tree: a
 *   cdir's name is often the directory's full path.
 * - `"other"`: a type the listing names but ftpkit does not model (`OS.unix=door`).
 * - `"unknown"`: a line that could not be parsed; `name` is the whole line.
 */
export type FileKind =
  | "file"
  | "directory"
  | "symlink"
  | "cdir"
  | "pdir"
  | "block-device"
  | "character-device"
  | "fifo"
  | "socket"
  | "other"
  | "unknown";

/**
 * One entry of a directory listing. Fields a listing does not carry are absent.
 *
 * @example
 * ```ts
 * const entry: FileEntry = {
 *   name: "hello.txt", kind: "file", size: 6,
 *   modifiedAt: new Date("2020-01-02T03:04:05Z"),
 *   raw: "type=file;size=6;modify=20200102030405; hello.txt",
 * };
 * ```
 */
export interface FileEntry {
  /** The name (MLSD, LIST) or the path (MLST, `STAT path`), as the server wrote it. */
  name: string;
  /** What the entry is. */
  kind: FileKind;
  /** Size in bytes (MLSx `size`, or `sizd` for directories; the LIST size column). */
  size?: number;
  /**
   * Last modification. MLSx and EPLF times are UTC; LIST times are the server's local
   * time taken as UTC, to the minute (`Mon DD HH:MM`, year inferred) or the day
   * (`Mon DD YYYY`).
   */
  modifiedAt?: Date;
  /** Symlink target (`name -> target` in `ls -l`, MLSx `UNIX.slink`, or `type=OS.unix=slink:target`). */
  target?: string;
  /** Unix permission string as `ls` shows it without the type letter: `"rwxr-xr-x"`. */
  permissions?: string;
  /** Unix mode bits (permissions, setuid/setgid/sticky), e.g. `0o644`. */
  mode?: number;
  /** Owner name or numeric id, as listed. */
  owner?: string;
  /** Group name or numeric id, as listed. */
  group?: string;
  /** Hard-link count (`ls -l`). */
  links?: number;
  /** Major and minor numbers of a block or character device (`ls -l`). */
  device?: { major: number; minor: number };
  /** MLSx `perm` fact (RFC 3659 §7.5.5): letters from "acdeflmprw". */
  perm?: string;
  /** A server-unique id of the file (MLSx `unique`, EPLF `i`). */
  unique?: string;
  /** Every MLSx fact, names lowercased, values as sent. */
  facts?: Map<string, string>;
  /** The listing line, without its line end. */
  raw: string;
}
