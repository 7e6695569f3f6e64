/**
 * One logged-in control connection and what it knows: features, the transfer mode in
 * force, the modes the server accepted or refused, the persistent data connection.
 * A session is one lane; `concurrency: n` retrieves over n lanes.
 *
 * @module
 */

import {
  FtpError,
  FtpProtocolError,
  FtpReplyError,
  FtpTimeoutError,
  FtpUsageError,
  TlsError,
} from "@ftpkit/errors";
import type { Reply } from "@ftpkit/reply";
import type { Socket, SocketAdapter, TlsClientOptions } from "@ftpkit/socket";
import { ControlConnection, intervalTimer, replyError } from "./control-connection.ts";
import { DataConnector } from "./data-connector.ts";
import { ServerFeatures } from "./features.ts";
import type {
  ClientTlsOptions,
  ConnectOptions,
  KeepaliveOptions,
  ModeChoice,
  SecureMode,
  TraceEvent,
  UsedMode,
} from "./options.ts";
import type { PersistentChannel } from "./persistent-channel.ts";
import type { SessionStats } from "./stats.ts";
import { waitFor } from "./timeouts.ts";
import { clientTlsOptions } from "./tls-options.ts";
import type { FtpTarget } from "./url.ts";

/** Everything a lane needs to connect, resolved from the URL and the options. */
export interface LaneSettings {
  sockets: SocketAdapter;
  host: string;
  port: number;
  user: string;
  password: string;
  account: string | undefined;
  secure: SecureMode;
  tls: ClientTlsOptions | undefined;
  protect: boolean;
  timeout: number;
  connectTimeout: number;
  pipelining: boolean;
  dataConnection: "passive" | "active";
  trustPasvHost: boolean;
  activeHost: string | undefined;
  activePorts: { from: number; to: number } | undefined;
  maxReplyLineLength: number | undefined;
  maxReplyLines: number | undefined;
  maxReplyBytes: number | undefined;
  maxListingBytes: number;
  trace: ((event: TraceEvent) => void) | undefined;
  keepalive: KeepaliveOptions | undefined;
}

/** Resolves the URL and the options into {@link LaneSettings}. */
export function resolveSettings(target: FtpTarget, options: ConnectOptions): LaneSettings {
  const secure = options.secure ?? target.secure;
  if (secure !== false && secure !== "explicit" && secure !== "implicit") {
    throw new FtpUsageError(
      `"secure" must be "explicit", "implicit" or false, not ${JSON.stringify(secure)}`,
    );
  }
  for (const [name, value] of [
    ["user", options.user],
    ["password", options.password],
    ["account", options.account],
  ] as const) {
    // Refused before connecting: a line break would end the command and start another.
    if (value !== undefined && /[\r\n\0]/.test(value)) {
      throw new FtpUsageError(`Refusing a ${name} that contains CR, LF or NUL`);
    }
  }
  const timeout = options.timeout ?? 30_000;
  const keepalive = options.keepalive;
  if (
    keepalive !== undefined &&
    (typeof keepalive.intervalMs !== "number" || !(keepalive.intervalMs > 0))
  ) {
    throw new FtpUsageError(`"keepalive.intervalMs" must be a number of milliseconds above 0`);
  }
  return {
    sockets: options.sockets,
    host: target.host,
    port: target.port,
    user: options.user ?? target.user ?? "anonymous",
    password: options.password ?? target.password ?? "anonymous@",
    account: options.account,
    secure,
    tls: options.tls,
    protect: secure !== false && (options.dataProtection ?? "private") === "private",
    timeout,
    connectTimeout: options.connectTimeout ?? timeout,
    pipelining: options.pipelining ?? true,
    dataConnection: options.dataConnection ?? "passive",
    trustPasvHost: options.trustPasvHost ?? false,
    activeHost: options.activeHost,
    activePorts: options.activePorts,
    maxReplyLineLength: options.maxReplyLineLength,
    maxReplyLines: options.maxReplyLines,
    maxReplyBytes: options.maxReplyBytes,
    maxListingBytes: options.maxListingBytes ?? 64 * 1024 * 1024,
    trace: options.trace,
    keepalive,
  };
}

