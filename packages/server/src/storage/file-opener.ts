/**
 * Reading small files for downloads with the plain synchronous `node:fs` calls: on the
 * event loop itself while that is fast, else on a worker thread of the server's own, a
 * batch of files per message. Each call through the thread pool of `node:fs/promises`
 * costs two thread wake-ups (measured: 4 such calls a file, open, fstat, read and close,
 * took ~0.13 ms of CPU and 12 context switches a file on this machine). The synchronous
 * calls do the same work for a file in ~15 µs. On the event loop they also save the
 * messages to and from the worker, and the worker's need for a core of its own: with the
 * client and the event loop busy on a 2-core machine, the worker got one only when the
 * event loop waited for it (measured, 1000 files of 16 KiB in MODE B: 100 µs of server
 * CPU a file through the worker, 60 µs inline, and the transfer a quarter faster).
 *
 * Reading inline blocks the event loop for as long as the file system takes, which for
 * a small file in the page cache is a few microseconds. Every inline read is timed; when
 * their running average passes {@link INLINE_SLOW_MS} (disk seeks, a network file
 * system; one read held up by a pause of the process weighs little: it counts as four
 * slow ones at most), reads go to the worker for the next {@link INLINE_PAUSE_MS}: a slow
 * file system holds the event loop up for a few reads once in a while, not once a file.
 *
 * For each file the worker opens it (with the flags given, O_NOFOLLOW among them), asks
 * the kernel where the opened file really is (`/proc/self/fd/N`) and refuses it unless
 * that lies inside the root (a file directly in the root is opened by its name in the
 * root's descriptor instead, which needs no such check), fstats it (plain files only)
 * and, when what is left from the offset fits in one chunk, reads it whole. It always
 * closes what it opened: a descriptor is never handed from one thread to another (Node
 * closes a worker's descriptors when it exits; Deno's belong to the worker's own
 * resource table). Larger files it leaves to the caller's usual way; read inline, a larger file is left open
 * for the caller instead (its descriptor, checked: no second open).
 *
 * If the worker cannot be started, fails, or does not answer within
 * {@link OPENER_PATIENCE_MS}, requests resolve undefined and the caller opens the file
 * its usual way. Runs under Node, Deno and Bun (`node:worker_threads`, code evaluated
 * from a string so that it runs the same built or unbuilt).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { closeSync, fstatSync, openSync, readlinkSync, readSync, type Stats } from "node:fs";
import { sep } from "node:path";
import { Worker } from "node:worker_threads";
import { READ_CHUNK } from "./folder-file.ts";

/** How long a batch may take before the worker is bypassed (it is used again once it answers). */
export const OPENER_PATIENCE_MS = 2000;
/** Inline reads slower than this on average send reads to the worker for a while. */
export const INLINE_SLOW_MS = 1;
/** The weight of the latest inline read in their running average. */
const INLINE_WEIGHT = 1 / 8;
/** An inline read counts in the average as at most this many times {@link INLINE_SLOW_MS}. */
const INLINE_SAMPLE_CAP = 4;
/** How long reads go to the worker after a slow inline read. */
export const INLINE_PAUSE_MS = 10_000;

/** A file the worker read whole (from the offset asked for); it is closed. */
export interface ReadByWorker {
  kind: "whole";
  size: number;
  mtimeMs: number;
  mode: number;
  chunk: Uint8Array;
}

/**
 * What the worker did not read: `refused` (missing, a symlink, not a plain file; or
 * `outside` the root) or `large` (more than one chunk, on the worker: the caller opens it).
 */
export interface NotReadByWorker {
  kind: "refused" | "large";
  /** The opened file lay outside the root. */
  outside: boolean;
}

/**
 * A file larger than one chunk, opened and checked on the calling thread (inline reads
 * only: a descriptor never goes from one thread to another) and left open: the caller
 * owns `fd` and reads on from it.
 */
export interface OpenedInline {
  kind: "open";
  fd: number;
  stats: Stats;
}

/** The worker's answer; undefined when it did not answer (unavailable, failed, too slow). */
export type WorkerAnswer = ReadByWorker | OpenedInline | NotReadByWorker | undefined;

