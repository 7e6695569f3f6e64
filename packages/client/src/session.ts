/**
 * The public face of a connection: `retrieve()` and everything a user of basic-ftp,
 * curl or lftp expects.
 *
 * @module
 */

import { FtpAbortError, FtpError, FtpUsageError } from "@ftpkit/errors";
import {
  encodeCommand,
  type FileEntry,
  parseListing,
  parseMdtmReply,
  parsePathReply,
  parseSizeReply,
  type Reply,
} from "@ftpkit/reply";
import { replyError } from "./control-connection.ts";
import type { DownloadResult } from "./download-to.ts";
import type { ServerFeatures } from "./features.ts";
import { Lane, type LaneSettings } from "./lane.ts";
import type { CommandOptions, ListOptions, RetrieveOptions, UsedMode } from "./options.ts";
import { PerFileTransfer } from "./per-file-transfer.ts";
import { retrieveFiles } from "./retrieve.ts";
import type { RetrievedFile } from "./retrieved-file.ts";
import type { SessionStats } from "./stats.ts";
import { abortError, waitFor } from "./timeouts.ts";

/**
 * For `resumeRetrieve()` (not exported from the package): a retrieve whose
 * interruption errors also list the files an earlier retrieve completed.
 */
export let continueRetrieve: (
  session: Session,
  paths: readonly string[],
  options: RetrieveOptions,
  completedBefore: readonly string[],
) => AsyncGenerator<RetrievedFile, void, undefined>;

/**
 * A logged-in FTP session. Create it with {@link connect}; dispose of it (or call
 * `close()`) when done: QUIT, then the connection closes. Operations run one at a time;
 * while a `retrieve()` runs, other calls on the same session throw (open a second
 * session, or use `concurrency`).
 *
 * @example
 * ```ts
 * import { connect } from "@ftpkit/client";
 * import { nodeSockets } from "@ftpkit/socket-node";
 *
 * await using session = await connect("ftp://user:pass@ftp.example.com/", { sockets: nodeSockets() });
 * for await (const file of session.retrieve(["a.txt", "b.bin"])) {
 *   console.log(file.path, file.size, (await file.bytes()).length);
 * }
 * ```
 */
export class Session implements AsyncDisposable {
  #lane: Lane;
  #settings: LaneSettings;
  /** The CWD arguments that worked, replayed on a new connection (absolute ones restart it). */
  #directories: string[] = [];
  #reconnecting: Promise<Lane | undefined> | undefined;
  /** Counters of the wire: commands, round trips, data connections (all lanes). */
  readonly stats: SessionStats;
  #lock: Promise<void> = Promise.resolve();
  /** Operations holding or waiting for the session's turn. */
  #turns = 0;
  #retrieving = false;
  #closing: Promise<void> | undefined;
  #mlsd: boolean | undefined;

  /** @internal Use {@link connect}. */
  constructor(lane: Lane, settings: LaneSettings) {
    this.#lane = lane;
    this.#settings = settings;
    this.stats = lane.stats;
  }

  /** What the server listed in FEAT. */
  get features(): ServerFeatures {
    return this.#lane.features;
  }

  /** The greeting's text. */
  get greeting(): string {
    return this.#lane.greeting.message;
  }

  /** True when the control connection speaks TLS. */
  get secure(): boolean {
    return this.#lane.control.secure;
  }

  /** The mode `"auto"` picked, once a retrieve worked it out. */
  get autoMode(): UsedMode | undefined {
    return this.#lane.autoMode;
  }

  /**
   * False once the session has ended (closed, or the server dropped it, a 421). After
   * pipelining trouble the session stays open: the next operation reconnects and sends
   * one command at a time.
   */
  get open(): boolean {
    const control = this.#lane.control;
    return (control.open || control.replaceable) && this.#closing === undefined;
  }

  /** True while the session writes commands without waiting for earlier replies. */
  get pipelining(): boolean {
    return !this.#lane.control.serial;
  }

  /**
   * Retrieves files in order as an async iterator. Each file's body must be read or
   * cancelled before the next file comes (an unread body is drained); `break` aborts
   * the transfer in flight and leaves the session usable. A file that fails (550) is
   * yielded with `ok: false` and the iteration goes on (`errors: "throw"` to stop).
   *
   * @example
   * ```ts
   * for await (const file of session.retrieve(paths, { concurrency: 4 })) {
   *   await file.pipeTo(sinkFor(file.path));
   * }
   * ```
   */
  retrieve(
    paths: Iterable<string>,
    options: RetrieveOptions = {},
  ): AsyncGenerator<RetrievedFile, void, undefined> {
    // The generator itself, not one more around it: each layer of `yield*` costs every file.
    return this.#retrieve([...paths], options, []);
  }

