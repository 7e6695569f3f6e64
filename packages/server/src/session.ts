/**
 * One control connection: reads commands, runs them one after another through the
 * dispatch table, writes replies, and owns the session's data channel.
 *
 * Commands are read while earlier ones run (pipelining), so that `ABOR` can stop a
 * transfer in flight (RFC 959 §4.1.3); everything else is answered strictly in order.
 *
 * @module
 */

import { nextTick } from "node:process";
import { formatAddress } from "@ftpkit/errors";
import { type Command, CommandParser, formatReplyLines } from "@ftpkit/reply";
import type { Socket, SocketInfo } from "@ftpkit/socket";
import { isStorageError } from "./commands/command-spec.ts";
import { COMMANDS } from "./commands/table.ts";
import { DataChannel } from "./data-channel.ts";
import type { FaultState } from "./faults.ts";
import { IdleTimer } from "./idle-timer.ts";
import type { ResolvedLimits, ServerOptions } from "./options.ts";
import { type OpenedAhead, ReadAhead, type ReadAheadBudget, readsAhead } from "./read-ahead.ts";
import type { LogRecord, ServerLog } from "./server-log.ts";
import { initialState, type SessionState } from "./session-state.ts";
import type { FileOpener } from "./storage/file-opener.ts";
import type { OpenedFile } from "./storage/open-for-read.ts";
import type { Storage } from "./storage/types.ts";
import type { TransferStop } from "./transfer-stop.ts";
import { resolvePath } from "./virtual-path.ts";

const UTF8 = new TextEncoder();

/** Commands whose replies may wait for the next one (see `Session.reply`). */
const JOINS_NEXT: ReadonlySet<string> = new Set(["SIZE", "MDTM"]);

/**
 * Commands read and not run yet, at most: reading stops there (TCP then holds the client
 * back) and goes on once half of them have run. Far above what a pipelining client
 * queues (ftpkit writes up to 2048 RETRs ahead); it bounds what a client that writes
 * commands and never reads a reply can make the server hold.
 */
export const MAX_QUEUED_COMMANDS = 8192;

/** How long a closing session waits for the replies held back to be written. */
const HELD_REPLY_CLOSE_MS = 1000;

/** What a session needs from its server. */
export interface SessionHost {
  readonly options: ServerOptions;
  readonly limits: ResolvedLimits;
  readonly log: ServerLog;
  readonly faultState: FaultState;
  readonly storage: Storage;
  readonly sleep: (ms: number) => Promise<void>;
  /** Files all sessions together may hold open for RETRs queued ahead. */
  readonly readAheadBudget: ReadAheadBudget;
  /** The worker that opens files for RETR (folder storage). */
  readonly fileOpener: FileOpener;
  nextConnectionId(): number;
}

/** A control session. */
export class Session {
  readonly id: number;
  readonly host: SessionHost;
  state: SessionState;
  readonly data: DataChannel;
  /** The control connection's addresses (after TLS, if implicit). */
  readonly info: SocketInfo;
  /** True once the control connection speaks TLS. */
  secure: boolean;
  /** The transfer in flight, which ABOR aborts. */
  transfer: TransferStop | undefined;
  /** Set when ABOR stopped the transfer in flight: ABOR then answers 226. */
  abortedByAbor = false;
  /**
   * The last RETR's file was read whole (and most likely sent at once): while that goes
   * on, the read-ahead rests, as each RETR reads its file at its turn in the time
   * reading it ahead would take (measured: 1000 × 16 KiB in MODE B, a tenth faster).
   */
  readsWholeFiles = false;
  /** The verb being answered, for reply faults and delays. */
  currentVerb = "greeting";
  #socket: Socket;
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #queue: Command[] = [];
  #wake: (() => void) | undefined;
  /** Set while reading waits for room in the queue. */
  #roomInQueue: (() => void) | undefined;
  #inputEnded = false;
  #closing = false;
  #closeReason = "client closed";
  #authGate: ((upgraded: boolean) => void) | undefined;
  readonly #idle = new IdleTimer();
  readonly #done: Promise<void>;
  #finish!: () => void;
  readonly #readAhead: ReadAhead;
  /** A command runs that lets the RETRs arriving behind it be opened ahead. */
  #readingAhead = false;
  /** What was opened ahead for the command running now, until it takes it. */
  #aheadOfCurrent: OpenedAhead | undefined;
  /** Replies (CR LF lines) waiting to go out with the next one (see `reply`). */
  #held: string[] = [];
  #flushScheduled = false;
  /** Settles when the latest write on the control connection did. */
  #lastWrite: Promise<void> = Promise.resolve();
  /** A write on the control connection is in flight. */
  #writing = false;