interface Request {
  id: number;
  path: string;
  flags: number;
  /**
   * The resolved root the opened file must lie in; undefined when `path` is confined by
   * how it is written (a name in the root's descriptor: see `pathInDirectory`).
   */
  root: string | undefined;
  offset: number;
}

interface Reply {
  id: number;
  kind: "whole" | "refused" | "large";
  outside: boolean;
  size: number;
  mtimeMs: number;
  mode: number;
  buffer: Uint8Array;
  length: number;
}

// The worker's code, CommonJS as `eval: true` wants it: the steps of `readWhole` below.
// As in folder-file.ts, it reads what is left plus one byte, so that a short read shows
// the end (a file that grew since the fstat is left to the caller).
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const sep = require("node:path").sep;
const CHUNK = ${READ_CHUNK};
function readOne(r) {
  let fd = -1;
  try {
    fd = fs.openSync(r.path, r.flags);
    if (r.root !== undefined) {
      const real = fs.readlinkSync("/proc/self/fd/" + fd);
      const prefix = r.root.endsWith(sep) ? r.root : r.root + sep;
      if (real !== r.root && !real.startsWith(prefix)) {
        return { id: r.id, kind: "refused", outside: true };
      }
    }
    const st = fs.fstatSync(fd);
    if (!st.isFile()) return { id: r.id, kind: "refused", outside: false };
    const length = r.offset <= st.size ? st.size - r.offset + 1 : 1;
    if (length > CHUNK) return { id: r.id, kind: "large", outside: false };
    const buffer = new Uint8Array(length);
    const n = fs.readSync(fd, buffer, 0, length, r.offset);
    if (n === length) return { id: r.id, kind: "large", outside: false };
    return { id: r.id, kind: "whole", outside: false, size: st.size, mtimeMs: st.mtimeMs,
      mode: st.mode, buffer, length: n };
  } catch {
    return { id: r.id, kind: "refused", outside: false };
  } finally {
    if (fd >= 0) { try { fs.closeSync(fd); } catch {} }
  }
}
parentPort.on("message", (batch) => {
  const out = [];
  const transfer = [];
  for (const r of batch) {
    const reply = readOne(r);
    out.push(reply);
    if (reply.kind === "whole") transfer.push(reply.buffer.buffer);
  }
  parentPort.postMessage(out, transfer);
});
`;

interface Waiting {
  resolve: (answer: WorkerAnswer) => void;
}

/** The buffer inline reads share (see {@link ReadSlab}). */
const SLAB_BYTES = 1024 * 1024;

/**
 * Inline reads go into consecutive slices of one buffer, a new one once it is used up:
 * one allocation for dozens of small files instead of one each. The buffer is not
 * zeroed (zeroing 1 MiB cost more than a file's read): only the bytes a read filled are
 * ever handed out. A slice is never handed out twice; the buffer is freed once no file's
 * bytes use it.
 */
class ReadSlab {
  #buffer: Uint8Array | undefined;
  #at = 0;

  /** Room for `length` bytes; {@link used} says how many were read into it. */
  room(length: number): Uint8Array {
    if (this.#buffer === undefined || this.#at + length > this.#buffer.length) {
      const memory = Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, length));
      this.#buffer = new Uint8Array(memory.buffer, memory.byteOffset, memory.byteLength);
      this.#at = 0;
    }
    return this.#buffer.subarray(this.#at, this.#at + length);
  }

  used(bytes: number): void {
    this.#at += bytes;
  }
}

const slab = new ReadSlab();

/**
 * What the worker does for one file, on the calling thread: opens it with `flags`,
 * checks that the opened file lies inside `root` (unless the path is confined as
 * written: `root` undefined), fstats it, and reads it whole from `offset` if that fits
 * in one chunk (then closes it); a larger file is left open for the caller (`open`).
 * Whatever else it opened is closed.
 */
function readWhole(
  path: string,
  flags: number,
  root: string | undefined,
  offset: number,
): WorkerAnswer {
  let fd = -1;
  try {
    fd = openSync(path, flags);
    if (root !== undefined) {
      const real = readlinkSync(`/proc/self/fd/${fd}`);
      const prefix = root.endsWith(sep) ? root : root + sep;
      if (real !== root && !real.startsWith(prefix)) return { kind: "refused", outside: true };
    }
    const st = fstatSync(fd);
    if (!st.isFile()) return { kind: "refused", outside: false };
    const length = offset <= st.size ? st.size - offset + 1 : 1;
    // Larger than a chunk, or grown since the fstat: read on from the open descriptor.
    const large = (): OpenedInline => {
      const opened: OpenedInline = { kind: "open", fd, stats: st };
      fd = -1;
      return opened;
    };
    if (length > READ_CHUNK) return large();
    const buffer = slab.room(length);
    const n = readSync(fd, buffer, 0, length, offset);
    if (n === length) return large();
    slab.used(n);
    return {
      kind: "whole",
      size: st.size,
      mtimeMs: st.mtimeMs,
      mode: st.mode,
      chunk: buffer.subarray(0, n),
    };
  } catch {
    return { kind: "refused", outside: false };
  } finally {
    if (fd >= 0) {
      try {
        closeSync(fd);
      } catch {
        // A failure to close a file only read is of no consequence.
      }
    }
  }
}

/** Options of a {@link FileOpener}. */
export interface FileOpenerOptions {
  /** Read on the event loop while that is fast (the default); false: always on the worker. */
  inline?: boolean;
}

/**
 * The server's file reader: inline while that is fast, else on its worker, started at
 * the first request that needs it. `close()` (the server closing) stops it; closing
 * twice is harmless.
 */
export class FileOpener {
  readonly #inline: boolean;
  /** Until then reads go to the worker: inline reads were slow. */
  #workerUntil = 0;
  /** The running average of inline read times (ms). */
  #inlineMs = 0;
  #worker: Worker | undefined;
  #broken = false;
  #closed = false;
  #nextId = 0;
  readonly #waiting = new Map<number, Waiting>();
  #batch: Request[] = [];
  #patience: ReturnType<typeof setTimeout> | undefined;
  /** Set while a batch is overdue: requests go the caller's usual way meanwhile. */
  #stalled = false;
  /** Called at the next answer (closing waits for the batch in flight). */
  #answered: (() => void) | undefined;

  constructor(options: FileOpenerOptions = {}) {
    this.#inline = options.inline ?? true;
  }

  /**
   * Opens the plain file at `path` (a local path) with `flags`, checks it lies inside
   * `root` (resolved; undefined: `path` is a name in the root's descriptor, confined as
   * written), and reads it whole from `offset` if that fits in one chunk (a larger one
   * read inline is left open: `open`, the caller owns its descriptor).
   * Undefined: the worker is unavailable, failed or was too slow, and the caller opens
   * the file its usual way.
   */
  read(
    path: string,
    flags: number,
    root: string | undefined,
    offset: number,
  ): Promise<WorkerAnswer> {
    if (this.#closed) return Promise.resolve(undefined);
    if (this.readsInline) return Promise.resolve(this.readNow(path, flags, root, offset));
    if (this.#broken || this.#stalled) return Promise.resolve(undefined);
    const worker = this.#start();
    if (worker === undefined) return Promise.resolve(undefined);
    const id = this.#nextId++;
    return new Promise((resolve) => {
      this.#waiting.set(id, { resolve });
      // Requests made in the same turn go in one message.
      if (this.#batch.length === 0) queueMicrotask(() => this.#send());
      this.#batch.push({ id, path, flags, root, offset });
    });
  }

  /** True while reads run on the calling thread (they have been fast). */
  get readsInline(): boolean {
    return this.#inline && !this.#closed && performance.now() >= this.#workerUntil;
  }

  /**
   * What {@link read} does while {@link readsInline}, synchronously; undefined (nothing
   * done) at other times.
   */
  readNow(path: string, flags: number, root: string | undefined, offset: number): WorkerAnswer {
    if (!this.readsInline) return undefined;
    return this.#timed(() => readWhole(path, flags, root, offset));
  }

  /**
   * Reads up to `buffer.length` bytes at `position` of the open `fd` on the calling
   * thread while {@link readsInline}, timed as the whole reads are (slow reads send
   * reads away for a while); undefined, nothing read, at other times: the caller reads
   * through the thread pool. A failed read throws.
   */
  readChunkNow(fd: number, buffer: Uint8Array, position: number): number | undefined {
    if (!this.readsInline) return undefined;
    return this.#timed(() => readSync(fd, buffer, 0, buffer.length, position));
  }

  /** Runs a read inline and feeds its time into the running average. */
  #timed<T>(read: () => T): T {
    const start = performance.now();
    try {
      return read();
    } finally {
      const end = performance.now();
      // One read held up by a pause of the process (a collection, the scheduler) counts
      // for no more than a few slow ones.
      const took = Math.min(end - start, INLINE_SAMPLE_CAP * INLINE_SLOW_MS);
      this.#inlineMs += (took - this.#inlineMs) * INLINE_WEIGHT;
      if (this.#inlineMs > INLINE_SLOW_MS) {
        this.#workerUntil = end + INLINE_PAUSE_MS;
        this.#inlineMs = 0;
      }
    }
  }

  #start(): Worker | undefined {
    if (this.#worker !== undefined) return this.#worker;
    try {
      const worker = new Worker(WORKER_SOURCE, { eval: true });
      worker.on("message", (replies: Reply[]) => this.#answer(replies));
      worker.on("error", () => this.#fail());
      worker.on("exit", () => this.#fail());
      this.#worker = worker;
      return worker;
    } catch {
      this.#broken = true;
      return undefined;
    }
  }

  #send(): void {
    const batch = this.#batch;
    this.#batch = [];
    if (batch.length === 0) return;
    if (this.#worker === undefined || this.#closed) {
      for (const r of batch) this.#settle(r.id, undefined);
      return;
    }
    this.#worker.postMessage(batch);
    this.#patience ??= setTimeout(() => this.#overdue(), OPENER_PATIENCE_MS);
  }

  #answer(replies: Reply[]): void {
    this.#stalled = false;
    clearTimeout(this.#patience);
    this.#patience = undefined;
    this.#answered?.();
    for (const r of replies) {
      const answer: WorkerAnswer = this.#closed
        ? undefined
        : r.kind === "whole"
          ? {
              kind: "whole",
              size: r.size,
              mtimeMs: r.mtimeMs,
              mode: r.mode,
              chunk: r.buffer.subarray(0, r.length),
            }
          : { kind: r.kind, outside: r.outside };
      // Answered after its caller gave up (overdue): the answer has nobody to go to.
      this.#settle(r.id, answer);
    }
    if (this.#waiting.size > 0) {
      this.#patience = setTimeout(() => this.#overdue(), OPENER_PATIENCE_MS);
    }
  }

  #settle(id: number, answer: WorkerAnswer): void {
    const waiting = this.#waiting.get(id);
    if (waiting === undefined) return;
    this.#waiting.delete(id);
    waiting.resolve(answer);
  }

  /** A slow file system holds the worker up: its callers go their usual way. */
  #overdue(): void {
    this.#patience = undefined;
    this.#stalled = true;
    for (const id of [...this.#waiting.keys()]) this.#settle(id, undefined);
  }

  #fail(): void {
    this.#broken = true;
    this.#worker = undefined;
    clearTimeout(this.#patience);
    this.#patience = undefined;
    for (const id of [...this.#waiting.keys()]) this.#settle(id, undefined);
  }

  /** Stops the worker, after the batch in flight (if it answers within the patience). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const worker = this.#worker;
    if (worker !== undefined && this.#waiting.size > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#answered = resolve;
        timer = setTimeout(resolve, OPENER_PATIENCE_MS);
      });
      clearTimeout(timer);
      this.#answered = undefined;
    }
    clearTimeout(this.#patience);
    this.#patience = undefined;
    this.#worker = undefined;
    for (const id of [...this.#waiting.keys()]) this.#settle(id, undefined);
    if (worker !== undefined) await worker.terminate().catch(() => {});
  }
}
