/**
 * `retrieve()`: files in order as an async iterator, over one lane or several.
 *
 * One lane: each file is started (its commands pipelined), yielded, and settled (drained
 * when unread) before the next. Over a persistent data connection (B, C, E) the RETRs of
 * the next files are written ahead, so the server never waits for the client between
 * files. Several lanes: n control connections work on the list at once; files still come
 * out in list order unless `order: "completion"`.
 *
 * @module
 */

import { FtpAbortError, FtpError, FtpUsageError, TlsError } from "@ftpkit/errors";
import { encodeCommand, type Reply } from "@ftpkit/reply";
import { type Deferred, deferred } from "./deferred.ts";
import { RetrieveInterruptedError } from "./errors.ts";
import type { Lane } from "./lane.ts";
import type { ModeChoice, RetrieveOptions, RetrieveProgress, UsedMode } from "./options.ts";
import { type FileRequest, PerFileTransfer } from "./per-file-transfer.ts";
import { PersistentTransfer } from "./persistent-transfer.ts";
import { type FileHooks, RetrievedFile } from "./retrieved-file.ts";
import { AbortFanout, abortError, throwIfAborted, waitFor } from "./timeouts.ts";

/** Where lanes come from: the session's own, and new ones for `concurrency`. */
export interface LaneSource {
  /** The session's own lane (replaced when the session reconnects). */
  current(): Lane;
  /** Opens another lane with the session's settings (counted in the session's stats). */
  open(): Promise<Lane>;
  /**
   * Replaces the session's lane after pipelining trouble (replies out of step, no reply
   * to a command written in a burst) by a new connection that sends one command at a
   * time. Undefined when the failure was something else (a 421, a closed connection)
   * or the session was closed.
   */
  reconnect(failed: Lane): Promise<Lane | undefined>;
}

interface Plan {
  mode: ModeChoice;
  concurrency: number;
  order: "list" | "completion";
  errors: "report" | "throw";
  verify: boolean;
  size: boolean;
  retries: number;
  lookahead: number;
  offsets: (path: string) => number;
  /**
   * The caller's signal behind one listener: every command, connect and wait of the
   * retrieve subscribes here, not to the caller's signal.
   */
  signal: AbortFanout | undefined;
  onProgress: ((progress: RetrieveProgress) => void) | undefined;
}

/** Progress and outcome of one retrieve. */
class Tally {
  readonly paths: readonly string[];
  readonly completed: boolean[];
  /** Files an earlier, interrupted retrieve completed (`resumeRetrieve`). */
  readonly before: readonly string[];
  totalBytes = 0;
  filesDone = 0;

  constructor(paths: readonly string[], before: readonly string[]) {
    this.paths = paths;
    this.before = before;
    this.completed = paths.map(() => false);
  }

  done(index: number): void {
    if (this.completed[index]) return;
    this.completed[index] = true;
    this.filesDone++;
  }

  interrupted(cause: FtpError): RetrieveInterruptedError {
    const completed = [...this.before, ...this.paths.filter((_, i) => this.completed[i])];
    const remaining = this.paths.filter((_, i) => !this.completed[i]);
    return new RetrieveInterruptedError(
      `The session ended after ${completed.length} of ${completed.length + remaining.length} files: ${cause.message}`,
      {
        completed,
        remaining,
        cause,
        command: cause.command,
        code: cause.code,
        replyText: cause.replyText,
      },
    );
  }
}

function plan(options: RetrieveOptions): Plan {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 1));
  if (!Number.isFinite(concurrency))
    throw new FtpUsageError(`"concurrency" must be a finite number`);
  const offsets = options.offsets;
  const lookup =
    offsets === undefined
      ? (): number => 0
      : offsets instanceof Map
        ? (p: string): number => offsets.get(p) ?? 0
        : (p: string): number => (offsets as Readonly<Record<string, number>>)[p] ?? 0;
  return {
    mode: options.mode ?? "auto",
    concurrency,
    order: options.order ?? "list",
    errors: options.errors ?? "report",
    verify: options.verify ?? false,
    size: options.size ?? true,
    retries: Math.max(0, options.retries ?? 3),
    lookahead: Math.max(0, options.lookahead ?? 2048),
    offsets: (p) => {
      const n = lookup(p);
      if (!Number.isSafeInteger(n) || n < 0)
        throw new FtpUsageError(`The offset of "${p}" must be a whole number >= 0`);
      return n;
    },
    signal: options.signal === undefined ? undefined : new AbortFanout(options.signal),
    onProgress: options.onProgress,
  };
}

