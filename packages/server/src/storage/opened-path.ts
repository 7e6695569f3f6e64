/**
 * Where an open file really is, asked of the kernel: on Linux the link
 * `/proc/self/fd/N` names the file descriptor N refers to, every symlink resolved, as
 * of the call. Checking the opened file itself (rather than its path before opening)
 * leaves no gap for a symlink swapped in between. Uses `node:fs`.
 *
 * @module
 */

import { constants } from "node:fs";
import { type FileHandle, open, readlink, stat } from "node:fs/promises";

/** The path of the file `handle` has open (only where {@link canAskOpenedPaths} said so). */
export function openedPath(handle: FileHandle): Promise<string> {
  return readlink(`/proc/self/fd/${handle.fd}`);
}

/**
 * True when `/proc/self/fd` describes this runtime's descriptors: opening `directory`
 * (a resolved path) must give a descriptor whose link is that path and which is the
 * same file. False where there is no `/proc` (macOS, Windows) or a runtime's `fd` is
 * not the kernel's.
 */
export async function canAskOpenedPaths(directory: string): Promise<boolean> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(directory, constants.O_RDONLY);
    const link = `/proc/self/fd/${handle.fd}`;
    const [seen, own, linked] = await Promise.all([readlink(link), handle.stat(), stat(link)]);
    return seen === directory && own.dev === linked.dev && own.ino === linked.ino;
  } catch {
    return false;
  } finally {
    await handle?.close().catch(() => {});
  }
}