  static {
    continueRetrieve = (session, paths, options, completedBefore) =>
      session.#retrieve(paths, options, completedBefore);
  }

  async *#retrieve(
    list: readonly string[],
    options: RetrieveOptions,
    completedBefore: readonly string[],
  ): AsyncGenerator<RetrievedFile, void, undefined> {
    const release = await this.#acquire("retrieve()");
    this.#retrieving = true;
    try {
      await this.#mend();
      yield* retrieveFiles(
        {
          current: () => this.#lane,
          open: () => Lane.open(this.#settings, this.stats),
          reconnect: (failed) => this.#reconnect(failed),
        },
        list,
        options,
        completedBefore,
      );
    } finally {
      this.#retrieving = false;
      release();
    }
  }

  /**
   * Saves files under a local folder (subfolders are created), each under a temporary
   * name until complete. A name that could land outside the folder (`../x`, `C:\x`, NUL)
   * is refused for that file without asking the server. Takes the options of
   * {@link retrieve}.
   *
   * @returns one result per path, in the order given
   *
   * @example
   * ```ts
   * const results = await session.downloadTo("./mirror", ["a.txt", "dir/b.bin"]);
   * for (const r of results) if (!r.ok) console.error(r.path, r.error?.message);
   * ```
   */
  async downloadTo(
    folder: string,
    paths: Iterable<string>,
    options: RetrieveOptions = {},
  ): Promise<DownloadResult[]> {
    const list = [...paths];
    const { planDownloads, saveFiles } = await import("./download-to.ts");
    const planned = planDownloads(folder, list);
    const saved = await saveFiles(
      planned.root,
      planned.targets,
      this.retrieve(planned.safe, options),
    );
    const byPath = new Map<string, DownloadResult>();
    for (const r of [...planned.refused, ...saved]) byPath.set(r.path, r);
    return list.map((p) => byPath.get(p)!);
  }

  /**
   * Lists a directory: MLSD (RFC 3659 §7) when the server offers MLST, else LIST parsed
   * as Unix, DOS/IIS or EPLF. `.` and `..` are left out unless `includeDots`.
   *
   * @example
   * ```ts
   * const files = (await session.list("pub")).filter((e) => e.kind === "file");
   * ```
   */
  async list(path = "", options: ListOptions = {}): Promise<FileEntry[]> {
    return this.#exclusive("list()", async () => {
      await this.#mend();
      const useMlsd = this.#mlsd ?? this.#lane.features.has("MLST");
      if (useMlsd) {
        try {
          const body = await this.#listing("MLSD", path, options.signal);
          this.#mlsd = true;
          return filterDots(parseListing(body, { format: "mlsd" }), options.includeDots);
        } catch (error) {
          if (!(FtpError.isInstance(error) && (error.code === 500 || error.code === 502)))
            throw error;
          this.#mlsd = false;
        }
      }
      const body = await this.#listing("LIST", path, options.signal);
      return filterDots(parseListing(body, { format: "list" }), options.includeDots);
    });
  }

  async #listing(verb: "MLSD" | "LIST", path: string, signal?: AbortSignal): Promise<Uint8Array> {
    // CR, LF or NUL: refused before the listing's EPSV is queued.
    if (path !== "") encodeCommand(verb, path);
    const lane = this.#lane;
    // Listings always go in MODE S over their own connection: a listing in MODE B may
    // come unframed (Hermes), and E needs the server as the active side.
    const transfer = new PerFileTransfer(
      lane,
      { path, offset: 0, size: false, verify: false, retries: 0, signal },
      "S",
      verb,
      lane.settings.maxListingBytes,
    );
    const started = transfer.start();
    started.catch(() => {});
    try {
      await waitFor(started, { signal, what: `Listing "${path}"` });
    } catch (error) {
      if (signal?.aborted) {
        await started.catch(() => {});
        await transfer.cancel(abortError(signal, "The listing"));
      }
      throw error;
    }
    const chunks: Uint8Array[] = [];
    let length = 0;
    const onAbort = (): void => void transfer.cancel(abortError(signal!, "The listing"));
    signal?.addEventListener("abort", onAbort, { once: true });
    try {
      for (;;) {
        const got = await transfer.pull();
        if (got === undefined) break;
        for (const c of got) {
          chunks.push(c);
          length += c.length;
        }
      }
    } catch (error) {
      await transfer.cancel(
        FtpError.isInstance(error)
          ? error
          : new FtpAbortError("The listing failed", { cause: error }),
      );
      throw error;
    } finally {
      signal?.removeEventListener("abort", onAbort);
    }
    const out = new Uint8Array(length);
    let at = 0;
    for (const c of chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }

  /**
   * The size of a file in bytes (SIZE, RFC 3659 §4).
   *
   * @throws {FtpReplyError} when the server refuses (550: no such file)
   *
   * @example
   * ```ts
   * const bytes = await session.size("big.bin");
   * ```
   */
  async size(path: string, options: CommandOptions = {}): Promise<number> {
    const reply = await this.#command("SIZE", path, options);
    return parseSizeReply(reply);
  }

  /**
   * The last modification time of a file (MDTM, RFC 3659 §3), UTC.
   *
   * @example
   * ```ts
   * const when = await session.lastModified("a.txt");
   * ```
   */
  async lastModified(path: string, options: CommandOptions = {}): Promise<Date> {
    const reply = await this.#command("MDTM", path, options);
    return parseMdtmReply(reply);
  }

  /**
   * Changes the working directory (CWD).
   *
   * @example
   * ```ts
   * await session.cd("pub/releases");
   * ```
   */
  async cd(path: string, options: CommandOptions = {}): Promise<void> {
    await this.#command("CWD", path, options);
    if (path.startsWith("/")) this.#directories = [path];
    else this.#directories.push(path);
  }

  /**
   * The working directory (PWD, a 257 reply).
   *
   * @example
   * ```ts
   * console.log(await session.pwd()); // "/pub"
   * ```
   */
  async pwd(options: CommandOptions = {}): Promise<string> {
    const reply = await this.#command("PWD", undefined, options);
    return parsePathReply(reply);
  }

  /**
   * Sends a raw command and returns its final reply, whatever its code. Not for
   * commands that open data connections (use `retrieve`, `list`).
   *
   * @throws {FtpUsageError} for CR, LF or NUL in the command (nothing is sent)
   *
   * @example
   * ```ts
   * const reply = await session.send("SITE CHMOD 644 a.txt");
   * if (reply.code >= 400) console.error(reply.message);
   * ```
   */
  async send(command: string, options: CommandOptions = {}): Promise<Reply> {
    const m = /^([^\s]+)(?: (.*))?$/s.exec(command);
    if (m === null)
      throw new FtpUsageError(`Cannot send ${JSON.stringify(command)}: it has no verb`);
    const verb = m[1]!;
    const argument = m[2];
    if (/^(PASV|EPSV|PORT|EPRT|RETR|STOR|STOU|APPE|LIST|NLST|MLSD|AUTH|MODE)$/i.test(verb)) {
      // These change the data-connection or TLS state the session keeps track of.
      throw new FtpUsageError(`Cannot send "${verb.toUpperCase()}" raw: use the session's methods`);
    }
    return this.#queued(verb, argument, options, `send(${JSON.stringify(verb)})`);
  }

  /** QUIT, then close; also closes the lanes of a running retrieve. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#reconnecting?.catch(() => undefined);
      await this.#lane.close();
    })();
    return this.#closing;
  }

  /**
   * After pipelining trouble (replies out of step with a burst of commands, or no reply
   * to one written behind others) the connection is replaced by a new one that sends one
   * command at a time: login (and TLS), the working directory replayed, what the session
   * learned about modes and passive commands taken over. The same when the server
   * dropped the connection while a transfer the user gave up on was aborted (ProFTPD
   * over TLS), keeping pipelining as it was. Anything else that ended the connection
   * (a 421, a reset) is not retried: undefined.
   */
  #reconnect(failed: Lane): Promise<Lane | undefined> {
    if (this.#lane !== failed) {
      return Promise.resolve(this.#lane.control.open ? this.#lane : undefined);
    }
    if (!failed.control.replaceable || this.#closing !== undefined) {
      return Promise.resolve(undefined);
    }
    this.#reconnecting ??= (async () => {
      const pipelining = failed.control.pipeliningTrouble;
      const settings: LaneSettings = pipelining
        ? { ...this.#settings, pipelining: false }
        : this.#settings;
      settings.trace?.({
        type: "notice",
        message: pipelining
          ? `the server mishandled pipelined commands (${failed.control.failure?.message}); reconnecting, one command at a time`
          : `the server closed the connection while a transfer was aborted (${failed.control.failure?.message}); reconnecting`,
      });
      const lane = await Lane.open(settings, this.stats);
      try {
        for (const dir of this.#directories) await lane.control.expect("CWD", dir);
      } catch (error) {
        await lane.close();
        throw error;
      }
      lane.learnFrom(failed);
      await failed.close();
      this.#settings = settings;
      this.#lane = lane;
      return lane;
    })().finally(() => {
      this.#reconnecting = undefined;
    });
    return this.#reconnecting;
  }

  /** True when the last operation left a connection a new one can replace. */
  get #troubled(): boolean {
    const control = this.#lane.control;
    return !control.open && control.replaceable;
  }

  /** Reconnects first when the last operation left a replaceable connection behind. */
  async #mend(): Promise<void> {
    if (this.#troubled) await this.#reconnect(this.#lane);
  }

  /** Same as {@link close}. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * One command with one reply. The session's turn is held only until the command is
   * queued, so calls made together (`Promise.all(paths.map((p) => session.size(p)))`)
   * are pipelined into one write and cost one round trip; a transfer queued later waits
   * behind them, never the other way round.
   */
  async #command(
    verb: string,
    argument: string | undefined,
    options: CommandOptions,
  ): Promise<Reply> {
    const reply = await this.#queued(verb, argument, options, verb, FITS[verb]);
    if (reply.code >= 400) throw replyError(reply, verb, argument);
    return reply;
  }

  async #queued(
    verb: string,
    argument: string | undefined,
    options: CommandOptions,
    what: string,
    fits?: (code: number) => boolean,
  ): Promise<Reply> {
    const send = (): Promise<Reply> =>
      this.#lane.control.send(verb, argument, {
        ...sendOptions(options),
        ...(fits === undefined ? {} : { fits }),
      });
    let pending: Promise<Reply>;
    if (this.#turns === 0 && !this.#troubled) {
      // Nothing else holds or waits for the session's turn: queue at once, so that calls
      // made in the same tick go out in one write.
      this.#refuseNow(what);
      pending = send();
    } else {
      const release = await this.#acquire(what);
      try {
        if (this.#troubled) await this.#mend();
        pending = send();
      } finally {
        release();
      }
    }
    return waitFor(pending, { signal: options.signal, what: `"${verb}"` });
  }

  /** Runs `fn` when no other operation runs; refuses during a retrieve. */
  async #exclusive<T>(what: string, fn: () => Promise<T>): Promise<T> {
    const release = await this.#acquire(what);
    try {
      return await fn();
    } finally {
      release();
    }
  }

  /** Throws when the session cannot take an operation now (a retrieve runs, or it closed). */
  #refuseNow(what: string): void {
    if (this.#retrieving) {
      throw new FtpUsageError(
        `Cannot run ${what} while retrieve() is running on this session: finish or break the loop first, or use a second session`,
      );
    }
    if (this.#closing !== undefined)
      throw new FtpUsageError(`Cannot run ${what}: the session is closed`);
  }

  async #acquire(what: string): Promise<() => void> {
    this.#refuseNow(what);
    const before = this.#lock;
    let release!: () => void;
    this.#lock = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.#turns++;
    let released = false;
    const done = (): void => {
      if (released) return;
      released = true;
      this.#turns--;
      release();
    };
    await before;
    if (this.#retrieving) {
      done();
      throw new FtpUsageError(`Cannot run ${what} while retrieve() is running on this session`);
    }
    return done;
  }
}

/**
 * The replies that can answer each single command: one that cannot means the replies
 * are out of step (a server that reorders pipelined replies), not a wrong answer.
 */
const FITS: Readonly<Record<string, (code: number) => boolean>> = {
  SIZE: (c) => c === 213,
  MDTM: (c) => c === 213,
  PWD: (c) => c === 257,
  CWD: (c) => c >= 200 && c < 300 && c !== 213 && c !== 257 && c !== 227 && c !== 229,
};

function sendOptions(options: CommandOptions): { timeout?: number; signal?: AbortSignal } {
  const out: { timeout?: number; signal?: AbortSignal } = {};
  if (options.timeout !== undefined) out.timeout = options.timeout;
  if (options.signal !== undefined) out.signal = options.signal;
  return out;
}

function filterDots(entries: FileEntry[], includeDots: boolean | undefined): FileEntry[] {
  if (includeDots) return entries;
  return entries.filter(
    (e) => e.kind !== "cdir" && e.kind !== "pdir" && e.name !== "." && e.name !== "..",
  );
}