/**
 * Retrieves `paths` in order; see {@link RetrieveOptions}.
 *
 * @throws {RetrieveInterruptedError} when the session ends mid-way
 * @throws {FtpAbortError} when `signal` aborts
 */
export async function* retrieveFiles(
  source: LaneSource,
  paths: readonly string[],
  options: RetrieveOptions,
  completedBefore: readonly string[] = [],
): AsyncGenerator<RetrievedFile, void, undefined> {
  if (paths.length === 0) return;
  const p = plan(options);
  const tally = new Tally(paths, completedBefore);
  try {
    if (p.concurrency === 1 || paths.length === 1) yield* oneLane(source, paths, p, tally);
    else yield* manyLanes(source, paths, p, tally);
  } catch (error) {
    if (!FtpError.isInstance(error) || error instanceof FtpAbortError) throw error;
    if (error instanceof RetrieveInterruptedError || error instanceof TlsError) throw error;
    // The session is still there (a refused MODE, errors: "throw"): the error as it is.
    if (source.current().control.open) throw error;
    throw tally.interrupted(error);
  } finally {
    p.signal?.dispose();
  }
}

/**
 * The error a body rejects with: when the session has ended under it (and cannot carry
 * on), a {@link RetrieveInterruptedError} saying what completed, so that whichever
 * surfaces first, the body's error or the iteration's, tells where to continue.
 */
function bodyError(error: unknown, ended: () => boolean, tally: Tally): unknown {
  if (!FtpError.isInstance(error) || error instanceof FtpAbortError) return error;
  if (error instanceof RetrieveInterruptedError || error instanceof TlsError) return error;
  return ended() ? tally.interrupted(error) : error;
}

/**
 * True when the lane failed in a way a new connection can mend: pipelining trouble, or
 * the server dropping it while a transfer was aborted.
 */
function mendable(lane: Lane, error: unknown): boolean {
  return (
    FtpError.isInstance(error) &&
    !(error instanceof FtpAbortError) &&
    !lane.control.open &&
    lane.control.replaceable
  );
}

const persistentModes = new Set<UsedMode>(["B", "C", "E"]);
const ignore = (): void => {};

function requestFor(path: string, p: Plan): FileRequest {
  // CR, LF or NUL: refused here, before the file's SIZE or EPSV is queued.
  encodeCommand("RETR", path);
  return {
    path,
    offset: p.offsets(path),
    size: p.size,
    verify: p.verify,
    retries: p.retries,
    signal: p.signal,
  };
}

/** What the files of one retrieve report to it: progress, and the errors their bodies reject with. */
function hooksFor(p: Plan, tally: Tally, ended: () => boolean): FileHooks {
  const onProgress = p.onProgress;
  return {
    ...(onProgress === undefined
      ? {}
      : {
          onBytes: (file: RetrievedFile, bytes: number, received: number): void => {
            tally.totalBytes += bytes;
            onProgress({
              path: file.path,
              index: file.index,
              bytes: received,
              size: file.size,
              totalBytes: tally.totalBytes,
              filesDone: tally.filesDone,
            });
          },
        }),
    bodyError: (error: unknown): unknown => bodyError(error, ended, tally),
  };
}

/**
 * Starts one file: its commands go out, and it resolves once the server accepted the
 * transfer, or with a failed file (550, a refused data connection, an unsafe path).
 * Throws when the session itself failed.
 */
