/**
 * A storage over a local folder, confined to it: no path, `..`, absolute path or
 * symlink ever reaches a file outside the root. Uses `node:fs`, which Node, Deno and
 * Bun all implement.
 *
 * @module
 */

import { constants, type Stats } from "node:fs";
import {
  lstat,
  mkdir,
  open,
  readdir,
  readlink,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
  utimes,
} from "node:fs/promises";
import { join, sep } from "node:path";
import { baseName, parentPath, resolvePath } from "../virtual-path.ts";
import type { FileOpener, WorkerAnswer } from "./file-opener.ts";
import { closeDescriptor, FolderFile, openDescriptor, statDescriptor } from "./folder-file.ts";
import {
  OPEN_FOR_READ,
  OPEN_NOW,
  type OpenedFile,
  type OpenNow,
  type OpensForRead,
  openedWhole,
} from "./open-for-read.ts";
import { openAskableDirectory, openedPath, pathInDirectory } from "./opened-path.ts";
import {
  type Storage,
  type StorageEntry,
  StorageError,
  type StorageWriteOptions,
  type StorageWriter,
} from "./types.ts";

const READ_CHUNK = 64 * 1024;
/** Directories remembered as free of symlinks; past this many the memory starts afresh. */
const MAX_PLAIN_DIRECTORIES = 4096;
// O_NONBLOCK: opening a FIFO must not block a thread of the pool (it is then refused as
// not a plain file, and the `read` way deals with it as before). Windows has neither flag,
// nor /proc, so it never takes the way that needs them.
const OPEN_PLAIN = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);
const OPEN_PLAIN_NOFOLLOW = OPEN_PLAIN | (constants.O_NOFOLLOW ?? 0);

function errorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

function storageError(error: unknown, path: string): StorageError {
  if (error instanceof StorageError) return error;
  const code = errorCode(error);
  const options = { cause: error };
  switch (code) {
    case "ENOENT":
      return new StorageError(`No such file or directory: "${path}"`, "not-found", options);
    case "EEXIST":
      return new StorageError(`Already exists: "${path}"`, "exists", options);
    case "ENOTEMPTY":
      return new StorageError(`Directory not empty: "${path}"`, "not-empty", options);
    case "EISDIR":
      return new StorageError(`Is a directory: "${path}"`, "is-directory", options);
    case "ENOTDIR":
      return new StorageError(`Not a directory: "${path}"`, "not-directory", options);
    case "EACCES":
    case "EPERM":
      return new StorageError(`Permission denied: "${path}"`, "denied", options);
    default:
      return new StorageError(`Storage failed on "${path}": ${String(error)}`, "other", options);
  }
}

function entryOf(name: string, s: Stats, target?: string): StorageEntry {
  const kind = s.isDirectory() ? "directory" : s.isSymbolicLink() ? "symlink" : "file";
  const entry: StorageEntry = {
    name,
    kind,
    size: kind === "directory" ? 0 : s.size,
    modified: s.mtime,
    mode: s.mode & 0o7777,
  };
  if (target !== undefined) entry.target = target;
  return entry;
}

class FolderWriter implements StorageWriter {
  readonly #handle: Awaited<ReturnType<typeof open>>;
  #position: number | null;
  #done = false;

  constructor(handle: Awaited<ReturnType<typeof open>>, position: number | null) {
    this.#handle = handle;
    this.#position = position;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#done) throw new StorageError("Write after the upload ended", "other");
    let at = 0;
    while (at < chunk.byteLength) {
      const { bytesWritten } = await this.#handle.write(
        chunk,
        at,
        chunk.byteLength - at,
        this.#position,
      );
      at += bytesWritten;
      if (this.#position !== null) this.#position += bytesWritten;
    }
  }

  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    await this.#handle.close();
  }

  async abort(): Promise<void> {
    await this.close();
  }
}

/** Where the normalised session path `normal` is under the resolved root. */
function localPath(rootReal: string, normal: string): string {
  // No join needed where the separator is "/" (and the root is not "/").
  return sep === "/" && rootReal !== "/"
    ? rootReal + normal
    : join(rootReal, ...normal.split("/").filter(Boolean));
}

/**
 * The file the opener read whole (closed already) or left open for us (read on from
 * `offset`, through `opener`); undefined for its other answers.
 */
