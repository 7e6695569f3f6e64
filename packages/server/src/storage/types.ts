/**
 * The storage a server serves: an interface with two implementations, in memory
 * ({@link memoryStorage}) and a local folder confined to its root ({@link folderStorage}).
 *
 * Every path handed to a `Storage` is already resolved by the session: absolute,
 * normalised (`/`, `/a`, `/a/b`), without `.`, `..`, empty segments or NUL. A storage
 * must still never reach outside its own root whatever it is given.
 *
 * @module
 */

import { FtpError } from "@ftpkit/errors";

/** What a listing or a stat knows about one entry. */
export interface StorageEntry {
  /** The last path segment (`""` for the root). */
  name: string;
  kind: "file" | "directory" | "symlink";
  /** Bytes, for files; 0 for directories. */
  size: number;
  /** Last modification time. */
  modified: Date;
  /** Unix permission bits (`0o644`), used by LIST and MLSx `unix.mode`. */
  mode: number;
  /** Where a symlink points, as stored (LIST shows `name -> target`). */
  target?: string;
}

/** Where a write starts. */
export interface StorageWriteOptions {
  /** Start writing at this byte offset (REST then STOR); the file is cut there first. */
  offset?: number;
  /** Append to the end of an existing file (APPE). */
  append?: boolean;
}

/** An open upload. `close()` or `abort()` ends it; both keep the bytes written so far. */
export interface StorageWriter {
  /** Writes bytes at the current position; resolves when the storage accepted them. */
  write(chunk: Uint8Array): Promise<void>;
  /** Finishes the file. */
  close(): Promise<void>;
  /** Stops the write after a failure; what was written stays (a client may resume). */
  abort(): Promise<void>;
}

/**
 * A file tree. Every method rejects with a {@link StorageError} whose `reason` the
 * session turns into the FTP reply (`not-found` → 550, `exists` → 550, `denied` → 550,
 * `not-empty` → 550, `is-directory`/`not-directory` → 550).
 */
export interface Storage {
  /** The entry at `path`, or `undefined` when nothing is there. */
  stat(path: string): Promise<StorageEntry | undefined>;
  /** The entries of the directory at `path`, sorted by name. */
  list(path: string): Promise<StorageEntry[]>;
  /** The bytes of the file at `path` from `offset` on, in chunks. */
  read(path: string, offset?: number): AsyncIterable<Uint8Array>;
  /** Opens the file at `path` for writing (created, truncated, cut at `offset` or appended). */
  write(path: string, options?: StorageWriteOptions): Promise<StorageWriter>;
  /** Creates the directory at `path`; its parent must exist. */
  makeDirectory(path: string): Promise<void>;
  /** Removes the empty directory at `path`. */
  removeDirectory(path: string): Promise<void>;
  /** Removes the file at `path`. */
  remove(path: string): Promise<void>;
  /** Renames (moves) `from` to `to`; `to` must not exist as a directory. */
  rename(from: string, to: string): Promise<void>;
  /** Sets the modification time (MFMT). */
  setModified(path: string, modified: Date): Promise<void>;
}

/** Why a storage operation failed. */
export type StorageErrorReason =
  | "not-found"
  | "exists"
  | "denied"
  | "not-empty"
  | "is-directory"
  | "not-directory"
  | "other";

/**
 * A storage operation failed. The message names the path; `reason` tells the session
 * which reply to send.
 *
 * @example
 * ```ts
 * throw new StorageError(`No such file: "${path}"`, "not-found");
 * ```
 */
export class StorageError extends FtpError {
  static override readonly errorName: string = "StorageError";
  /** Why it failed. */
  readonly reason: StorageErrorReason;

  constructor(message: string, reason: StorageErrorReason, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
}
