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

/** The path of the file `fd` has open (only where {@link openAskableDirectory} could open one). */
export function openedPath(fd: number): string {
  return readlinkSync(`/proc/self/fd/${fd}`);
}

/**
 * The path that names `name` in the directory `fd` has open, looked up there as
 * `openat(fd, name)` would: `/proc/self/fd/N` leads to the directory itself, whatever
 * it is called now. Opened with O_NOFOLLOW, a plain `name` (no `/`, not `.` or `..`)
 * can only be an entry of that directory: no symlink is followed on the way, so a file
 * found so needs no check of where it is.
 */
export function pathInDirectory(fd: number, name: string): string {
  return `/proc/self/fd/${fd}/${name}`;
}

/**
 * Opens `directory` (a resolved path) and keeps it open when `/proc/self/fd` describes
 * this runtime's descriptors: the descriptor's link must be that path and lead to the
 * same file. Undefined (nothing left open) where there is no `/proc` (macOS, Windows)
 * or a runtime's `fd` is not the kernel's.
 */
export async function openAskableDirectory(directory: string): Promise<number | undefined> {
  let fd: number | undefined;
  try {
    fd = await openDescriptor(directory, constants.O_RDONLY | (constants.O_DIRECTORY ?? 0));
    const link = `/proc/self/fd/${fd}`;
    const [own, linked] = await Promise.all([statDescriptor(fd), stat(link)]);
    if (openedPath(fd) === directory && own.dev === linked.dev && own.ino === linked.ino) {
      const kept = fd;
      fd = undefined;
      return kept;
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) await closeDescriptor(fd);
  }
}
