/**
 * Opening a file for a download in one step, ahead of its bytes: what RETR needs to
 * answer (the entry), the open handle, and its first chunk on the way. Storages that can
 * do this cheaply implement {@link OPEN_FOR_READ} (the folder storage does); for the
 * others RETR keeps to `stat` then `read`. Not part of the public `Storage` interface.
 *
 * @module
 */

import type { FileOpener } from "./file-opener.ts";
import type { Storage, StorageEntry } from "./types.ts";

/** A file opened for reading, not read yet. */
export interface OpenedFile {
  /** What a `stat` of the path says; always a plain file. */
  readonly entry: StorageEntry;
  /**
   * The bytes from the offset it was opened at; may be taken once. Closes the file at
   * its end. A file read whole already gives its one chunk as a plain array.
   */
  chunks(): AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  /** Closes the file if its chunks were not read to the end. Idempotent. */
  release(): Promise<void>;
  /** The file, when it was read whole already (nothing to close). */
  readonly whole?: WholeFile;
}

/** A small file read whole (see {@link OpenedFile.whole}). */
export interface WholeFile {
  /** What a `stat` of the path says; always a plain file. */
  readonly entry: StorageEntry;
  /** All its bytes. */
  readonly chunk: Uint8Array;
}

/** The method a storage implements to open files for reading in one step. */
export const OPEN_FOR_READ: unique symbol = Symbol("ftpkit.openForRead");

/** What a storage has to open files for reading without a wait. */
export const OPEN_NOW: unique symbol = Symbol("ftpkit.openNow");

/** A storage that opens files for reading in one step. */
export interface OpensForRead {
  /**
   * Opens the plain file at `path` for reading from `offset`, or resolves undefined when
   * it cannot do so directly (missing, a directory, a symlink, any failure): the caller
   * then goes the `stat` and `read` way, which tells why. Never rejects. `opener`: the
   * server's worker for opening files, where the storage can use it.
   */
  [OPEN_FOR_READ](
    path: string,
    offset: number,
    opener?: FileOpener,
  ): Promise<OpenedFile | undefined>;

  /**
   * Present while the storage can open files without a wait (what it needs to know
   * about its root is known): what {@link OPEN_FOR_READ} gives for the plain file at
   * `path` from its start (a small file read whole: `whole` set), synchronously, when
   * that needs no wait (`opener` reading on the calling thread, the file's directory
   * known); undefined otherwise, nothing changed: the caller then goes the
   * `OPEN_FOR_READ` way, which tells why.
   */
  readonly [OPEN_NOW]?: OpenNow | undefined;
}

/** See {@link OpensForRead}'s `OPEN_NOW`. */
export type OpenNow = (path: string, opener: FileOpener) => OpenedFile | undefined;

/** True when `storage` opens files for reading in one step. */
export function opensForRead(storage: Storage): storage is Storage & OpensForRead {
  return typeof (storage as Partial<OpensForRead>)[OPEN_FOR_READ] === "function";
}

/** A file read whole, as an opened file (nothing to close). */
export function openedWhole(file: WholeFile): OpenedFile {
  return {
    entry: file.entry,
    chunks: () => (file.chunk.length > 0 ? [file.chunk] : []),
    release: () => Promise.resolve(),
    whole: file,
  };
}
