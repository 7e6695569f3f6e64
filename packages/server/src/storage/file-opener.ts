/**
 * Opening files for downloads on a worker thread of the server's own, with the plain
 * synchronous `node:fs` calls, a batch of files per message. Each call through the
 * thread pool of `node:fs/promises` costs two thread wake-ups (measured: 4 such calls a
 * file, open, fstat, read and close, took ~0.13 ms of CPU and 12 context switches a file
 * on this machine); the worker does the same work for a file in ~15 µs and answers a
 * whole batch with one message. The event loop itself never blocks on the file system.
 *
 * For each file the worker opens it (with the flags given, O_NOFOLLOW among them), asks
 * the kernel where the opened file really is (`/proc/self/fd/N`) and refuses it unless
 * that lies inside the root, fstats it (plain files only), reads its first chunk and,
 * when that was the whole file, closes it. The descriptor of a longer file is handed
 * over (descriptors belong to the process, not the thread) and read on by the caller.
 *
 * If the worker cannot be started, fails, or does not answer within
 * {@link OPENER_PATIENCE_MS}, requests resolve undefined and the caller opens the file
 * its usual way. Runs under Node, Deno and Bun (`node:worker_threads`, code evaluated
 * from a string so that it runs the same built or unbuilt).
 *
 * @module
 */

import { close } from "node:fs";
import { Worker } from "node:worker_threads";
import { READ_CHUNK } from "./folder-file.ts";

/** How long a batch may take before the worker is bypassed (it is used again once it answers). */
export const OPENER_PATIENCE_MS = 2000;

/** What the worker says about a file it did not open for the caller. */
export interface RefusedByWorker {
  fd?: undefined;
  /** The opened file lay outside the root (else: missing, a symlink, not a file, ...). */
  outside: boolean;
}

/** A file the worker opened. */
export interface OpenedByWorker {
  /** The descriptor, or -1 when the file was read whole and is closed already. */
  fd: number;
  size: number;
  mtimeMs: number;
  mode: number;
  /** The first chunk (from the offset asked for). */
  chunk: Uint8Array;
  /** True when nothing follows the first chunk. */
  last: boolean;
}

interface Request {
  id: number;
  path: string;
  flags: number;
  /** The resolved root the opened file must lie in. */
  root: string;
  offset: number;
}

interface Reply {
  id: number;
  ok: boolean;
  /** Refused: the opened file lies outside the root. */
  outside: boolean;
  fd: number;
  size: number;
  mtimeMs: number;
  mode: number;
  buffer: Uint8Array;
  length: number;
  last: boolean;
}

// The worker's code, CommonJS as `eval: true` wants it. The read length follows
// `readLength` in folder-file.ts: what is left plus one (a short read then ends the file).
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const sep = require("node:path").sep;
const CHUNK = ${READ_CHUNK};
function openOne(r) {
  let fd = -1;
  try {
    fd = fs.openSync(r.path, r.flags);
    const real = fs.readlinkSync("/proc/self/fd/" + fd);
    const prefix = r.root.endsWith(sep) ? r.root : r.root + sep;
    if (real !== r.root && !real.startsWith(prefix)) {
      fs.closeSync(fd);
      return { id: r.id, ok: false, outside: true };
    }
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new Error("not a file");
    const length = r.offset <= st.size ? Math.min(CHUNK, st.size - r.offset + 1) : CHUNK;
    const buffer = new Uint8Array(length);
    const n = fs.readSync(fd, buffer, 0, length, r.offset);
    const last = n === 0 || (n < length && r.offset + n >= st.size);
    if (last) { fs.closeSync(fd); fd = -1; }
    return { id: r.id, ok: true, fd, size: st.size, mtimeMs: st.mtimeMs, mode: st.mode,
      buffer, length: n, last };
  } catch {
    if (fd >= 0) { try { fs.closeSync(fd); } catch {} }
    return { id: r.id, ok: false, outside: false };
  }
}
parentPort.on("message", (batch) => {
  const out = [];
  const transfer = [];
  for (const r of batch) {
    const reply = openOne(r);
    out.push(reply);
    if (reply.ok) transfer.push(reply.buffer.buffer);
  }
  parentPort.postMessage(out, transfer);
});
`;

/** The worker's answer; undefined when it did not answer (unavailable, failed, too slow). */
export type WorkerAnswer = OpenedByWorker | RefusedByWorker | undefined;

interface Waiting {
  resolve: (answer: WorkerAnswer) => void;
}

/**
 * The server's file-opening worker, started at the first request. `close()` (the server
 * closing) stops it; closing twice is harmless.
 */
export class FileOpener {
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

  /** True when requests can be served now. */
  get available(): boolean {
    return !this.#broken && !this.#closed && !this.#stalled;
  }

  /**
   * Opens the plain file at `path` (a local path) with `flags`, checks it lies inside
   * `root` (resolved), and reads its first chunk from `offset`. A refusal says whether
   * the file lay outside; undefined: the worker is unavailable, failed or was too slow,
   * and the caller opens the file its usual way.
   */
  open(path: string, flags: number, root: string, offset: number): Promise<WorkerAnswer> {
    if (!this.available) return Promise.resolve(undefined);
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
      const opened: WorkerAnswer = this.#closed
        ? undefined
        : r.ok
          ? {
              fd: r.fd,
              size: r.size,
              mtimeMs: r.mtimeMs,
              mode: r.mode,
              chunk: r.buffer.subarray(0, r.length),
              last: r.last,
            }
          : { outside: r.outside };
      // Answered after its caller gave up (overdue, closing): nobody takes the descriptor.
      if (!this.#settle(r.id, opened) || this.#closed) {
        if (r.ok && r.fd >= 0) close(r.fd, () => {});
      }
    }
    if (this.#waiting.size > 0) {
      this.#patience = setTimeout(() => this.#overdue(), OPENER_PATIENCE_MS);
    }
  }

  #settle(id: number, opened: WorkerAnswer): boolean {
    const waiting = this.#waiting.get(id);
    if (waiting === undefined) return false;
    this.#waiting.delete(id);
    waiting.resolve(opened);
    return true;
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

  /**
   * Stops the worker, after the batch in flight (if it answers within the patience):
   * descriptors it opened for callers no longer waiting are closed, not leaked.
   */
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
