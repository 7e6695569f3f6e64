/**
 * The CLI's file system work: where a remote file lands under a local folder, and
 * saving a body there under a temporary name, renamed once complete (so a cut transfer
 * never leaves a partial file under the real name).
 *
 * @module
 */

import { mkdir, open, rename, rm, stat, utimes } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { localParts } from "@ftpkit/client";
import { FtpUsageError } from "@ftpkit/errors";

/**
 * The local path for `remotePath` below `root`. Names that could leave the folder
 * (`..`, backslashes, drive letters, control characters) are refused.
 *
 * @throws {FtpUsageError} for such a name
 */
export function localTarget(root: string, remotePath: string): string {
  const base = resolve(root);
  const target = join(base, ...localParts(remotePath));
  if (!target.startsWith(base + sep)) {
    throw new FtpUsageError(
      `Refusing to save ${JSON.stringify(remotePath)}: it resolves outside "${base}"`,
    );
  }
  return target;
}

let tempCounter = 0;

/**
 * Writes `body` to `target` through a temporary file beside it, then renames it into
 * place; sets the modification time when given. Returns the bytes written. On failure
 * the temporary file is removed and the error rethrown.
 */
export async function saveBody(
  body: AsyncIterable<Uint8Array>,
  target: string,
  modified?: Date,
): Promise<number> {
  await mkdir(dirname(target), { recursive: true });
  const temp = `${target}.ftpkit-${process.pid}-${++tempCounter}.part`;
  const handle = await open(temp, "w");
  let bytes = 0;
  try {
    try {
      // One write at a time: a slow disk slows the download instead of filling memory.
      for await (const chunk of body) {
        await handle.write(chunk);
        bytes += chunk.length;
      }
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  if (modified !== undefined && !Number.isNaN(modified.getTime()))
    await utimes(target, modified, modified);
  return bytes;
}

/** Size and modification time of a local file, or undefined when there is none. */
export async function localFile(
  path: string,
): Promise<{ size: number; modified: Date } | undefined> {
  try {
    const s = await stat(path);
    return s.isFile() ? { size: s.size, modified: s.mtime } : undefined;
  } catch {
    return undefined;
  }
}