function openedBy(
  name: string,
  answer: NonNullable<WorkerAnswer>,
  offset: number,
  opener: FileOpener,
): OpenedFile | undefined {
  if (answer.kind === "open") {
    return new FolderFile(answer.fd, entryOf(name, answer.stats), offset, opener);
  }
  if (answer.kind !== "whole") return undefined;
  const entry: StorageEntry = {
    name,
    kind: "file",
    size: answer.size,
    modified: new Date(answer.mtimeMs),
    mode: answer.mode & 0o7777,
  };
  return openedWhole({ entry, chunk: answer.chunk });
}

/** Closes a storage's root descriptor once the storage is gone (it has no close of its own). */
const rootDescriptors = new FinalizationRegistry<number>((fd) => {
  closeDescriptor(fd).catch(() => {
    // Nothing is left to tell.
  });
});

/**
 * How the opener reaches the file at session path `normal`: a file directly in the root
 * by its name in the root's descriptor, confined by how the path is written (no check
 * needed: `within` undefined); any other by its local path, checked to lie within
 * `rootReal` once opened.
 */
function readWay(
  rootFd: number,
  rootReal: string,
  normal: string,
): [path: string, within: string | undefined] {
  return parentPath(normal) === "/"
    ? [pathInDirectory(rootFd, baseName(normal)), undefined]
    : [localPath(rootReal, normal), rootReal];
}

class FolderStorage implements Storage, OpensForRead {
  readonly #root: string;
  #realRoot: Promise<string> | undefined;
  /** What {@link #realRoot} resolved to, once it did. */
  #realRootNow: string | undefined;
  /**
   * The root, kept open once `/proc/self/fd` is known to describe descriptors (Linux);
   * undefined where it does not. Files directly in the root are opened through it.
   */
  #rootDescriptor: Promise<number | undefined> | undefined;
  /** What {@link #rootDescriptor} resolved to, once it did. */
  #rootDescriptorNow: number | undefined;
  /** Session paths of directories whose local path had no symlink on the way. */
  readonly #plainDirectories = new Set<string>();

  constructor(root: string) {
    this.#root = root;
  }

