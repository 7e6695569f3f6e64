/**
 * Opening the files of RETRs queued behind the one being sent. A client that keeps one
 * MODE B/C data connection writes its RETRs ahead in batches; answered strictly one
 * after the other, each would wait for its own lookup, open and first read while the
 * connection stands idle. Here, while one file is sent, the RETRs right behind it in the
 * queue (only an unbroken run of RETRs: any other command may change what they mean)
 * have their files opened, so that their turn finds the file open and its first chunk
 * read. Nothing is sent or answered early: replies and data keep their order, and each
 * RETR still runs every check when its turn comes. An opened file is used only if the
 * RETR, at its turn, names the same path in the same storage from offset 0; otherwise
 * it is closed and the RETR does its own lookup.
 *
 * Bounded twice: {@link READ_AHEAD_DEPTH} RETRs per session, and a server-wide
 * {@link ReadAheadBudget} of files held open ahead. Everything opened ahead is closed
 * when it is not used, and when the session ends.
 *
 * @module
 */

import type { Command } from "@ftpkit/reply";
import { OPEN_FOR_READ, type OpenedFile, opensForRead } from "./storage/open-for-read.ts";
import type { Storage } from "./storage/types.ts";

/** RETRs of one session opened ahead at most. */
export const READ_AHEAD_DEPTH = 8;
/** Files held open ahead by all sessions of a server at most. */
export const READ_AHEAD_SERVER_FILES = 256;

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
}

/** The read-ahead of one session. */
export class ReadAhead {
  readonly #budget: ReadAheadBudget;
  readonly #ahead = new Map<Command, OpenedAhead>();
  readonly #releasing = new Set<Promise<void>>();

  constructor(budget: ReadAheadBudget) {
    this.#budget = budget;
  }

  /**
   * Opens the files of the RETRs at the head of `queue` (up to the depth; it stops at the
   * first other command). `resolve` turns a RETR's argument into its path, undefined when
   * it cannot.
   */
  fill(
    queue: readonly Command[],
    storage: Storage,
    resolve: (argument: string) => string | undefined,
  ): void {
    if (!opensForRead(storage)) return;
    const end = Math.min(queue.length, READ_AHEAD_DEPTH);
    for (let i = 0; i < end; i++) {
      const command = queue[i]!;
      if (command.verb !== "RETR") return;
      if (this.#ahead.has(command)) continue;
      const path = resolve(command.argument);
      if (path === undefined || !this.#budget.take()) return;
      const file = storage[OPEN_FOR_READ](path, 0);
      this.#ahead.set(command, { storage, path, offset: 0, file });
    }
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
