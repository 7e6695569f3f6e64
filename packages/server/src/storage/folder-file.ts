/**
 * The bytes of a local file opened for a download, read in chunks sized from the size
 * `fstat` gave: a 16 KiB file takes one read (into a buffer one byte larger than what is
 * left, so that a short read tells the end) instead of a 64 KiB buffer and a second
 * read that returns nothing. The first read starts at once, while the reply and the
 * data connection are being dealt with; each next one while the chunk before is sent;
 * and the file is closed while its last chunk is sent. Plain descriptors; every path that
 * opens one closes it.
 *
 * A chunk is read on the event loop while the server's file opener reads inline (its
 * reads have been fast: it times these too), else through the thread pool with the
 * callback API of `node:fs` (a third less CPU per call than `FileHandle`, measured). From
 * the page cache the thread pool's two wake-ups cost more than the read: a 256 MB file
 * in MODE B took a third less server CPU inline (210 against 310 ms) and went at
 * 1330–1470 instead of 880–890 MB/s (1570–1610 with buffers not zeroed).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { close, fstat, open, read, type Stats } from "node:fs";
import type { FileOpener } from "./file-opener.ts";
import type { OpenedFile } from "./open-for-read.ts";
import type { StorageEntry } from "./types.ts";

/** The largest chunk read at once. */
export const READ_CHUNK: number = 64 * 1024;

/** Opens `path` with `flags`; resolves with the descriptor. */
export function openDescriptor(path: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) => {
    open(path, flags, (error, fd) => (error ? reject(error) : resolve(fd)));
  });
}

/** `fstat` of a descriptor. */
export function statDescriptor(fd: number): Promise<Stats> {
  return new Promise((resolve, reject) => {
    fstat(fd, (error, stats) => (error ? reject(error) : resolve(stats)));
  });
}

/** Closes a descriptor; a failure to close a file only read is of no consequence. */
export function closeDescriptor(fd: number): Promise<void> {
  return new Promise((resolve) => {
    close(fd, () => resolve());
  });
}

function readDescriptor(fd: number, buffer: Uint8Array, position: number): Promise<number> {
  return new Promise((resolve, reject) => {
    read(fd, buffer, 0, buffer.length, position, (error, bytesRead) =>
      error ? reject(error) : resolve(bytesRead),
    );
  });
}

/** A chunk read from a file. */
export interface ReadResult {
  chunk: Uint8Array;
  /** Nothing follows it. */
  last: boolean;
}

/**
 * How many bytes to read at `position` of a file `size` bytes long (as `fstat` said):
 * what is left plus one, so that a read that comes back short ends the file without one
 * more read; a full chunk past the size (the file grew).
 */
export function readLength(position: number, size: number): number {
  return position <= size ? Math.min(READ_CHUNK, size - position + 1) : READ_CHUNK;
}

/** An open local file, read from an offset on. */
export class FolderFile implements OpenedFile {
  readonly entry: StorageEntry;
  readonly #fd: number;
  readonly #size: number;
  #position: number;
  #pending: Promise<ReadResult> | undefined;
  #taken = false;
  #closing: Promise<void> | undefined;
  readonly #opener: FileOpener | undefined;

  /**
   * Takes over `fd`: it is closed by the end of the chunks or by `release`. `opener`:
   * the server's file opener, which says whether chunks are read inline.
   */
  constructor(fd: number, entry: StorageEntry, offset: number, opener?: FileOpener) {
    this.#fd = fd;
    this.#opener = opener;
    this.entry = entry;
    this.#size = entry.size;
    this.#position = offset;
    this.#pending = this.#read();
    // A failure surfaces when the chunks are read; a released file never asks.
    this.#pending.catch(() => {});
  }

  async #read(): Promise<ReadResult> {
    const length = readLength(this.#position, this.#size);
    // A fresh buffer per chunk: the consumer may keep the view it was given. Not zeroed
    // (that cost a fifth of a 64 KiB chunk's time): only the bytes read are handed out.
    const memory = Buffer.allocUnsafeSlow(length);
    const buffer = new Uint8Array(memory.buffer, memory.byteOffset, length);
    const bytesRead =
      this.#opener?.readChunkNow(this.#fd, buffer, this.#position) ??
      (await readDescriptor(this.#fd, buffer, this.#position));
    this.#position += bytesRead;
    // A short read at or past the size is the end for a regular file (POSIX read(2));
    // one short of the size (the file shrank, or a file system that reads less) reads on.
    const last = bytesRead === 0 || (bytesRead < length && this.#position >= this.#size);
    return { chunk: buffer.subarray(0, bytesRead), last };
  }

  chunks(): AsyncIterable<Uint8Array> {
    if (this.#taken) throw new Error("The chunks of an opened file are read once");
    this.#taken = true;
    return this.#chunks();
  }

  async *#chunks(): AsyncIterable<Uint8Array> {
    try {
      for (;;) {
        this.#pending ??= this.#read();
        const { chunk, last } = await this.#pending;
        this.#pending = undefined;
        if (last) {
          // Closing runs while the last chunk goes out; the end waits for it below.
          void this.release();
          if (chunk.length > 0) yield chunk;
          return;
        }
        // The next read runs while this chunk goes out.
        this.#pending = this.#read();
        this.#pending.catch(() => {});
        yield chunk;
      }
    } finally {
      await this.release();
    }
  }

  release(): Promise<void> {
    this.#closing ??= (async () => {
      // Never close under a read in flight: the descriptor could be reused meanwhile.
      await this.#pending?.catch(() => {});
      this.#pending = undefined;
      await closeDescriptor(this.#fd);
    })();
    return this.#closing;
  }
}