  #rootReal(): Promise<string> {
    this.#realRoot ??= realpath(this.#root).then(
      (real) => {
        this.#realRootNow = real;
        return real;
      },
      (error: unknown) => {
        this.#realRoot = undefined;
        throw storageError(error, this.#root);
      },
    );
    return this.#realRoot;
  }

  #inside(rootReal: string, real: string): boolean {
    return real === rootReal || real.startsWith(rootReal.endsWith(sep) ? rootReal : rootReal + sep);
  }

  /** The local path of `path`; every symlink on the way must stay inside the root. */
  async #local(path: string): Promise<string> {
    const normal = resolvePath("/", path);
    const rootReal = await this.#rootReal();
    const local = join(rootReal, ...normal.split("/").filter(Boolean));
    let real: string;
    try {
      real = await realpath(local);
    } catch (error) {
      if (errorCode(error) !== "ENOENT") throw storageError(error, path);
      // Not there (yet): its nearest existing ancestor must be inside the root.
      const names = normal.split("/").filter(Boolean);
      names.pop();
      const parent = names.length === 0 ? rootReal : join(rootReal, ...names);
      let parentReal: string;
      try {
        parentReal = await realpath(parent);
      } catch (inner) {
        throw storageError(inner, path);
      }
      if (!this.#inside(rootReal, parentReal)) {
        throw new StorageError(`Permission denied: "${path}" leads outside the root`, "denied");
      }
      return local;
    }
    if (!this.#inside(rootReal, real)) {
      throw new StorageError(`Permission denied: "${path}" leads outside the root`, "denied");
    }
    return local;
  }

  async stat(path: string): Promise<StorageEntry | undefined> {
    try {
      const local = await this.#local(path);
      const name = path.slice(path.lastIndexOf("/") + 1);
      return entryOf(name, await stat(local));
    } catch (error) {
      const e = storageError(error, path);
      if (e.reason === "not-found" || e.reason === "not-directory") return undefined;
      throw e;
    }
  }

  async list(path: string): Promise<StorageEntry[]> {
    const local = await this.#local(path);
    const rootReal = await this.#rootReal();
    let names: string[];
    try {
      names = await readdir(local);
    } catch (error) {
      throw storageError(error, path);
    }
    names.sort();
    const entries: StorageEntry[] = [];
    for (const name of names) {
      const child = join(local, name);
      try {
        const l = await lstat(child);
        if (!l.isSymbolicLink()) {
          entries.push(entryOf(name, l));
          continue;
        }
        const target = await readlink(child);
        // A link that leads inside the root is listed as what it points at, with its
        // target shown; one that leads outside is listed as a bare link.
        let real: string | undefined;
        try {
          real = await realpath(child);
        } catch {
          real = undefined;
        }
        if (real !== undefined && this.#inside(rootReal, real)) {
          const s = await stat(child);
          entries.push({ ...entryOf(name, s), kind: s.isDirectory() ? "directory" : "file" });
        } else {
          entries.push(entryOf(name, l, target));
        }
      } catch {
        // Vanished between readdir and stat: leave it out.
      }
    }
    return entries;
  }

  async *read(path: string, offset = 0): AsyncIterable<Uint8Array> {
    const local = await this.#local(path);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      const s = await stat(local);
      if (s.isDirectory()) throw new StorageError(`Is a directory: "${path}"`, "is-directory");
      handle = await open(local, constants.O_RDONLY);
    } catch (error) {
      throw storageError(error, path);
    }
    try {
      let position = offset;
      for (;;) {
        // A fresh buffer per chunk: the consumer may keep the view it was given.
        const buffer = new Uint8Array(READ_CHUNK);
        const { bytesRead } = await handle.read(buffer, 0, READ_CHUNK, position);
        if (bytesRead === 0) return;
        position += bytesRead;
        yield buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }

  /**
   * RETR's way in: the file opened, its entry from `fstat`, its first chunk on the way.
   * Confinement is checked on the opened file itself where the kernel tells which file a
   * descriptor is (Linux `/proc/self/fd`): race-free, and one `readlink` instead of a
   * `realpath` walk before the open. The path opened then is the session path under the
   * root as it is, with O_NOFOLLOW on the last name, and only in a directory last seen
   * without a symlink on the way (remembered), so that in the normal case nothing outside
   * the root is even opened; a directory swapped for a symlink later is caught by the
   * check on the opened file, and forgotten. A file directly in the root is opened by its
   * name in the root's descriptor, kept open (`openat` without the call: see
   * `pathInDirectory`): with O_NOFOLLOW it cannot be anywhere else, so it needs no check
   * at all, one system call less. Elsewhere the path is checked before the open, as
   * `read` does. Anything unusual (missing, a directory, a symlink, not inside)
   * resolves undefined and RETR goes the `stat` and `read` way, which tells why.
   */
  async [OPEN_FOR_READ](
    path: string,
    offset: number,
    opener?: FileOpener,
  ): Promise<OpenedFile | undefined> {
    try {
      const normal = resolvePath("/", path);
      if (normal === "/") return undefined;
      const rootReal = await this.#rootReal();
      const local = localPath(rootReal, normal);
      const name = baseName(normal);
      this.#rootDescriptor ??= openAskableDirectory(rootReal).then((fd) => {
        if (fd !== undefined) {
          this.#rootDescriptorNow = fd;
          rootDescriptors.register(this, fd);
        }
        return fd;
      });
      const rootFd = await this.#rootDescriptor;
      if (rootFd !== undefined && (await this.#plainDirectory(normal, rootReal))) {
        const [readPath, within] = readWay(rootFd, rootReal, normal);
        const answer = await opener?.read(readPath, OPEN_PLAIN_NOFOLLOW, within, offset);
        const opened = answer === undefined ? undefined : openedBy(name, answer, offset, opener!);
        if (opened !== undefined) return opened;
        if (answer?.kind === "refused") {
          if (answer.outside) this.#plainDirectories.delete(parentPath(normal));
          return undefined;
        }
        return await this.#openVerified(local, name, normal, rootReal, offset, opener);
      }
      const checked = await this.#local(path);
      return await this.#openFile(checked, name, OPEN_PLAIN, offset, undefined, opener);
    } catch {
      return undefined;
    }
  }

  /** Once the root is resolved and kept open (Linux): see `OpensForRead`. */
  get [OPEN_NOW](): OpenNow | undefined {
    // The descriptor is opened only after the root was resolved.
    return this.#rootDescriptorNow !== undefined ? this.#openNow : undefined;
  }

  /**
   * The `OPEN_FOR_READ` way with the file's directory known and the opener reading
   * inline: no wait at all. Anything else is left to that way, even a file refused for
   * lying outside the root (it forgets the directory, and answers).
   */
  readonly #openNow = (path: string, opener: FileOpener): OpenedFile | undefined => {
    const rootReal = this.#realRootNow!;
    const rootFd = this.#rootDescriptorNow!;
    let normal: string;
    try {
      normal = resolvePath("/", path);
    } catch {
      return undefined;
    }
    if (normal === "/" || !this.#plainDirectories.has(parentPath(normal))) return undefined;
    const [readPath, within] = readWay(rootFd, rootReal, normal);
    const answer = opener.readNow(readPath, OPEN_PLAIN_NOFOLLOW, within, 0);
    return answer === undefined ? undefined : openedBy(baseName(normal), answer, 0, opener);
  };

  /** True when the directory of `normal` is inside the root with no symlink on the way. */
  async #plainDirectory(normal: string, rootReal: string): Promise<boolean> {
    const directory = parentPath(normal);
    if (this.#plainDirectories.has(directory)) return true;
    const local = join(rootReal, ...directory.split("/").filter(Boolean));
    let real: string;
    try {
      real = await realpath(local);
    } catch {
      return false;
    }
    if (real !== local) return false;
    if (this.#plainDirectories.size >= MAX_PLAIN_DIRECTORIES) this.#plainDirectories.clear();
    this.#plainDirectories.add(directory);
    return true;
  }

  /** Opens `local` (no symlink followed last) and checks the opened file lies inside the root. */
  async #openVerified(
    local: string,
    name: string,
    normal: string,
    rootReal: string,
    offset: number,
    opener: FileOpener | undefined,
  ): Promise<OpenedFile | undefined> {
    const verify = (fd: number): boolean => {
      if (this.#inside(rootReal, openedPath(fd))) return true;
      this.#plainDirectories.delete(parentPath(normal));
      return false;
    };
    return this.#openFile(local, name, OPEN_PLAIN_NOFOLLOW, offset, verify, opener);
  }

  /** Opens a plain file; `verify` must agree before it is used. */
  async #openFile(
    local: string,
    name: string,
    flags: number,
    offset: number,
    verify: ((fd: number) => boolean) | undefined,
    opener: FileOpener | undefined,
  ): Promise<OpenedFile | undefined> {
    const fd = await openDescriptor(local, flags);
    try {
      if (verify === undefined || verify(fd)) {
        const s = await statDescriptor(fd);
        if (s.isFile()) return new FolderFile(fd, entryOf(name, s), offset, opener);
      }
    } catch {
      // Refused below like any other surprise.
    }
    await closeDescriptor(fd);
    return undefined;
  }

  async write(path: string, options: StorageWriteOptions = {}): Promise<StorageWriter> {
    const local = await this.#local(path);
    try {
      const existing = await stat(local).catch(() => undefined);
      if (existing?.isDirectory())
        throw new StorageError(`Is a directory: "${path}"`, "is-directory");
      if (options.append) return new FolderWriter(await open(local, "a"), null);
      if (options.offset !== undefined && options.offset > 0) {
        const handle = await open(local, existing === undefined ? "w" : "r+");
        await handle.truncate(options.offset);
        return new FolderWriter(handle, options.offset);
      }
      return new FolderWriter(await open(local, "w"), 0);
    } catch (error) {
      throw storageError(error, path);
    }
  }

  async makeDirectory(path: string): Promise<void> {
    const local = await this.#local(path);
    try {
      await mkdir(local);
    } catch (error) {
      throw storageError(error, path);
    }
  }

  async removeDirectory(path: string): Promise<void> {
    if (resolvePath("/", path) === "/") {
      throw new StorageError("Cannot remove the root directory", "denied");
    }
    const local = await this.#local(path);
    try {
      await rmdir(local);
    } catch (error) {
      throw storageError(error, path);
    }
  }

  async remove(path: string): Promise<void> {
    const local = await this.#local(path);
    try {
      const s = await lstat(local);
      if (s.isDirectory()) throw new StorageError(`Is a directory: "${path}"`, "is-directory");
      await rm(local);
    } catch (error) {
      throw storageError(error, path);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    if (resolvePath("/", from) === "/") throw new StorageError("Cannot rename the root", "denied");
    const source = await this.#local(from);
    const target = await this.#local(to);
    try {
      await rename(source, target);
    } catch (error) {
      throw storageError(error, `${from}" -> "${to}`);
    }
  }

  async setModified(path: string, modified: Date): Promise<void> {
    const local = await this.#local(path);
    try {
      await utimes(local, modified, modified);
    } catch (error) {
      throw storageError(error, path);
    }
  }
}

/**
 * A storage over the local folder `root`. Paths are confined to it: `..` stops at the
 * root, and a symlink whose target lies outside the root is refused (`denied`).
 *
 * @example
 * ```ts
 * const server = createServer({ sockets: nodeSockets(), storage: folderStorage("/srv/ftp") });
 * ```
 */
export function folderStorage(root: string): Storage {
  return new FolderStorage(root);
}
