/**
 * The control connection: writes commands, reads replies, and matches them strictly in
 * order (RFC 959 §4.2: every command gets exactly one final reply, and a 1yz preliminary
 * reply belongs to the command in flight).
 *
 * Commands are pipelined: `send()` does not wait for earlier replies, and commands sent
 * in the same tick share one write. With `pipelining` off, or after the server showed
 * it mishandles pipelining, each command waits until the previous one has its reply.
 *
 * @module
 */

import {
  ConnectionResetError,
  FtpAbortError,
  FtpError,
  FtpProtocolError,
  FtpReplyError,
  FtpTimeoutError,
  formatAddress,
  SocketError,
} from "@ftpkit/errors";
import { encodeCommand, formatReply, type Reply, ReplyParser } from "@ftpkit/reply";
import type { Socket, SocketAddress, SocketInfo, TlsClientOptions } from "@ftpkit/socket";
import { type Deferred, deferred } from "./deferred.ts";
import type { TraceEvent } from "./options.ts";
import type { SessionStats } from "./stats.ts";
import { type Abortable, onAbort, waitFor } from "./timeouts.ts";

/** Options of one command. */
export interface SendOptions {
  /** Called with each 1yz reply of this command. */
  onPreliminary?: (reply: Reply) => void;
  /**
   * A transfer command: after its 1yz reply the reply timer stops, because the final
   * reply comes only after the data; the transfer watches the data connection instead.
   */
  transfer?: boolean;
  /** Milliseconds to wait for the reply once the command is written. */
  timeout?: number;
  /** Stop waiting; the reply, when it comes, is consumed and dropped. */
  signal?: Abortable | undefined;
  /** Mask the argument in traces and errors (passwords). */
  secret?: boolean;
  /** Stop reading after this command's reply (the TLS handshake follows, RFC 4217 §4). */
  pauseReading?: boolean;
  /**
   * Write this command only together with a later one (it must not cost a round trip of
   * its own): `OPTS UTF8 ON` after FEAT rides along with the next real command.
   */
  lazy?: boolean;
  /**
   * A NOOP written after commands whose replies a server may leave out (ABOR after a
   * transfer: pure-ftpd answers the pair with a stray 150 and one 226). When a reply
   * that fits the sentinel arrives while an earlier command waits for a reply that does
   * not fit, the earlier commands are taken as unanswered and the queue is back in step.
   */
  sentinel?: boolean;
  /**
   * Whether a final positive reply code can belong to this command. A code that cannot
   * means the replies are out of step with the commands: the connection is failed rather
   * than every later reply being matched to the wrong command.
   */
  fits?: (code: number) => boolean;
  /**
   * This command may be answered while a transfer command ahead of it is still running:
   * pyftpdlib handles commands during a transfer, every other server probed answers them
   * after the transfer's final reply (../shared/real-servers.md §3). A final reply that
   * cannot be the transfer's (`fits` of the transfer says no) and fits this command is
   * taken as this command's, out of order; either order keeps the queue in step.
   */
  duringTransfer?: boolean;
  /**
   * Written at once behind a transfer in flight, even when the session sends one
   * command at a time (the keepalive NOOP); never resent after a 500.
   */
  outOfBand?: boolean;
  /**
   * Called with the final reply as it is matched, before the promise resolves: a
   * transfer reads it without a promise callback of its own.
   */
  onReply?: (reply: Reply) => void;
}

interface Pending {
  readonly verb: string;
  readonly label: string;
  readonly bytes: Uint8Array | undefined;
  readonly options: SendOptions;
  readonly result: Deferred<Reply>;
  written: boolean;
  preliminary: boolean;
  abandoned: boolean;
  /** Written while another command was waiting for its reply. */
  pipelined: boolean;
  /** Written a second time, one at a time, after the server choked on it in a burst. */
  retried: boolean;
  /** A transfer whose data has all arrived: its final reply is timed again. */
  dataEnded?: boolean;
}

/** Replies that say "not understood": to a verb that worked before, a choked burst. */
const CHOKE_CODES = new Set([500, 501, 502]);

/**
 * Queries whose place in the order changes nothing: carried out after a held command,
 * they do not make writing it again unsafe (a RETR, REST, EPSV, MODE or CWD would).
 */