const fitsSuccess = (code: number): boolean => code >= 200 && code < 400;

/** Login failures that the pipelined login burst may explain: `connect()` tries once more, one command at a time. */
export const pipelinedLoginFailures: WeakSet<object> = new WeakSet<object>();

/** A logged-in control connection with its transfer state. */
export class Lane {
  readonly settings: LaneSettings;
  readonly control: ControlConnection;
  readonly connector: DataConnector;
  readonly features: ServerFeatures;
  readonly stats: SessionStats;
  readonly greeting: Reply;
  /** The MODE in force on the server. */
  currentMode: UsedMode = "S";
  /** What MODE commands the server accepted (true) or refused (false). */
  readonly modeSupport: Map<UsedMode, boolean> = new Map<UsedMode, boolean>([["S", true]]);
  /** The mode `"auto"` picked, once it was worked out. */
  autoMode: UsedMode | undefined;
  /**
   * Modes whose "persistent" connection the server closes after each file (Hermes in
   * MODE B): they get a connection per file.
   */
  readonly perFileModes: Set<UsedMode> = new Set<UsedMode>();
  /** The open data connection of modes B, C and E, when there is one. */
  persistent: PersistentChannel | undefined;
  /**
   * Whether the 1yz of RETR names the file's size (`(N bytes)`) the way SIZE does:
   * true once a file's two agreed, false once they did not or the 1yz named none. While
   * true, persistent-mode files ask no SIZE of their own.
   */
  sizeInPreliminary: boolean | undefined;
  /** Set when HASH was negotiated: the algorithm in force. */
  hashAlgorithm: string | undefined;
  /**
   * When the server answers commands written behind a running transfer: `"after"` its
   * final reply (vsftpd, plain ProFTPD, @ftpkit/server), `"during"` the transfer
   * (pyftpdlib, which also closes the running data connection on a PASV/EPSV; ProFTPD
   * over TLS; pure-ftpd, with 500), or not known yet. Only `"after"` allows writing the
   * next file's EPSV behind a transfer.
   */
  transferOrder: "unknown" | "after" | "during" = "unknown";
  #probing = false;
  #closing: Promise<void> | undefined;

  private constructor(
    settings: LaneSettings,
    control: ControlConnection,
    features: ServerFeatures,
    greeting: Reply,
    stats: SessionStats,
  ) {
    this.settings = settings;
    this.control = control;
    this.features = features;
    this.greeting = greeting;
    this.stats = stats;
    this.connector = new DataConnector({
      sockets: settings.sockets,
      control,
      host: settings.host,
      tls: settings.tls,
      protect: settings.protect,
      trustPasvHost: settings.trustPasvHost,
      activeHost: settings.activeHost,
      activePorts: settings.activePorts,
      connectTimeout: settings.connectTimeout,
      timeout: settings.timeout,
      stats,
      trace: settings.trace,
    });
  }

  /**
   * Connects, logs in and prepares the session: greeting, AUTH TLS (explicit FTPS),
   * USER/PASS (ACCT when asked), FEAT, TYPE I, PBSZ 0 and PROT P (FTPS), OPTS UTF8 ON.
   * With pipelining, everything after the greeting and the TLS handshake is one write.
   */
  static async open(
    settings: LaneSettings,
    stats: SessionStats,
    signal?: AbortSignal,
  ): Promise<Lane> {
    const { sockets, host, port, secure } = settings;
    const tlsOptions = clientTlsOptions(settings.tls, host);
    let socket: Socket;
    socket = await sockets.connect({
      host,
      port,
      timeout: settings.connectTimeout,
      ...(secure === "implicit" ? { tls: tlsOptions } : {}),
      ...(signal === undefined ? {} : { signal }),
    });
    const info = await waitFor(socket.opened, {
      ms: settings.connectTimeout,
      signal,
      what: "Opening the control connection",
    }).catch(async (error: unknown) => {
      await socket.close().catch(() => {});
      throw error;
    });
    const control = new ControlConnection(socket, info, {
      timeout: settings.timeout,
      pipelining: settings.pipelining,
      stats,
      trace: settings.trace,
      maxLineLength: settings.maxReplyLineLength,
      maxReplyLines: settings.maxReplyLines,
      maxReplyBytes: settings.maxReplyBytes,
      keepalive:
        settings.keepalive === undefined
          ? undefined
          : {
              intervalMs: settings.keepalive.intervalMs,
              timer: settings.keepalive.timer ?? intervalTimer,
            },
    });
    let greeted = false;
    control.greeting.then(
      () => {
        greeted = true;
      },
      () => {},
    );
    try {
      return await Lane.#login(settings, control, stats, tlsOptions, signal);
    } catch (error) {
      // Replies lost or garbled after the pipelined login burst may be the burst's fault;
      // a bad greeting (an endless line, a 421) is not, and is never tried again.
      const confused = error instanceof FtpProtocolError || error instanceof FtpTimeoutError;
      if (greeted && settings.pipelining && confused) pipelinedLoginFailures.add(error);
      await control.destroy(FtpError.isInstance(error) ? error : undefined);
      throw error;
    }
  }

