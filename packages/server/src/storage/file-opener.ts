/**
 * Reading small files for downloads on a worker thread of the server's own, with the
 * plain synchronous `node:fs` calls, a batch of files per message. Each call through the
 * thread pool of `node:fs/promises` costs two thread wake-ups (measured: 4 such calls a
 * file, open, fstat, read and close, took ~0.13 ms of CPU and 12 context switches a file
 * on this machine); the worker does the same work for a file in ~15 µs and answers a
 * whole batch with one message. The event loop itself never blocks on the file system.
 *
 * For each file the worker opens it (with the flags given, O_NOFOLLOW among them), asks
 * the kernel where the opened file really is (`/proc/self/fd/N`) and refuses it unless
 * that lies inside the root, fstats it (plain files only) and, when what is left from
 * the offset fits in one chunk, reads it whole. It always closes what it opened: a
 * descriptor is never handed from one thread to another (Node closes a worker's
 * descriptors when it exits; Deno's belong to the worker's own resource table). Larger
 * files are left to the caller's usual way.
 *
 * If the worker cannot be started, fails, or does not answer within
 * {@link OPENER_PATIENCE_MS}, requests resolve undefined and the caller opens the file
 * its usual way. Runs under Node, Deno and Bun (`node:worker_threads`, code evaluated
 * from a string so that it runs the same built or unbuilt).
 *
 * @module
 */

import { Worker } from "node:worker_threads";
import { READ_CHUNK } from "./folder-file.ts";

/** How long a batch may take before the worker is bypassed (it is used again once it answers). */
export const OPENER_PATIENCE_MS = 2000;

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
 * `outside` the root) or `large` (more than one chunk: the caller opens it).
 */
export interface NotReadByWorker {
  kind: "refused" | "large";
  /** The opened file lay outside the root. */
  outside: boolean;
}

/** The worker's answer; undefined when it did not answer (unavailable, failed, too slow). */
export type WorkerAnswer = ReadByWorker | NotReadByWorker | undefined;

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
  kind: "whole" | "refused" | "large";
  outside: boolean;
  size: number;
  mtimeMs: number;
  mode: number;
  buffer: Uint8Array;
  length: number;
}

// The worker's code, CommonJS as `eval: true` wants it. As in folder-file.ts, it reads
// what is left plus one byte, so that a short read shows the end (a file that grew since
// the fstat is left to the caller).
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const sep = require("node:path").sep;
const CHUNK = ${READ_CHUNK};
function readOne(r) {
  let fd = -1;
  try {
    fd = fs.openSync(r.path, r.flags);
    const real = fs.readlinkSync("/proc/self/fd/" + fd);
    const prefix = r.root.endsWith(sep) ? r.root : r.root + sep;
    if (real !== r.root && !real.startsWith(prefix)) {
      return { id: r.id, kind: "refused", outside: true };
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

/**
 * The server's file-reading worker, started at the first request. `close()` (the server
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
   * `root` (resolved), and reads it whole from `offset` if that fits in one chunk.
   * Undefined: the worker is unavailable, failed or was too slow, and the caller opens
   * the file its usual way.
   */
  read(path: string, flags: number, root: string, offset: number): Promise<WorkerAnswer> {
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
