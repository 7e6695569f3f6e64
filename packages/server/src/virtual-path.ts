/**
 * The session's view of paths: a virtual tree rooted at `/`, like a chroot. Every path
 * a client sends is resolved against the current directory into a normalised absolute
 * path; `..` never climbs above `/` (RFC 959 leaves path syntax to the server; this is
 * what vsftpd, proftpd and pyftpdlib do for a chrooted user).
 *
 * @module
 */

import { FtpUsageError } from "@ftpkit/errors";

/** `/a/b`: names that are not `.` or `..`, no empty name, no NUL, CR or LF. */
const NORMAL_ABSOLUTE = /^(?:\/(?!\.\.?(?:\/|$))[^/\0\r\n]+)+$/;
/** `a`: one name that is not `.` or `..`. */
const ONE_NAME = /^(?!\.\.?$)[^/\0\r\n]+$/;

/**
 * Resolves `input` against the current directory `cwd` (itself normalised) into a
 * normalised absolute path. Throws an {@link FtpUsageError} on a NUL, CR or LF byte.
 *
 * @example
 * ```ts
 * resolvePath("/pub", "../etc/passwd"); // "/etc/passwd" inside the storage, never outside
 * resolvePath("/pub", "/../../x");      // "/x"
 * ```
 */
export function resolvePath(cwd: string, input: string): string {
  // The usual inputs need no work: an absolute path that is normal already, or one
  // name in the current directory (RETR f0001.bin).
  if (NORMAL_ABSOLUTE.test(input)) return input;
  if (ONE_NAME.test(input)) return cwd === "/" ? `/${input}` : `${cwd}/${input}`;
  if (/[\0\r\n]/.test(input)) {
    throw new FtpUsageError(`Path ${JSON.stringify(input)} contains a NUL, CR or LF byte`);
  }
  const start = input.startsWith("/") ? [] : cwd.split("/");
  const parts: string[] = [];
  for (const segment of [...start, ...input.split("/")]) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") parts.pop();
    else parts.push(segment);
  }
  return `/${parts.join("/")}`;
}

/** The parent directory of a normalised path (`/` for `/` itself). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

/** The last segment of a normalised path (`""` for `/`). */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** Joins a normalised directory and one entry name. */
export function childPath(directory: string, name: string): string {
  return directory === "/" ? `/${name}` : `${directory}/${name}`;
}