async function startOne(
  lane: Lane,
  index: number,
  path: string,
  mode: UsedMode,
  p: Plan,
  hooks: FileHooks,
  ahead: PersistentTransfer[] | undefined,
  prepared: PerFileTransfer | undefined,
  onSent?: (final: Promise<Reply>) => void,
): Promise<RetrievedFile> {
  let transfer: PerFileTransfer | PersistentTransfer | undefined;
  let fromAhead = false;
  const failed = (error: FtpError): RetrievedFile =>
    new RetrievedFile({ path, index, mode, error });
  for (let tries = 0; tries < 2; tries++) {
    try {
      throwIfAborted(p.signal, "The retrieve");
      const persistent = persistentModes.has(mode) && !lane.perFileModes.has(mode);
      if (persistent) {
        const queued = tries === 0 ? ahead?.[0] : undefined;
        if (queued !== undefined && queued.path === path) {
          ahead!.shift();
          transfer = queued;
          fromAhead = true;
        } else {
          transfer = new PersistentTransfer(lane, requestFor(path, p), mode as "B" | "C" | "E");
          fromAhead = false;
        }
      } else if (tries === 0 && prepared !== undefined && prepared.path === path) {
        transfer = prepared;
      } else {
        transfer = new PerFileTransfer(lane, requestFor(path, p), mode as "S" | "Z" | "B" | "C");
      }
    } catch (error) {
      if (FtpError.isInstance(error) && !(error instanceof FtpAbortError)) return failed(error);
      throw error;
    }
    const current = transfer;
    if (onSent !== undefined && current instanceof PerFileTransfer && mode === "S") {
      current.onSent = onSent;
    }
    const started = current.start();
    started.catch(ignore);
    try {
      await waitFor(started, { signal: p.signal, what: `Starting "${path}"` });
      return new RetrievedFile({ path, index, mode: current.mode, source: current }, hooks);
    } catch (error) {
      if (p.signal?.aborted) {
        await started.catch(() => {});
        const reason = abortError(p.signal, "The retrieve");
        await current.cancel(reason);
        throw reason;
      }
      if (!FtpError.isInstance(error)) throw error;
      // A TlsError before the server accepted the transfer: the data connection's
      // handshake failed, or the server refused RETR before any 1yz in words of session
      // reuse (@ftpkit/server). Every file would fail alike, so the retrieve ends with it.
      // vsftpd and ProFTPD answer 150 first and refuse after it (522, 425): that refusal
      // rejects the file's body with the TlsError instead, and the next file meets the
      // same (ProFTPD keeps the session; vsftpd closes it, which ends the retrieve).
      if (error instanceof TlsError) throw error;
      if (!lane.control.open) throw lane.control.failure ?? error;
      // A refused MODE is the retrieve's failure, not one file's.
      if (error.command?.startsWith("MODE ")) throw error;
      // A RETR written ahead can fail because the connection under it went away (the
      // previous file was cut and resumed over a new one): try it once more on its own.
      const transient = error.code === undefined || (error.code >= 400 && error.code < 500);
      if (fromAhead && transient) continue;
      return failed(error);
    }
  }
  /* c8 ignore next */
  throw new FtpUsageError(`"${path}" could not be started`);
}

/** RETRs written ahead at most while none is queued (then twice as many, ...). */
const FIRST_BATCH = 32;

/**
 * Writes the RETRs of the next files ahead over a proven persistent connection, up to
 * `window` of them. `claimNext` gives the index of the next file for this lane (or
 * undefined when there is none); once given, the file is this lane's. A call adds at
 * most as many as are queued already ({@link FIRST_BATCH} at least): the queue grows by
 * doubling, a write each time, so that the server starts on the first few while the
 * client makes the next (2000 RETRs take it a few milliseconds).
 */
function topUp(
  lane: Lane,
  ahead: PersistentTransfer[],
  paths: readonly string[],
  mode: UsedMode,
  p: Plan,
  window: number,
  claimNext: () => number | undefined,
): void {
  if (!persistentModes.has(mode) || lane.perFileModes.has(mode) || lane.control.serial) return;
  const channel = lane.persistent;
  if (channel === undefined || channel.filesCarried < 1 || channel.ended) return;
  // Refill in batches once half the window is used: one write carries many RETRs.
  if (ahead.length > Math.floor(window / 2)) return;
  const target = Math.min(window, Math.max(FIRST_BATCH, 2 * ahead.length));
  while (ahead.length < target) {
    const next = claimNext();
    if (next === undefined) return;
    const t = new PersistentTransfer(lane, requestFor(paths[next]!, p), mode as "B" | "C" | "E");
    try {
      t.sendAhead();
    } catch {
      return; // an unsafe path: started (and refused) when its turn comes
    }
    if (!t.sent) return;
    ahead.push(t);
  }
}

/**
 * Gives up the RETRs written ahead that will not be read. Their files' bytes come next on
 * the persistent connection, where a later retrieve would read them as its own files, so
 * the connection is dropped (the next transfer opens another); then their replies are
 * awaited, which keeps the control connection in step.
 */
function forgetAhead(lane: Lane, ahead: PersistentTransfer[]): Promise<void> {
  const forgotten = ahead.splice(0);
  if (forgotten.length === 0) return Promise.resolve();
  lane.dropPersistent();
  return (async () => {
    for (const t of forgotten) await t.forget();
  })();
}