const ORDER_FREE = new Set(["SIZE", "MDTM", "HASH", "NOOP", "PWD", "XPWD", "SYST", "FEAT", "MLST"]);

/**
 * Starts calling `tick` every `intervalMs` and returns the function that stops it. The
 * default uses `setInterval`; tests pass their own to run ticks without real time.
 */
export type KeepaliveTimer = (tick: () => void, intervalMs: number) => () => void;

/** The default {@link KeepaliveTimer}: `setInterval`. */
export const intervalTimer: KeepaliveTimer = (tick, intervalMs) => {
  const id = setInterval(tick, intervalMs);
  return () => clearInterval(id);
};

/** Options of {@link ControlConnection}. */
export interface ControlConnectionOptions {
  /** Default reply timeout in milliseconds. */
  timeout: number;
  pipelining: boolean;
  stats: SessionStats;
  trace: ((event: TraceEvent) => void) | undefined;
  maxLineLength: number | undefined;
  maxReplyLines: number | undefined;
  maxReplyBytes?: number | undefined;
  /** NOOP every `intervalMs` while a transfer runs (at most a few outstanding). */
  keepalive?: { intervalMs: number; timer: KeepaliveTimer } | undefined;
}

/** Keepalive NOOPs left unanswered at most; more would only pile up behind the transfer. */
const MAX_KEEPALIVES = 8;

/** A control connection with an in-order command queue. */
export class ControlConnection {
  #socket: Socket;
  #info: SocketInfo;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #parser: ReplyParser;
  readonly #options: ControlConnectionOptions;
  readonly #queue: Pending[] = [];
  #serial: boolean;
  #pumpScheduled = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the pending timer fires. */
  #timerAt = 0;
  /** The command whose reply is awaited, and when its time is up. */
  #timerFor: Pending | undefined;
  #deadline: number | undefined;
  #deadlineMs = 0;
  #failure: FtpError | undefined;
  #pauseRequested = false;
  #readLoop: Promise<void>;
  readonly #closed = deferred<void>();
  readonly #greeting: Promise<Reply>;
  /** Commands answered "not understood" in a burst, with their replies, until it drains. */
  readonly #held: { pending: Pending; reply: Reply }[] = [];
  /** Verbs the server has answered with a positive reply in this session. */
  readonly #known = new Set<string>();
  #trouble = false;
  /** Transfers being aborted now (see {@link ControlConnection.whileAborting}). */
  #aborting = 0;
  #lostDuringAbort = false;
  #answeredDuringTransfer = 0;
  #stopKeepalive: (() => void) | undefined;
  #keepaliveFor: Pending | undefined;