  constructor(id: number, host: SessionHost, socket: Socket, info: SocketInfo) {
    this.id = id;
    this.host = host;
    this.#socket = socket;
    this.info = info;
    this.secure = info.tls !== undefined;
    this.state = initialState(host.storage);
    this.#reader = socket.readable.getReader();
    this.#writer = socket.writable.getWriter();
    this.#done = new Promise((resolve) => {
      this.#finish = resolve;
    });
    this.#readAhead = new ReadAhead(host.readAheadBudget, host.fileOpener);
    const tls = host.options.tls;
    this.data = new DataChannel({
      sockets: host.options.sockets,
      session: id,
      record: (entry) => host.log.record(entry),
      nextConnectionId: () => host.nextConnectionId(),
      controlRemote: info.remoteAddress,
      controlLocal: info.localAddress,
      passive: host.options.passive ?? {},
      dataTimeout: host.limits.dataTimeout,
      tls:
        tls === undefined
          ? undefined
          : {
              cert: tls.cert,
              key: tls.key,
              minVersion: tls.minVersion,
              maxVersion: tls.maxVersion,
            },
      requireSessionReuse: tls?.requireSessionReuse ?? false,
      addBytes: (sent, received) => host.log.addBytes(id, sent, received),
    });
  }

  /** Resolves when the session has ended and everything it opened is closed. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** The client's address as `host:port`. */
  get remote(): string {
    return formatAddress(this.info.remoteAddress.hostname, this.info.remoteAddress.port);
  }

  record(entry: LogRecord): void {
    this.host.log.record(entry);
  }

  /** Runs the session to its end: greeting, commands, cleanup. */
  async run(greeting: string): Promise<void> {
    try {
      await this.reply(220, greeting);
      this.#armIdle();
      await Promise.all([this.#readLoop(), this.#executeLoop()]);
    } finally {
      await this.#cleanup();
    }
  }

  /**
   * Sends a reply (after any configured delay). Never throws: a dead connection ends the
   * session. The answer to a query clients send right before a RETR (SIZE, MDTM) may
   * wait for the reply that follows, to go out in one write with it (`213` with the
   * `125` when the RETR's file is open already), but only while more commands are queued
   * behind (the client pipelines) and only until the work already queued has run (the
   * end of this tick): anything that waits for I/O first lets it go. Every other reply
   * goes out at once; clients read meaning into when preliminary and final replies
   * arrive (whether a command queued behind a transfer was answered before its end,
   * whether a 1yz came before their data connection was up), so those go out at once.
   * The exceptions are the `125` and `250` of a file over a kept data connection (MODE
   * B, C, E): the connection is up, and the EOF marker ends the file, so nobody reads
   * meaning into when they come. They wait for the end of the tick with the file's bytes
   * (`DataConnection.buffer`), and a run of small files costs a few writes, not two a file.
   * Whatever goes out on the control connection goes after the data bytes before it.
   */
  async reply(code: number, text: string | readonly string[]): Promise<void> {
    const delay = this.host.faultState.replyDelay(this.currentVerb);
    if (delay > 0) await this.host.sleep(delay);
    const line = this.#recorded(code, text);
    // Backpressure: a client that does not read its replies stops the session here.
    if (this.#writing) await this.#lastWrite;
    this.#held.push(line);
    // The 250 that ends a file over a kept data connection (MODE B, C, E) may go with the
    // next file's 125: the EOF marker ended the file; nobody reads meaning into when it comes.
    const joins =
      JOINS_NEXT.has(this.currentVerb) ||
      (this.currentVerb === "RETR" &&
        (code === 250 || (code === 125 && this.data.hasKeptConnection)));
    if (joins && this.#queue.length > 0 && !this.#closing) {
      this.#flushLater();
      return;
    }
    await this.#write(this.#takeHeld()!);
  }

  /**
   * True when `reply` would hold the `125` and `250` of the RETR running over the kept
   * connection without waiting for anything first (no delay, no control write in
   * flight, commands queued behind): {@link holdReply} may give them.
   */
  get holdsFileReplies(): boolean {
    return (
      this.currentVerb === "RETR" &&
      this.#queue.length > 0 &&
      !this.#closing &&
      !this.#writing &&
      this.data.hasKeptConnection &&
      this.host.faultState.replyDelay("RETR") === 0
    );
  }

  /** What `reply` does with a reply it holds, at once (only while {@link holdsFileReplies}). */
  holdReply(code: number, text: string): void {
    this.#held.push(this.#recorded(code, text));
    this.#flushLater();
  }

  /** Logs a reply; returns its lines. */
  #recorded(code: number, text: string | readonly string[]): string {
    this.record({
      kind: "reply",
      session: this.id,
      code,
      text: typeof text === "string" ? text : text.join("\n"),
    });
    return formatReplyLines(code, text);
  }

  #flushLater(): void {
    if (this.#flushScheduled) return;
    this.#flushScheduled = true;
    nextTick(this.#flushAtTickEnd);
  }

  readonly #flushAtTickEnd = (): void => {
    this.#flushScheduled = false;
    const held = this.#takeHeld();
    if (held !== undefined) void this.#write(held);
  };

  /**
   * The replies held back as the bytes of one write (undefined: none). They are encoded
   * together, as `encodeReply` would one by one: UTF-8 never has the byte 0xFF, so there
   * is no Telnet IAC to double (RFC 959 §4.2 replies are Telnet lines).
   */
  #takeHeld(): Uint8Array | undefined {
    if (this.#held.length === 0) return undefined;
    const text = this.#held.length === 1 ? this.#held[0]! : this.#held.join("");
    this.#held = [];
    return UTF8.encode(text);
  }

  async #write(bytes: Uint8Array): Promise<void> {
    this.data.flush();
    const written = this.#writer.write(bytes);
    this.#writing = true;
    const settled = written.then(
      () => {},
      () => {},
    );
    this.#lastWrite = settled;
    void settled.then(() => {
      if (this.#lastWrite === settled) this.#writing = false;
    });
    try {
      await written;
    } catch {
      this.close("control connection lost");
    }
  }

  /** Ends the session: stops reading, aborts a transfer, closes the control connection. */
  close(reason: string): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#closeReason = reason;
    this.#idle.dispose();
    this.transfer?.abort();
    this.#inputEnded = true;
    this.#wake?.();
    this.#roomInQueue?.();
    this.#authGate?.(false);
    // Replies held back still go out first (a peer that does not read does not hold the
    // close up for long).
    const held = this.#takeHeld();
    if (held === undefined) {
      void this.#socket.close();
      return;
    }
    const timer = setTimeout(() => void this.#socket.close(), HELD_REPLY_CLOSE_MS);
    void this.#write(held).finally(() => {
      clearTimeout(timer);
      void this.#socket.close();
    });
  }

  /** A "close control" fault fires (`when`: "on RETR", "during RETR", "after RETR"): logged, then the session ends. */
  closeByFault(when: string): void {
    this.record({ kind: "fault", session: this.id, fault: "close-control", detail: when });
    this.close(`fault: close control ${when}`);
  }

  /** True once the session is closing. */
  get closing(): boolean {
    return this.#closing;
  }

  /**
   * AUTH TLS, after its 234: the TLS handshake on the control connection (RFC 4217
   * §4). The reader loop is paused at this point, so no byte of the handshake is lost.
   */
  async upgradeToTls(): Promise<boolean> {
    try {
      const held = this.#takeHeld();
      if (held !== undefined) await this.#write(held);
      this.#reader.releaseLock();
      this.#writer.releaseLock();
      const tlsSocket = this.#socket.startTls();
      this.#socket = tlsSocket;
      this.#reader = tlsSocket.readable.getReader();
      this.#writer = tlsSocket.writable.getWriter();
      await tlsSocket.opened;
      this.secure = true;
      this.#authGate?.(true);
      return true;
    } catch (error) {
      this.record({
        kind: "fault",
        session: this.id,
        fault: "tls-handshake",
        detail: `TLS handshake on the control connection failed: ${(error as Error).message}`,
      });
      this.close("TLS handshake failed");
      return false;
    }
  }

  /** The file opened ahead for the running command, if any; the caller uses or releases it. */
  takeOpenedAhead(): OpenedAhead | undefined {
    const ahead = this.#aheadOfCurrent;
    this.#aheadOfCurrent = undefined;
    return ahead;
  }

  /** The file opened ahead for the running command, if any, left in place. */
  get openedAhead(): OpenedAhead | undefined {
    return this.#aheadOfCurrent;
  }

  /** Closes a file opened ahead that is not used. */
  releaseOpenedAhead(ahead: OpenedAhead): Promise<void> {
    return this.#readAhead.release(ahead);
  }

  /**
   * The file opened ahead for a RETR of `path` queued behind the running command (SIZE
   * asks, before its RETR), left to that RETR; undefined when there is none.
   */
  async openedAheadFor(path: string): Promise<OpenedFile | undefined> {
    return this.#readAhead.find(this.state.storage, path)?.file;
  }

  /** `argument` as a path resolved in the working directory; undefined when it is none. */
  #resolvedOrUndefined(argument: string): string | undefined {
    if (argument === "") return undefined;
    try {
      return resolvePath(this.state.cwd, argument);
    } catch {
      return undefined;
    }
  }

  #fillReadAhead(): void {
    if (this.#closing || this.readsWholeFiles) return;
    this.#readAhead.fill(this.#queue, this.state.storage, (argument) =>
      this.#resolvedOrUndefined(argument),
    );
  }

  /** AUTH refused: the reader loop goes on in clear. */
  resumePlain(): void {
    this.#authGate?.(false);
  }

  #armIdle(): void {
    if (this.#closing) return;
    this.#idle.start(this.host.limits.idleTimeout, this.#idleTimeout);
  }

  readonly #idleTimeout = (): void => {
    void (async () => {
      this.currentVerb = "idle";
      const seconds = Math.round(this.host.limits.idleTimeout / 1000);
      await this.reply(421, `Idle timeout (${seconds} s): closing control connection`);
      this.close("idle timeout");
    })();
  };

  async #readLoop(): Promise<void> {
    let parser = new CommandParser({ maxLineLength: this.host.limits.maxCommandLine });
    while (!this.#closing) {
      if (this.#queue.length >= MAX_QUEUED_COMMANDS) {
        await new Promise<void>((resolve) => {
          this.#roomInQueue = resolve;
        });
        this.#roomInQueue = undefined;
        continue;
      }
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await this.#reader.read();
      } catch {
        break;
      }
      if (chunk.done) break;
      let commands: Command[];
      try {
        commands = parser.push(chunk.value);
      } catch {
        this.#queue.length = 0;
        this.currentVerb = "line";
        await this.reply(
          500,
          `Command line too long (limit ${this.host.limits.maxCommandLine} bytes)`,
        );
        this.close("command line too long");
        break;
      }
      for (const command of commands) {
        // ABOR acts at once on a transfer in flight; its reply still comes in order.
        if (command.verb === "ABOR" && this.transfer !== undefined) {
          this.abortedByAbor = true;
          this.transfer.abort();
        }
        this.#queue.push(command);
        this.#wake?.();
        if (this.#readingAhead && command.verb === "RETR") this.#fillReadAhead();
        if (command.verb === "AUTH" && !this.secure) {
          const upgraded = await new Promise<boolean>((resolve) => {
            this.#authGate = resolve;
          });
          this.#authGate = undefined;
          if (upgraded) {
            // RFC 4217 §4: nothing sent in clear after AUTH counts.
            parser = new CommandParser({ maxLineLength: this.host.limits.maxCommandLine });
            break;
          }
        }
      }
    }
    this.#inputEnded = true;
    this.#wake?.();
  }

  async #next(): Promise<Command | undefined> {
    for (;;) {
      const command = this.#queue.shift();
      if (this.#roomInQueue !== undefined && this.#queue.length <= MAX_QUEUED_COMMANDS / 2) {
        this.#roomInQueue();
      }
      if (command !== undefined) return command;
      if (this.#inputEnded) return undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
      this.#wake = undefined;
    }
  }

  async #executeLoop(): Promise<void> {
    for (;;) {
      const command = await this.#next();
      if (command === undefined || this.#closing) break;
      this.#idle.stop();
      await this.#execute(command);
      if (this.#closing) break;
      this.#armIdle();
    }
    this.close(this.#closeReason);
  }

  async #execute(command: Command): Promise<void> {
    this.#aheadOfCurrent = this.#readAhead.take(command);
    try {
      await this.#run(command);
    } finally {
      const unused = this.takeOpenedAhead();
      if (unused !== undefined) void this.releaseOpenedAhead(unused);
    }
  }

  async #run(command: Command): Promise<void> {
    // While a RETR, or a command that changes nothing a RETR depends on, runs, the RETRs
    // queued behind it (and arriving meanwhile) have their files opened.
    this.#readingAhead = this.state.loggedIn && readsAhead(command.verb);
    try {
      if (this.#readingAhead) this.#fillReadAhead();
      await this.#runCommand(command);
    } finally {
      this.#readingAhead = false;
    }
  }

  async #runCommand(command: Command): Promise<void> {
    const { verb, argument } = command;
    this.currentVerb = verb;
    this.record({
      kind: "command",
      session: this.id,
      verb,
      argument: verb === "PASS" && argument !== "" ? "****" : argument,
    });
    const faults = this.host.faultState;
    if (
      faults.options.closeControl !== undefined &&
      faults.closeControl(verb, "command", this.#resolvedOrUndefined(argument)) !== undefined
    ) {
      this.closeByFault(`on ${verb}`);
      return;
    }
    if (/[\0\r\n]/.test(argument)) {
      await this.reply(501, "Argument contains a CR, LF or NUL byte: refused");
      if (verb === "AUTH") this.resumePlain();
      return;
    }
    const fault = faults.reply(verb, argument);
    if (fault !== undefined) {
      this.record({
        kind: "fault",
        session: this.id,
        fault: "reply",
        detail: `${verb} -> ${fault.code}`,
      });
      await this.reply(fault.code, fault.text ?? `${verb} refused (fault injection)`);
      if (fault.code === 421) this.close(`fault: 421 on ${verb}`);
      if (verb === "AUTH") this.resumePlain();
      return;
    }
    const spec = COMMANDS.get(verb);
    if (spec === undefined) {
      await this.reply(500, `Unknown command "${verb}"`);
      return;
    }
    if (spec.login !== false && !this.state.loggedIn) {
      await this.reply(530, "Please log in with USER and PASS first");
      return;
    }
    if (spec.writes === true && this.state.readOnly) {
      await this.reply(550, "Permission denied: this login is read-only");
      return;
    }
    if (verb !== "RNTO") this.state.renameFrom = undefined;
    try {
      await spec.run(this, argument);
    } catch (error) {
      await this.reply(
        isStorageError(error) ? 550 : 451,
        `Local error: ${(error as Error).message}`,
      );
    }
    // AUTH that did not upgrade (refused, faulted, malformed): reading goes on in clear.
    if (verb === "AUTH") this.resumePlain();
    if (!this.#closing && faults.closeControl(verb, "reply") !== undefined) {
      this.closeByFault(`after ${verb}`);
    }
  }

  async #cleanup(): Promise<void> {
    this.#idle.dispose();
    await this.#readAhead.close();
    await this.data.close().catch(() => {});
    await Promise.race([this.#lastWrite, this.#socket.closed]);
    await this.#socket.close().catch(() => {});
    this.record({ kind: "disconnect", session: this.id, reason: this.#closeReason });
    this.#finish();
  }
}
