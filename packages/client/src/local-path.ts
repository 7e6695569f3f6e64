/**
 * Where a remote file may be saved under a local folder. Pure string work (no file
 * system), shared by `downloadTo` and its tests.
 *
 * Names from a server are untrusted: a listing can say `../x`, `a/../../x`, `/etc/x`,
 * `C:\x`, or carry NUL bytes and backslashes (CVE-2026-27699 in basic-ftp,
 * CVE-2018-10916 in lftp). A name is kept only when every part of it stays below the
 * folder.
 *
 * @module
 */

import { FtpUsageError } from "@ftpkit/errors";

/**
 * The parts of the relative local path for a remote path: leading slashes are dropped
 * (`/pub/a.txt` is saved as `pub/a.txt`), `.` parts and repeated slashes are skipped.
 *
 * @throws {FtpUsageError} for a name that could leave the folder or cannot be a file
 *   name: a `..` part, a backslash, a drive letter, NUL or another control character,
 *   or nothing left
 *
 * @example
 * ```ts
 * localParts("dir/a.txt");   // ["dir", "a.txt"]
 * localParts("/pub/a.txt");  // ["pub", "a.txt"]
 * localParts("a/../../x");   // throws FtpUsageError
 * ```
 */
export function localParts(remotePath: string): string[] {
  const refuse = (why: string): never => {
    throw new FtpUsageError(
      `Refusing to save ${JSON.stringify(remotePath)}: ${why}, so it could land outside the target folder`,
    );
  };
  if (/[\u0000-\u001f\u007f]/.test(remotePath)) refuse("it contains a control character");
  if (remotePath.includes("\\")) refuse("it contains a backslash (a Windows path separator)");
  if (/^[A-Za-z]:/.test(remotePath)) refuse("it starts with a drive letter");
  const parts: string[] = [];
  for (const part of remotePath.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") refuse('it has a ".." part');
    parts.push(part);
  }
  if (parts.length === 0) refuse("it names no file");
  return parts;
}
