/**
 * Opening the files of RETRs queued behind the one being sent. A client that keeps one
 * MODE B/C data connection writes its RETRs ahead in batches; answered strictly one
 * after the other, each would wait for its own lookup, open and first read while the
 * connection stands idle. Here, while one file is sent, the RETRs right behind it in the
 * queue (a run of RETRs with nothing between them but commands that change neither
 * files nor what a path means, such as the `SIZE` clients send first) have their files
 * opened, so that their turn finds the file open and its first chunk read (a small
 * file the storage reads without a wait: read whole). Nothing is sent or answered
 * early: replies and data keep their order, and each RETR still runs every check when
 * its turn comes. An opened file is used only if the RETR, at its turn, names the same
 * path in the same storage from offset 0; otherwise it is closed and the RETR does its
 * own lookup.
 *
 * Bounded twice: {@link READ_AHEAD_DEPTH} RETRs per session, and a server-wide
 * {@link ReadAheadBudget} of files held open ahead. Everything opened ahead is closed
 * when it is not used, and when the session ends.
 *
 * @module
 */

import type { Command } from "@ftpkit/reply";
import type { FileOpener } from "./storage/file-opener.ts";
import { OPEN_FOR_READ, OPEN_NOW, type OpenedFile, opensForRead } from "./storage/open-for-read.ts";
import type { Storage } from "./storage/types.ts";

/** RETRs of one session opened ahead at most. */
export const READ_AHEAD_DEPTH = 16;
/**
 * The read-ahead is filled again once no more than this many RETRs are opened ahead, so
 * that files go to the file opener in batches: when reads go to its worker, that is one
 * message each way for several files, and the answer, which the session sees only when
 * it waits for I/O, comes in one event loop turn for the batch instead of one a file.
 */
const READ_AHEAD_REFILL = READ_AHEAD_DEPTH / 2;
/** Files held open ahead by all sessions of a server at most. */
export const READ_AHEAD_SERVER_FILES = 256;
/** Queued commands looked at, at most. */
const READ_AHEAD_SCAN = 64;
/**
 * Commands a run of RETRs may have between them (clients send `SIZE` before each RETR):
 * they neither change files nor what a RETR's path means (the directory, the storage,
 * the offset). Anything else ends the run.
 */
const PASS_THROUGH: ReadonlySet<string> = new Set([
  "SIZE",
  "MDTM",
  "MLST",
  "HASH",
  "STAT",
  "NOOP",
  "TYPE",
  "STRU",
  "MODE",
  "PASV",
  "EPSV",
  "PORT",
  "EPRT",
  "PWD",
  "XPWD",
  "SYST",
  "FEAT",
  "HELP",
  "LIST",
  "NLST",
  "MLSD",
]);

/** True when the RETRs queued behind a running `verb` may have their files opened. */
export function readsAhead(verb: string): boolean {
  return verb === "RETR" || PASS_THROUGH.has(verb);
}

/** Counts the files a server's sessions hold open ahead. */
export class ReadAheadBudget {
  readonly #limit: number;
  #used = 0;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** Takes one file's room; false when there is none. */
  take(): boolean {
    if (this.#used >= this.#limit) return false;
    this.#used++;
    return true;
  }

  /** Gives one file's room back. */
  give(): void {
    this.#used--;
  }

  /** Files held open ahead now. */
  get used(): number {
    return this.#used;
  }
}

/** One RETR's file, opened (or being opened) ahead. */
export interface OpenedAhead {
  readonly storage: Storage;
  readonly path: string;
  readonly offset: number;
  /** The opened file, or undefined when the storage could not open it directly. */
  readonly file: Promise<OpenedFile | undefined>;
  /** What `file` resolved to, once it did (read here and now: at once). */
  opened?: OpenedFile | undefined;
}

/** The read-ahead of one session. */
export class ReadAhead {
  readonly #budget: ReadAheadBudget;
  readonly #opener: FileOpener | undefined;
  readonly #ahead = new Map<Command, OpenedAhead>();
  readonly #releasing = new Set<Promise<void>>();

  /** `opener`: the server's file-opening worker, for the storages that can use it. */
  constructor(budget: ReadAheadBudget, opener?: FileOpener) {
    this.#budget = budget;
    this.#opener = opener;
  }

  /**
   * Opens the files of the RETRs at the head of `queue` (up to the depth; it stops at the
   * first command that could change what they mean), unless more than half the depth is
   * opened ahead already. `resolve` turns a RETR's argument into its path, undefined when
   * it cannot.
   */
  fill(
    queue: readonly Command[],
    storage: Storage,
    resolve: (argument: string) => string | undefined,
  ): void {
    if (!opensForRead(storage) || this.#ahead.size > READ_AHEAD_REFILL) return;
    // Where the storage opens files without a wait, they are opened here and now (a
    // small one read whole: its RETR can send it at once); else their open is on the way.
    const opener = this.#opener;
    const openNow = opener?.readsInline ? storage[OPEN_NOW] : undefined;
    const end = Math.min(queue.length, READ_AHEAD_SCAN);
    let retrs = 0;
    for (let i = 0; i < end && retrs < READ_AHEAD_DEPTH; i++) {
      const command = queue[i]!;
      if (command.verb !== "RETR") {
        if (PASS_THROUGH.has(command.verb)) continue;
        return;
      }
      retrs++;
      if (this.#ahead.has(command)) continue;
      const path = resolve(command.argument);
      if (path === undefined || !this.#budget.take()) return;
      const opened = openNow?.(path, opener!);
      if (opened !== undefined) {
        const file = Promise.resolve(opened);
        this.#ahead.set(command, { storage, path, offset: 0, file, opened });
        continue;
      }
      const ahead: OpenedAhead = {
        storage,
        path,
        offset: 0,
        file: storage[OPEN_FOR_READ](path, 0, opener),
      };
      void ahead.file.then((file) => {
        ahead.opened = file;
      });
      this.#ahead.set(command, ahead);
    }
  }

  /** The first file opened ahead for a RETR of `path` in `storage`, left in place. */
  find(storage: Storage, path: string): OpenedAhead | undefined {
    for (const ahead of this.#ahead.values()) {
      if (ahead.storage === storage && ahead.path === path) return ahead;
    }
    return undefined;
  }

  /** The file opened ahead for `command`, now the caller's (to use or {@link release}). */
  take(command: Command): OpenedAhead | undefined {
    const ahead = this.#ahead.get(command);
    if (ahead === undefined) return undefined;
    this.#ahead.delete(command);
    this.#budget.give();
    return ahead;
  }

  /** Closes a file opened ahead that will not be used (once it is open). */
  release(ahead: OpenedAhead): Promise<void> {
    const done = ahead.file.then((file) => file?.release());
    this.#releasing.add(done);
    void done.finally(() => this.#releasing.delete(done));
    return done;
  }

  /** The session ends: closes every file opened ahead. */
  async close(): Promise<void> {
    for (const command of [...this.#ahead.keys()]) {
      const ahead = this.take(command);
      if (ahead !== undefined) void this.release(ahead);
    }
    await Promise.all([...this.#releasing]);
  }
}