  constructor(socket: Socket, info: SocketInfo, options: ControlConnectionOptions) {
    this.#socket = socket;
    this.#info = info;
    this.#options = options;
    this.#serial = !options.pipelining;
    this.#parser = new ReplyParser({
      ...(options.maxLineLength === undefined ? {} : { maxLineLength: options.maxLineLength }),
      ...(options.maxReplyLines === undefined ? {} : { maxReplyLines: options.maxReplyLines }),
      ...(options.maxReplyBytes === undefined ? {} : { maxReplyBytes: options.maxReplyBytes }),
      onStrayLine: (line) => this.#notice(`ignored a line that is not a reply: ${line}`),
    });
    this.#writer = socket.writable.getWriter();
    // The greeting is the reply to the connection itself (RFC 959 §5.4).
    const greeting: Pending = {
      verb: "",
      label: "(greeting)",
      bytes: undefined,
      options: {},
      result: deferred<Reply>(),
      written: true,
      preliminary: false,
      abandoned: false,
      pipelined: false,
      retried: false,
    };
    this.#queue.push(greeting);
    this.#greeting = greeting.result.promise;
    this.#armTimer();
    this.#readLoop = this.#read();
  }

  /** The server's greeting (220; a 120 before it is skipped). */
  get greeting(): Promise<Reply> {
    return this.#greeting;
  }

  /** The control connection's local address. */
  get localAddress(): SocketAddress {
    return this.#info.localAddress;
  }

  /** The server's address: data connections go to this host. */
  get remoteAddress(): SocketAddress {
    return this.#info.remoteAddress;
  }

  /** `host:port` of the server. */
  get address(): string {
    return formatAddress(this.#info.remoteAddress.hostname, this.#info.remoteAddress.port);
  }

  /** True once the control connection speaks TLS. */
  get secure(): boolean {
    return this.#info.tls !== undefined;
  }

  /** The TLS session to resume on data connections; ask right before each use. */
  tlsSession(): ReturnType<Socket["tlsSession"]> {
    return this.#socket.tlsSession();
  }

  /** The error that ended the connection, if it ended. */
  get failure(): FtpError | undefined {
    return this.#failure;
  }

  /** True while the connection can carry commands. */
  get open(): boolean {
    return this.#failure === undefined;
  }

  /** True when the session sends one command at a time. */
  get serial(): boolean {
    return this.#serial;
  }

  /** Commands written whose final reply has not arrived. */
  get outstanding(): number {
    return this.#writtenCount();
  }

  /**
   * True when the connection failed in a way that pipelining explains: replies out of
   * step with commands written in bursts, or no reply to a command written behind
   * others. A new connection sending one command at a time can carry on.
   */
  get pipeliningTrouble(): boolean {
    return this.#trouble && this.#failure !== undefined;
  }

  /**
   * True when the server dropped the connection (a close or reset, not a 421) while a
   * transfer the user gave up on was being aborted. ProFTPD's mod_tls ends the whole
   * session when writing to the data connection we closed fails ("SSL_ERROR_SYSCALL:
   * Broken pipe ... disconnecting"): no reply and no data is lost, a new connection
   * can carry on.
   */
  get lostDuringAbort(): boolean {
    return this.#lostDuringAbort && this.#failure !== undefined;
  }

  /** True when a new connection can take over: {@link pipeliningTrouble} or {@link lostDuringAbort}. */
  get replaceable(): boolean {
    return this.pipeliningTrouble || this.lostDuringAbort;
  }

  /**
   * Runs `abort` (closing a transfer's data connection, ABOR, the replies) and notes
   * whether the server dropped the connection meanwhile ({@link lostDuringAbort}).
   */
  async whileAborting<T>(abort: () => Promise<T>): Promise<T> {
    this.#aborting++;
    try {
      return await abort();
    } finally {
      this.#aborting--;
    }
  }

  /**
   * How many replies arrived while a transfer command ahead of them was still running
   * (a server that handles commands during transfers, like pyftpdlib).
   */
  get answeredDuringTransfer(): number {
    return this.#answeredDuringTransfer;
  }

  /** True while a transfer command has had its 1yz and waits for its final reply. */
  get transferRunning(): boolean {
    const head = this.#queue[0];
    return head?.written === true && head.options.transfer === true && head.preliminary;
  }

  /**
   * The data of the transfer at the head of the queue has all arrived (its EOF marker):
   * its final reply is now timed like any other (a transfer's reply is not timed while
   * its data flows). `final` is what `send` returned for it. False when the head is not
   * that transfer, running.
   */
  transferDataEnded(final: Promise<Reply>): boolean {
    if (!this.transferRunning || this.#queue[0]!.result.promise !== final) return false;
    this.#queue[0]!.dataEnded = true;
    this.#armTimer();
    return true;
  }

  /** Resolves when the connection has ended; never rejects. */
  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  /** Switches to one command at a time for the rest of the session. */
  fallBackToSerial(reason: string): void {
    if (this.#serial) return;
    this.#serial = true;
    this.#notice(`pipelining off: ${reason}`);
  }

  /**
   * Queues a command and resolves with its final reply, whatever its code. Rejects only
   * when no reply can come: the connection failed, the time ran out or `signal` aborted.
   *
   * @throws {FtpUsageError} synchronously (before anything is written) for CR, LF or NUL
   */
  send(verb: string, argument?: string, options: SendOptions = {}): Promise<Reply> {
    // Encoding first: a refused argument must not leave anything on the wire.
    const bytes = encodeCommand(verb, argument);
    const label =
      argument === undefined ? verb : options.secret ? `${verb} ****` : `${verb} ${argument}`;
    const result = deferred<Reply>();
    if (this.#failure !== undefined) {
      result.reject(this.#failure);
      return result.promise;
    }
    const pending: Pending = {
      verb: verb.toUpperCase(),
      label,
      bytes,
      options,
      result,
      written: false,
      preliminary: false,
      abandoned: false,
      pipelined: false,
      retried: false,
    };
    const signal = options.signal;
    if (signal !== undefined) {
      if (signal.aborted) {
        result.reject(new FtpAbortError(`"${label}" was aborted`, { command: label }));
        return result.promise;
      }
      const unwatch = onAbort(signal, () => {
        if (result.settled) return;
        const index = this.#queue.indexOf(pending);
        if (index !== -1 && !pending.written) this.#queue.splice(index, 1);
        else pending.abandoned = true;
        result.reject(
          new FtpAbortError(`"${label}" was aborted`, { command: label, cause: signal.reason }),
        );
      });
      result.promise.then(unwatch, unwatch);
    }
    if (options.outOfBand) {
      // Right behind the commands already written, so the queue keeps the wire's order.
      this.#queue.splice(this.#writtenCount(), 0, pending);
    } else {
      this.#queue.push(pending);
    }
    this.#schedulePump();
    return result.promise;
  }

  /**
   * Sends a keepalive NOOP when a transfer is running (RFC 959 §4.1.3: NOOP has no
   * effect): the control connection stays busy for NAT and firewalls during a long
   * transfer. Its reply may come during the transfer or after it. Returns false when
   * nothing was sent (no transfer running, or enough NOOPs already unanswered).
   */
  keepalive(): boolean {
    if (this.#failure !== undefined || !this.transferRunning) return false;
    let waiting = 0;
    for (const p of this.#queue) if (p.options.outOfBand) waiting++;
    if (waiting >= MAX_KEEPALIVES) return false;
    this.send("NOOP", undefined, {
      duringTransfer: true,
      outOfBand: true,
      fits: (c) => c === 200,
    }).catch(() => {});
    return true;
  }

  #writtenCount(): number {
    let n = 0;
    while (n < this.#queue.length && this.#queue[n]!.written) n++;
    return n;
  }

  /** Like {@link send}, but a 4yz/5yz reply rejects with {@link FtpReplyError}. */
  async expect(verb: string, argument?: string, options: SendOptions = {}): Promise<Reply> {
    const reply = await this.send(verb, argument, options);
    if (reply.code >= 400) throw replyError(reply, verb, argument, options.secret);
    return reply;
  }

  /**
   * Replaces the socket by its TLS upgrade after a command sent with `pauseReading`
   * has its reply (AUTH TLS, RFC 4217 §4).
   */
  async startTls(options: TlsClientOptions, timeout: number): Promise<void> {
    await this.#readLoop;
    if (this.#failure !== undefined) throw this.#failure;
    this.#writer.releaseLock();
    const tls = this.#socket.startTls(options);
    this.#socket = tls;
    try {
      this.#info = await waitFor(tls.opened, { ms: timeout, what: "The TLS handshake" });
    } catch (error) {
      this.#fail(asFtpError(error, this.address));
      throw this.#failure;
    }
    this.#writer = tls.writable.getWriter();
    this.#pauseRequested = false;
    this.#readLoop = this.#read();
  }

  /** Ends the connection: every pending command rejects with `reason`. Idempotent. */
  async destroy(reason?: FtpError): Promise<void> {
    this.#fail(
      reason ??
        new ConnectionResetError("The session was closed", {
          address: this.address,
          reason: "closed",
        }),
    );
    await this.#closed.promise;
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    queueMicrotask(() => {
      this.#pumpScheduled = false;
      this.#pump();
    });
  }

  /** Writes every command that may go now, in one write. */
  #pump(): void {
    if (this.#failure !== undefined) return;
    // The written commands are the head of the queue: what is left to write starts
    // there. (Found from the tail: with many RETRs written ahead the queue is long and
    // this runs after every reply.)
    const queue = this.#queue;
    let outstanding = queue.length;
    while (outstanding > 0 && !queue[outstanding - 1]!.written) outstanding--;
    if (outstanding === queue.length) return;
    const batch: Pending[] = [];
    let lazy = true;
    for (let i = outstanding; i < queue.length; i++) {
      const p = queue[i]!;
      if (this.#serial && outstanding + batch.length > 0 && !p.options.outOfBand) break;
      batch.push(p);
      if (!p.options.lazy) lazy = false;
    }
    if (batch.length === 0) return;
    // Lazy commands wait to go out with the next one that is not.
    if (lazy && !queue.slice(outstanding + batch.length).some((p) => !p.options.lazy)) return;
    const { stats, trace } = this.#options;
    if (outstanding === 0) stats.roundTrips++;
    stats.writes++;
    let length = 0;
    for (const p of batch) length += p.bytes!.length;
    const bytes = new Uint8Array(length);
    let offset = 0;
    let ahead = outstanding;
    for (const p of batch) {
      bytes.set(p.bytes!, offset);
      offset += p.bytes!.length;
      p.written = true;
      p.pipelined = ahead > 0 && !p.options.outOfBand;
      ahead++;
      stats.commands++;
      trace?.({ type: "command", line: p.label });
    }
    this.#writer
      .write(bytes)
      .catch((error: unknown) => this.#fail(asFtpError(error, this.address)));
    this.#armTimer();
  }

  async #read(): Promise<void> {
    const reader = this.#socket.readable.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        let replies: Reply[];
        try {
          replies = this.#parser.push(value);
        } catch (error) {
          this.#fail(asFtpError(error, this.address));
          return;
        }
        for (const reply of replies) {
          this.#options.stats.replies++;
          this.#options.trace?.({ type: "reply", reply });
          this.#dispatch(reply);
        }
        if (this.#failure !== undefined) return;
        if (this.#pauseRequested) return;
      }
      if (this.#failure !== undefined) return;
      try {
        this.#parser.end();
      } catch (error) {
        this.#fail(asFtpError(error, this.address));
        return;
      }
      this.#fail(
        new ConnectionResetError(`The server closed the control connection "${this.address}"`, {
          address: this.address,
          reason: "closed",
        }),
      );
    } catch (error) {
      this.#fail(asFtpError(error, this.address));
    } finally {
      try {
        reader.releaseLock();
      } catch {
        // A reader of a failed socket may refuse to release; the socket is closed anyway.
      }
    }
  }

  #dispatch(reply: Reply): void {
    const head = this.#queue[0];
    if (head === undefined || !head.written) {
      if (reply.code === 421) {
        this.#fail(replyError(reply, "(none)"));
        return;
      }
      // A reply nobody asked for: some earlier command got two. One at a time from now on
      // keeps later replies attributable.
      this.#notice(`ignored an unexpected reply: ${formatReply(reply)}`);
      this.fallBackToSerial("the server sent a reply no command was waiting for");
      return;
    }
    if (reply.code < 200) {
      // A transfer that starts was carried out: commands held before it stay answered.
      if (this.#held.length > 0 && !head.options.outOfBand) this.#releaseHeld();
      head.preliminary = true;
      if (!head.abandoned) head.options.onPreliminary?.(reply);
      this.#armTimer();
      this.#armKeepalive();
      return;
    }
    if (head.options.transfer && head.preliminary && !endsTransfer(head, reply.code)) {
      // A server that answers commands during a transfer (pyftpdlib; pure-ftpd says 500):
      // the reply belongs to a command written behind the transfer that allows it.
      const k = this.#queue.findIndex((p, i) => i > 0 && p.written && p.options.duringTransfer);
      const behind = k > 0 ? this.#queue[k]! : undefined;
      if (behind !== undefined && fitsPending(behind, reply.code)) {
        this.#queue.splice(k, 1);
        this.#answeredDuringTransfer++;
        this.#learn(behind, reply);
        answer(behind, reply);
        this.#schedulePump();
        return;
      }
    }
    if (reply.code < 400 && !fitsPending(head, reply.code)) {
      const s = this.#queue.findIndex((p) => p.options.sentinel === true && p.written);
      if (s > 0 && (this.#queue[s]!.options.fits?.(reply.code) ?? true)) {
        for (const skipped of this.#queue.splice(0, s)) {
          skipped.result.reject(
            new FtpProtocolError(`The server sent no reply to "${skipped.label}"`, {
              command: skipped.label,
            }),
          );
        }
        this.#notice(`resynchronised on a NOOP: ${s} command(s) got no reply`);
        this.#dispatch(reply);
        return;
      }
      if (this.#queue.some((p) => p.written && p.pipelined)) this.#trouble = true;
      this.#fail(
        new FtpProtocolError(
          `The reply "${formatReply(reply)}" cannot answer "${head.label}": the server's replies are out of step with the commands`,
          { command: head.label, code: reply.code, replyText: reply.message },
        ),
      );
      return;
    }
    if (this.#held.length > 0 && !head.options.outOfBand) {
      if (reply.code < 400 && !ORDER_FREE.has(head.verb)) this.#releaseHeld();
      else if (head.pipelined && !head.retried) {
        this.#hold(head, reply);
        this.#afterHold();
        return;
      }
    }
    if (this.#chokes(head, reply)) {
      this.#hold(head, reply);
      this.#afterHold();
      return;
    }
    this.#queue.shift();
    this.#learn(head, reply);
    if (head.options.pauseReading) this.#pauseRequested = true;
    answer(head, reply);
    if (reply.code === 421) {
      // 421: the server is closing the control connection (RFC 959 §4.2).
      this.#fail(replyError(reply, head.label));
      return;
    }
    this.#resendHeld();
    this.#armTimer();
    this.#armKeepalive();
    this.#schedulePump();
  }

  #afterHold(): void {
    this.#resendHeld();
    this.#armTimer();
    this.#armKeepalive();
    this.#schedulePump();
  }

  /** Remembers the verbs that work, for telling a choked burst from a real refusal. */
  #learn(p: Pending, reply: Reply): void {
    if (reply.code < 400 && p.verb !== "") this.#known.add(p.verb);
  }

  /**
   * A server that mishandles pipelining answers the second and later commands of a
   * write with 500/501/502 ("not understood"), also for verbs it carried out before in
   * this session. Such a command was not carried out, and the session goes on one
   * command at a time. Whether it may be written again is decided once every command
   * written after it has its reply: only when none of them was carried out (all failed,
   * like RETR after a choked EPSV, or were queries like SIZE) are they written again,
   * in their order; when one was carried out, resending would change the order the
   * server acts in (the data of a persistent connection), so the held replies stand.
   * Each command is resent at most once.
   */
  #chokes(head: Pending, reply: Reply): boolean {
    if (!head.pipelined || head.retried || head.options.outOfBand) return false;
    return CHOKE_CODES.has(reply.code) && this.#known.has(head.verb);
  }

  /** Takes the head out of the queue until the burst it belongs to has drained. */
  #hold(head: Pending, reply: Reply): void {
    this.#queue.shift();
    if (this.#held.length === 0) {
      this.fallBackToSerial(
        `the server answered "${head.label}", written behind other commands, with "${formatReply(reply)}"`,
      );
    }
    this.#held.push({ pending: head, reply });
  }

  /** Something written after a held command was carried out: the held replies stand. */
  #releaseHeld(): void {
    for (const { pending, reply } of this.#held.splice(0)) {
      if (pending.options.pauseReading) this.#pauseRequested = true;
      answer(pending, reply);
    }
  }

  /** Once every command written so far has its reply, the held ones are written again. */
  #resendHeld(): void {
    if (this.#held.length === 0) return;
    if (this.#queue.some((p) => p.written && !p.options.outOfBand)) return;
    const again = this.#held.splice(0).map(({ pending }) => pending);
    for (const p of again) {
      p.written = false;
      p.preliminary = false;
      p.retried = true;
    }
    this.#queue.splice(this.#writtenCount(), 0, ...again);
    this.#notice(`writing ${again.length} command(s) again, one at a time`);
  }

  /** Keepalive NOOPs run while a transfer command waits for its final reply. */
  #armKeepalive(): void {
    const keepalive = this.#options.keepalive;
    if (keepalive === undefined) return;
    const head = this.#queue[0];
    const running = this.#failure === undefined && this.transferRunning ? head : undefined;
    if (running === this.#keepaliveFor) return;
    this.#stopKeepalive?.();
    this.#stopKeepalive = undefined;
    this.#keepaliveFor = running;
    if (running === undefined) return;
    this.#stopKeepalive = keepalive.timer(() => {
      if (this.#keepaliveFor === running && this.keepalive()) {
        this.#notice("keepalive NOOP during the transfer");
      }
    }, keepalive.intervalMs);
  }

  /**
   * (Re)starts the reply clock of the command at the head of the queue (every reply
   * restarts it). Replies come several per file, so the clock is a deadline that one
   * timer checks when it fires, instead of a timer set and cleared per reply.
   */
  #armTimer(): void {
    const head = this.#queue[0];
    const wanted =
      head?.written && !(head.options.transfer && head.preliminary && !head.dataEnded)
        ? head
        : undefined;
    const ms = wanted === undefined ? 0 : (wanted.options.timeout ?? this.#options.timeout);
    this.#timerFor = wanted;
    if (wanted === undefined || this.#failure !== undefined || !(ms > 0) || !Number.isFinite(ms)) {
      this.#deadline = undefined;
      // Nothing is waiting for a reply: no timer keeps the runtime busy.
      if (this.#timer !== undefined && this.#queue[0]?.written !== true) this.#stopTimer();
      return;
    }
    const deadline = Date.now() + ms;
    this.#deadline = deadline;
    this.#deadlineMs = ms;
    if (this.#timer !== undefined && this.#timerAt <= deadline) return;
    this.#stopTimer();
    this.#timerAt = deadline;
    this.#timer = setTimeout(this.#onTimer, ms);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    const wanted = this.#timerFor;
    const deadline = this.#deadline;
    if (wanted === undefined || deadline === undefined || this.#failure !== undefined) return;
    const left = deadline - Date.now();
    if (left > 0) {
      this.#timerAt = deadline;
      this.#timer = setTimeout(this.#onTimer, left);
      return;
    }
    // No reply to a command written behind others: the server may drop what follows
    // the first command of a write.
    if (this.#queue.some((p) => p.written && p.pipelined)) this.#trouble = true;
    this.#fail(
      new FtpTimeoutError(
        `No reply to "${wanted.label}" from "${this.address}" within ${this.#deadlineMs} ms`,
        { command: wanted.label },
      ),
    );
  };

  #stopTimer(): void {
    if (this.#timer === undefined) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #notice(message: string): void {
    this.#options.trace?.({ type: "notice", message });
  }

  #fail(error: FtpError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    if (this.#aborting > 0 && error instanceof SocketError) this.#lostDuringAbort = true;
    this.#stopTimer();
    this.#deadline = undefined;
    this.#stopKeepalive?.();
    this.#stopKeepalive = undefined;
    this.#keepaliveFor = undefined;
    const pending = [...this.#held.splice(0).map((h) => h.pending), ...this.#queue.splice(0)];
    for (const p of pending) p.result.reject(error);
    const socket = this.#socket;
    socket.close().then(
      () => this.#closed.resolve(),
      () => this.#closed.resolve(),
    );
  }
}

/** Settles a command with its final reply. */
function answer(p: Pending, reply: Reply): void {
  if (p.result.settled) return;
  p.options.onReply?.(reply);
  p.result.resolve(reply);
}

/**
 * Whether a final reply can end a transfer command after its 1yz: what its `fits`
 * allows, or a failure other than "not understood" (500-502 come only before a transfer
 * starts; after a 1yz they answer a command written behind it).
 */
function endsTransfer(p: Pending, code: number): boolean {
  if (CHOKE_CODES.has(code)) return false;
  return fitsPending(p, code);
}

/** Whether a final reply can answer this command (its `fits`; 4yz/5yz always can). */
function fitsPending(p: Pending, code: number): boolean {
  if (code >= 400) return true;
  return p.options.fits === undefined || p.options.fits(code);
}

/** The typed error of a negative reply to a command. */
export function replyError(
  reply: Reply,
  verb: string,
  argument?: string,
  secret?: boolean,
): FtpReplyError {
  const command = argument === undefined ? verb : secret ? `${verb} ****` : `${verb} ${argument}`;
  return new FtpReplyError(`The server answered "${command}" with "${formatReply(reply)}"`, {
    command,
    code: reply.code,
    replyText: reply.message,
  });
}

/** Wraps anything thrown by a socket in the ftpkit error family. */
export function asFtpError(error: unknown, address: string): FtpError {
  if (FtpError.isInstance(error)) return error;
  return new SocketError(
    `The control connection "${address}" failed: ${error instanceof Error ? error.message : String(error)}`,
    { address, reason: "other", cause: error },
  );
}