/**
 * {@link topUp} until the window is full or the files run out: batches that double, each
 * written before the next is made (the client makes them without waiting for a reply).
 */
async function rampUp(
  lane: Lane,
  ahead: PersistentTransfer[],
  paths: readonly string[],
  mode: UsedMode,
  p: Plan,
  claimNext: () => number | undefined,
): Promise<void> {
  for (let queued = -1; ahead.length > queued; ) {
    queued = ahead.length;
    topUp(lane, ahead, paths, mode, p, p.lookahead, claimNext);
    // The command pump (a microtask queued by the sends) writes the batch now.
    await null;
  }
}

/**
 * MODE S on a server that holds commands until a transfer ends: the next file's SIZE
 * and EPSV go out in the same write as this file's RETR, so their replies follow its 226
 * without a round trip (the next RETR goes out once its turn comes). On such a server
 * the first transfer carries a NOOP that checks it really does hold them.
 */
function prepareNext(
  lane: Lane,
  paths: readonly string[],
  index: number,
  p: Plan,
  final: Promise<Reply>,
): PerFileTransfer | undefined {
  // Only worth finding out when there is a next file.
  if (index + 1 >= paths.length) return undefined;
  lane.probeTransferOrder(final);
  if (!lane.writesAheadOfTransfers || lane.currentMode !== "S") return undefined;
  try {
    const next = new PerFileTransfer(lane, requestFor(paths[index + 1]!, p), "S");
    next.prepareAhead();
    return next;
  } catch {
    return undefined; // an unsafe path or offset: refused when its turn comes
  }
}

async function* oneLane(
  source: LaneSource,
  paths: readonly string[],
  p: Plan,
  tally: Tally,
): AsyncGenerator<RetrievedFile, void, undefined> {
  throwIfAborted(p.signal, "The retrieve");
  let lane = source.current();
  const ended = (): boolean => !lane.control.open && !lane.control.replaceable;
  const hooks = hooksFor(p, tally, ended);
  const ahead: PersistentTransfer[] = [];
  let prepared: PerFileTransfer | undefined;
  /** After pipelining trouble: a new connection, one command at a time, or the error. */
  const mend = async (error: unknown): Promise<void> => {
    if (!mendable(lane, error)) throw error;
    const fresh = await source.reconnect(lane);
    if (fresh === undefined) throw error;
    await forgetAhead(lane, ahead);
    prepared = undefined;
    lane = fresh;
  };
  const chooseMode = async (): Promise<UsedMode> => {
    for (;;) {
      try {
        return await waitFor(lane.resolveMode(p.mode), {
          signal: p.signal,
          what: "Choosing a mode",
        });
      } catch (error) {
        await mend(error);
      }
    }
  };
  let mode = await chooseMode();
  let current: RetrievedFile | undefined;
  const onAbort = (): void => {
    if (current !== undefined) void current.abort(abortError(p.signal!, "The retrieve"));
  };
  p.signal?.add(onAbort);
  // A persistent connection an earlier retrieve left open in this mode is proven: the
  // files are written ahead at once, not after the first file's reply.
  const kept = lane.persistent;
  if (
    p.lookahead > 0 &&
    kept !== undefined &&
    kept.mode === mode &&
    lane.currentMode === mode &&
    !kept.endedBeforeNextFile()
  ) {
    await rampUp(lane, ahead, paths, mode, p, () =>
      ahead.length < paths.length ? ahead.length : undefined,
    );
  }
  try {
    for (let i = 0; i < paths.length; ) {
      let file: RetrievedFile;
      const mine = prepared;
      prepared = undefined;
      const index = i;
      // MODE S only: the next file's SIZE and EPSV go out with this file's RETR.
      const sent =
        mode === "S"
          ? (final: Promise<Reply>): void => {
              prepared = prepareNext(lane, paths, index, p, final);
            }
          : undefined;
      try {
        file = await startOne(lane, i, paths[i]!, mode, p, hooks, ahead, mine, sent);
      } catch (error) {
        await mend(error);
        mode = await chooseMode();
        continue;
      }
      current = file;
      if (file.ok && p.lookahead > 0) {
        const after = i;
        const claimNext = (): number | undefined => {
          const n = after + 1 + ahead.length;
          return n < paths.length ? n : undefined;
        };
        // An empty queue (the first file proved the connection) is filled up at once.
        if (ahead.length < FIRST_BATCH) await rampUp(lane, ahead, paths, mode, p, claimNext);
        else topUp(lane, ahead, paths, mode, p, p.lookahead, claimNext);
      }
      if (!file.ok && p.errors === "throw") throw file.error!;
      yield file;
      await file.settle();
      if (file.completed) tally.done(i);
      current = undefined;
      throwIfAborted(p.signal, "The retrieve");
      i++;
    }
  } finally {
    p.signal?.delete(onAbort);
    if (current !== undefined) {
      await current.abort(
        new FtpAbortError(`The retrieve stopped while "${current.path}" was in flight`),
      );
    }
    await forgetAhead(lane, ahead);
  }
}