  static async #login(
    settings: LaneSettings,
    control: ControlConnection,
    stats: SessionStats,
    tlsOptions: TlsClientOptions,
    signal: AbortSignal | undefined,
  ): Promise<Lane> {
    const wait = <T>(p: Promise<T>, what: string): Promise<T> =>
      waitFor(p, { signal, what, ms: settings.timeout });
    const greeting = await wait(control.greeting, "Waiting for the server's greeting");
    if (greeting.code !== 220) throw replyError(greeting, "(connect)");
    if (settings.secure === "explicit") {
      // AUTH TLS before anything else (RFC 4217 §4). A refusal is an error: credentials
      // never go out in clear when TLS was asked for.
      const auth = await wait(control.send("AUTH", "TLS", { pauseReading: true }), "AUTH TLS");
      if (auth.code !== 234 && auth.code !== 334) {
        throw new FtpReplyError(
          `The server refused "AUTH TLS" with "${auth.code} ${auth.message}"; TLS was required, so no credentials were sent`,
          { command: "AUTH TLS", code: auth.code, replyText: auth.message },
        );
      }
      try {
        await control.startTls(tlsOptions, settings.connectTimeout);
      } catch (error) {
        if (error instanceof TlsError) throw error;
        throw new TlsError(
          `The TLS handshake with "${control.address}" failed: ${error instanceof Error ? error.message : String(error)}`,
          { address: control.address, reason: "tls", cause: error },
        );
      }
    }
    const pipelined = !control.serial;
    const user = control.send("USER", settings.user);
    // With pipelining, PASS, FEAT, TYPE, PBSZ and PROT go in the same write as USER; a
    // server that wants no password answers PASS with 503/202, which is fine.
    let pass: Promise<Reply> | undefined = pipelined
      ? control.send("PASS", settings.password, { secret: true })
      : undefined;
    const after = pipelined ? Lane.#afterLogin(settings, control) : undefined;
    const userReply = await wait(user, "USER");
    if (pipelined) {
      // A 500 ("not understood") to USER, PASS or TYPE, commands every server knows, is a
      // server choking on several commands in one write: connect() retries one at a time.
      const burst = [
        userReply,
        await wait(pass!, "PASS"),
        ...(await wait(after!.all, "Preparing the session")).slice(1),
      ];
      const choked = burst.find((r) => r.code === 500 || r.code === 501);
      if (choked !== undefined) {
        throw new FtpProtocolError(
          `The server answered pipelined login commands with "${choked.code} ${choked.message}"`,
          { code: choked.code, replyText: choked.message },
        );
      }
    }
    let loginReply = userReply;
    if (userReply.code === 331 || userReply.code === 332) {
      pass ??= control.send("PASS", settings.password, { secret: true });
      loginReply = await wait(pass, "PASS");
    } else if (pass !== undefined) {
      await wait(pass, "PASS");
    }
    if (loginReply.code === 332) {
      if (settings.account === undefined) {
        throw new FtpReplyError(
          `The server asks for an account (332) for user "${settings.user}"; pass the "account" option`,
          { command: "PASS ****", code: 332, replyText: loginReply.message },
        );
      }
      loginReply = await wait(control.send("ACCT", settings.account, { secret: true }), "ACCT");
    }
    if (loginReply.code < 200 || loginReply.code >= 300) {
      throw new FtpReplyError(
        `Login as "${settings.user}" failed: "${loginReply.code} ${loginReply.message}"`,
        {
          command: loginReply === userReply ? `USER ${settings.user}` : "PASS ****",
          code: loginReply.code,
          replyText: loginReply.message,
        },
      );
    }
    let replies = after === undefined ? undefined : await wait(after.all, "Preparing the session");
    if (replies === undefined || replies.some((r) => r.code === 530 || r.code === 503)) {
      // Not pipelined, or the burst reached the server before the login completed (ACCT).
      replies = await wait(Lane.#afterLogin(settings, control).all, "Preparing the session");
    }
    const [feat, type, pbsz, prot] = replies;
    if (type !== undefined && type.code >= 300) throw replyError(type, "TYPE", "I");
    if (settings.secure !== false) {
      if (pbsz !== undefined && pbsz.code >= 300) throw replyError(pbsz, "PBSZ", "0");
      if (prot !== undefined && prot.code >= 300) {
        throw new FtpReplyError(
          `The server refused "PROT ${settings.protect ? "P" : "C"}" with "${prot.code} ${prot.message}"; no data is sent in clear when TLS was asked for`,
          {
            command: `PROT ${settings.protect ? "P" : "C"}`,
            code: prot.code,
            replyText: prot.message,
          },
        );
      }
    }
    const features = ServerFeatures.fromReply(feat, greeting.message);
    const lane = new Lane(settings, control, features, greeting, stats);
    if (features.has("UTF8")) {
      // RFC 2640 §3.1; the reply does not matter, so it rides along with the next command.
      void control.send("OPTS", "UTF8 ON", { lazy: true }).catch(() => {});
    }
    return lane;
  }

  /** FEAT, TYPE I and, with TLS, PBSZ 0 and PROT P/C (RFC 4217 §9), written together. */
  static #afterLogin(
    settings: LaneSettings,
    control: ControlConnection,
  ): { all: Promise<Reply[]> } {
    const list: Promise<Reply>[] = [
      control.send("FEAT"),
      control.send("TYPE", "I", { fits: fitsSuccess }),
    ];
    if (settings.secure !== false) {
      list.push(control.send("PBSZ", "0"), control.send("PROT", settings.protect ? "P" : "C"));
    }
    const all = Promise.all(list);
    all.catch(() => {});
    return { all };
  }

  /**
   * The mode for a retrieve. `"auto"`: B, then C, then E on GridFTP (when the adapter can
   * listen: the server must be the active side), else S. The probes go in one write;
   * each accepted MODE changes the mode in force, so the last accepted one is current.
   */
  async resolveMode(choice: ModeChoice): Promise<UsedMode> {
    if (choice !== "auto") return choice;
    if (this.autoMode !== undefined) return this.autoMode;
    const candidates: UsedMode[] = ["B", "C"];
    if (this.features.gridftp && this.settings.sockets.capabilities.listen) candidates.push("E");
    const probes = candidates.filter((m) => this.modeSupport.get(m) !== false);
    const known = probes.find((m) => this.modeSupport.get(m) === true);
    let pick: UsedMode = known ?? "S";
    if (known === undefined && probes.length > 0) {
      const replies = await Promise.all(probes.map((m) => this.control.send("MODE", m)));
      let last: UsedMode | undefined;
      probes.forEach((m, i) => {
        const ok = replies[i]!.code < 300;
        this.modeSupport.set(m, ok);
        if (ok) last = m;
      });
      if (last !== undefined) this.currentMode = last;
      pick = probes.find((m) => this.modeSupport.get(m) === true) ?? "S";
    }
    this.autoMode = pick;
    this.settings.trace?.({ type: "notice", message: `mode "auto" picked MODE ${pick}` });
    return pick;
  }

  /**
   * Checks once, on a server expected to hold commands until a transfer ends
   * ({@link ServerFeatures.holdsCommandsDuringTransfers}), that it does: a NOOP queued
   * right behind a transfer command (same write, no round trip of its own). A reply
   * before the transfer's final reply means "during"; pyftpdlib's signature (a 1yz
   * before the data connection exists) means "during" too. Only a transfer that really
   * ran (a 1yz, then 2yz) can show "after"; otherwise the next transfer asks again.
   */
  probeTransferOrder(transfer: Promise<Reply>): void {
    if (this.transferOrder !== "unknown" || this.#probing || this.control.serial) return;
    if (!this.features.holdsCommandsDuringTransfers) return;
    if (this.connector.earlyPreliminary) {
      this.transferOrder = "during";
      return;
    }
    this.#probing = true;
    const before = this.control.answeredDuringTransfer;
    const noop = this.control.send("NOOP", undefined, {
      duringTransfer: true,
      fits: (c) => c === 200,
    });
    // Decided once both replies are in, whichever promise settles first: the two often
    // arrive in one read, and the transfer's promise may take more ticks than NOOP's.
    void Promise.allSettled([transfer, noop]).then(([t, n]) => {
      this.#probing = false;
      if (n.status === "rejected" || this.transferOrder !== "unknown") return;
      if (this.control.answeredDuringTransfer > before || this.connector.earlyPreliminary) {
        this.transferOrder = "during";
      } else if (t.status === "fulfilled" && t.value.code >= 200 && t.value.code < 300) {
        this.transferOrder = "after";
      } else {
        return;
      }
      this.settings.trace?.({
        type: "notice",
        message: `the server answers commands behind a transfer ${this.transferOrder} it`,
      });
    });
  }

  /**
   * True when the next file's SIZE and EPSV may be written while the current transfer
   * runs: the server answers after the transfer, and nothing showed otherwise.
   */
  get writesAheadOfTransfers(): boolean {
    return (
      this.features.holdsCommandsDuringTransfers &&
      this.transferOrder === "after" &&
      this.control.answeredDuringTransfer === 0 &&
      !this.connector.earlyPreliminary &&
      !this.control.serial &&
      this.settings.dataConnection === "passive" &&
      this.connector.passiveProven
    );
  }

  /** Takes over what an earlier lane of the same session learned about the server. */
  learnFrom(other: Lane): void {
    if (other.autoMode !== undefined) this.autoMode = other.autoMode;
    for (const [m, ok] of other.modeSupport) this.modeSupport.set(m, ok);
    for (const m of other.perFileModes) this.perFileModes.add(m);
    if (other.transferOrder === "during") this.transferOrder = "during";
    this.connector.learnFrom(other.connector);
  }

  /** True for GridFTP, where ABOR ends the session: transfers are drained instead. */
  get abortEndsSession(): boolean {
    return this.features.gridftp;
  }

  /**
   * Sends `MODE x` when another mode is in force (pipelined; the caller awaits the reply
   * when the outcome matters).
   */
  setMode(mode: UsedMode): Promise<Reply> | undefined {
    if (this.currentMode === mode) return undefined;
    // A persistent connection carries one mode's framing: another mode needs its own.
    if (this.persistent !== undefined && this.persistent.mode !== mode) this.dropPersistent();
    const before = this.currentMode;
    this.currentMode = mode;
    const reply = this.control.send("MODE", mode);
    reply.then(
      (r) => {
        if (r.code >= 300 && this.currentMode === mode) this.currentMode = before;
      },
      () => {},
    );
    return reply;
  }

  /** Drops the persistent data connection (a new PASV/EPSV/PORT/EPRT replaces it). */
  dropPersistent(): void {
    const channel = this.persistent;
    this.persistent = undefined;
    if (channel !== undefined) void channel.close();
  }

  /** QUIT, then close. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.dropPersistent();
      if (this.control.open) {
        try {
          await waitFor(this.control.send("QUIT"), {
            ms: Math.min(this.settings.timeout, 5000),
            what: "QUIT",
          });
        } catch {
          // The connection is closed below whatever QUIT did.
        }
      }
      await this.control.destroy();
    })();
    return this.#closing;
  }
}
