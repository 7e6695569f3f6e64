/**
 * Where an open file really is, asked of the kernel: on Linux the link
 * `/proc/self/fd/N` names the file descriptor N refers to, every symlink resolved, as
 * of the call. Checking the opened file itself (rather than its path before opening)
 * leaves no gap for a symlink swapped in between. Reading that link never touches a
 * disk (procfs answers from the kernel's own tables), so it is done synchronously: one
 * system call instead of a trip through the thread pool. Uses `node:fs`.
 *
 * @module
 */

import { constants, readlinkSync } from "node:fs";
import { stat } from "node:fs/promises";
import { closeDescriptor, openDescriptor, statDescriptor } from "./folder-file.ts";

/** The path of the file `fd` has open (only where {@link canAskOpenedPaths} said so). */
export function openedPath(fd: number): string {
  return readlinkSync(`/proc/self/fd/${fd}`);
}

/**
 * True when `/proc/self/fd` describes this runtime's descriptors: opening `directory`
 * (a resolved path) must give a descriptor whose link is that path and which is the
 * same file. False where there is no `/proc` (macOS, Windows) or a runtime's `fd` is
 * not the kernel's.
 */
export async function canAskOpenedPaths(directory: string): Promise<boolean> {
  let fd: number | undefined;
  try {
    fd = await openDescriptor(directory, constants.O_RDONLY);
    const link = `/proc/self/fd/${fd}`;
    const [own, linked] = await Promise.all([statDescriptor(fd), stat(link)]);
    return openedPath(fd) === directory && own.dev === linked.dev && own.ino === linked.ino;
  } catch {
    return false;
  } finally {
    if (fd !== undefined) await closeDescriptor(fd);
  }
}