async function* manyLanes(
  source: LaneSource,
  paths: readonly string[],
  p: Plan,
  tally: Tally,
): AsyncGenerator<RetrievedFile, void, undefined> {
  const wanted = Math.min(p.concurrency, paths.length);
  const primary = source.current();
  const opened = await Promise.allSettled(Array.from({ length: wanted - 1 }, () => source.open()));
  const extra: Lane[] = [];
  for (const r of opened) {
    if (r.status === "fulfilled") extra.push(r.value);
    else {
      primary.settings.trace?.({
        type: "notice",
        message: `a lane could not connect (${r.reason instanceof Error ? r.reason.message : String(r.reason)}); going on with fewer`,
      });
    }
  }
  const lanes = [primary, ...extra];
  const ended = (): boolean => lanes.every((l) => !l.control.open);
  const hooks = hooksFor(p, tally, ended);
  const slots: Deferred<RetrievedFile>[] = paths.map(() => deferred<RetrievedFile>());
  const readyOrder: number[] = [];
  let readySignal = deferred<void>();
  let next = 0;
  let stopping = false;
  let alive = lanes.length;
  /** Files a lost lane could not start, lowest index first: the next free lane takes them. */
  const retry: number[] = [];
  /** Files some lane has written ahead and not started yet. */
  const writtenAhead = new Set<number>();
  /** Lanes whose worker ran out of files, woken when a lost lane hands one back. */
  const idle: Lane[] = [];
  const running: Promise<void>[] = [];
  const active = new Set<RetrievedFile>();
  const onAbort = (): void => {
    stopping = true;
    for (const f of active) void f.abort(abortError(p.signal!, "The retrieve"));
  };
  p.signal?.add(onAbort);

  const claim = (): number => (retry.length > 0 ? retry.shift()! : next++);
  const settle = (i: number, error: unknown): void => {
    slots[i]!.reject(error);
    readyOrder.push(i);
    readySignal.resolve();
  };
  const deliver = (i: number, file: RetrievedFile): void => {
    slots[i]!.resolve(file);
    readyOrder.push(i);
    readySignal.resolve();
  };
  /** A lane's control connection ended: its files go to another lane, if any is left. */
  const lose = (error: unknown, indices: readonly number[] = []): void => {
    alive--;
    primary.settings.trace?.({
      type: "notice",
      message: `a lane ended (${error instanceof Error ? error.message : String(error)}); ${alive} left`,
    });
    if (alive === 0) {
      stopping = true;
      for (let i = 0; i < slots.length; i++) if (!slots[i]!.settled) settle(i, error);
      next = slots.length;
      retry.length = 0;
      return;
    }
    if (indices.length === 0) return;
    retry.push(...indices);
    retry.sort((a, b) => a - b);
    const wake = idle.pop();
    if (wake !== undefined) running.push(worker(wake));
    // In list order every other lane may hold a later file that waits for this one to be
    // read: only a new lane is sure to take it.
    else if (replacements < wanted) {
      replacements++;
      running.push(replace(error));
    }
  };
  let replacements = 0;
  /** Opens a lane in place of a lost one; without one, the handed-back files fail. */
  const replace = async (cause: unknown): Promise<void> => {
    let lane: Lane;
    try {
      lane = await source.open();
    } catch (error) {
      const why = FtpError.isInstance(error)
        ? error
        : FtpError.isInstance(cause)
          ? cause
          : undefined;
      const mode = primary.autoMode ?? (p.mode === "auto" ? "S" : p.mode);
      for (const i of retry.splice(0)) {
        if (why === undefined) settle(i, error);
        else deliver(i, new RetrievedFile({ path: paths[i]!, index: i, mode, error: why }));
      }
      return;
    }
    if (stopping) {
      await lane.close().catch(() => {});
      return;
    }
    lane.learnFrom(primary);
    extra.push(lane);
    lanes.push(lane);
    alive++;
    await worker(lane);
  };
  const laneEnded = (lane: Lane, error: unknown): boolean =>
    !lane.control.open && FtpError.isInstance(error) && !(error instanceof FtpAbortError);

  const worker = async (lane: Lane): Promise<void> => {
    let mode: UsedMode;
    try {
      if (lane !== primary && primary.autoMode !== undefined) {
        lane.autoMode = primary.autoMode;
        for (const [m, ok] of primary.modeSupport) lane.modeSupport.set(m, ok);
      }
      mode = await lane.resolveMode(p.mode);
    } catch (error) {
      if (laneEnded(lane, error)) {
        lose(error);
        return;
      }
      stopping = true;
      for (let i = next; i < slots.length; i++) settle(i, error);
      for (const i of retry.splice(0)) settle(i, error);
      for (const i of writtenAhead) settle(i, error);
      next = slots.length;
      return;
    }
    // This lane's files written ahead (B, C, E) and their indices, in list order. They
    // come only from files no lane has taken yet, never from files handed back: a lane must
    // take its files in list order, or a later file of its own could wait to be read
    // behind an earlier one it has not started.
    const ahead: PersistentTransfer[] = [];
    const mine: number[] = [];
    const window = Math.max(2, Math.floor(p.lookahead / lanes.length));
    const claimAhead = (): number | undefined => {
      if (next >= paths.length) return undefined;
      const i = next++;
      mine.push(i);
      writtenAhead.add(i);
      return i;
    };
    const handBack = (): number[] => {
      void forgetAhead(lane, ahead);
      for (const i of mine) writtenAhead.delete(i);
      return mine.splice(0);
    };
    try {
      while (!stopping) {
        const i = mine.length > 0 ? mine.shift()! : claim();
        writtenAhead.delete(i);
        if (i >= paths.length) {
          idle.push(lane);
          return;
        }
        let file: RetrievedFile;
        try {
          file = await startOne(lane, i, paths[i]!, mode, p, hooks, ahead, undefined);
        } catch (error) {
          if (laneEnded(lane, error) && !(error instanceof TlsError)) {
            lose(error, [i, ...handBack()]);
            return;
          }
          settle(i, error);
          if (!lane.control.open) {
            lose(error, handBack());
            return;
          }
          continue;
        }
        if (stopping) {
          await file.abort(
            new FtpAbortError(`The retrieve stopped while "${file.path}" was in flight`),
          );
          return;
        }
        active.add(file);
        deliver(i, file);
        if (file.ok && p.lookahead > 0) topUp(lane, ahead, paths, mode, p, window, claimAhead);
        await file.finished;
        active.delete(file);
      }
    } finally {
      await forgetAhead(lane, ahead);
    }
  };
  for (const lane of lanes) running.push(worker(lane));

  const take = async (k: number): Promise<RetrievedFile> => {
    if (p.order === "list")
      return waitFor(slots[k]!.promise, { signal: p.signal, what: "The retrieve" });
    for (;;) {
      // Completion order: the earliest file (or failure) not handed out yet.
      const i = readyOrder.shift();
      if (i !== undefined) return slots[i]!.promise;
      readySignal = deferred<void>();
      await waitFor(readySignal.promise, { signal: p.signal, what: "The retrieve" });
    }
  };
  try {
    for (let k = 0; k < paths.length; k++) {
      const file = await take(k);
      if (!file.ok && p.errors === "throw") throw file.error!;
      yield file;
      await file.settle();
      if (file.completed) tally.done(file.index);
      throwIfAborted(p.signal, "The retrieve");
    }
  } finally {
    p.signal?.delete(onAbort);
    stopping = true;
    for (const f of active) {
      await f.abort(new FtpAbortError(`The retrieve stopped while "${f.path}" was in flight`));
    }
    for (const s of slots) s.promise.catch(() => {});
    // A worker woken for a handed-back file joins the list while we wait.
    for (let seen = 0; seen < running.length; ) {
      seen = running.length;
      await Promise.allSettled(running);
    }
    await Promise.allSettled(extra.map((lane) => lane.close()));
  }
}
