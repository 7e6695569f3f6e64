/**
 * A readable record of what the server did, for tests: commands, replies, data
 * connections and transfers, per session, plus exact counters that survive trimming.
 *
 * @module
 */

/** Fields every log entry has. */
interface EntryBase {
  /** The session's number, from 1 in the order sessions connected. */
  session: number;
  /** `Date.now()` when it happened. */
  time: number;
}

/** A client connected (or was turned away: `refused` says why). */
export interface ConnectEntry extends EntryBase {
  kind: "connect";
  remote: string;
  refused?: string;
}
/** A command as received (`PASS` arguments masked as `****`). */
export interface CommandEntry extends EntryBase {
  kind: "command";
  verb: string;
  argument: string;
}
/** A reply as sent; `text` has the lines joined with "\n". */
export interface ReplyEntry extends EntryBase {
  kind: "reply";
  code: number;
  text: string;
}
/** A data connection was established (`connection` numbers them per server, from 1). */
export interface DataOpenEntry extends EntryBase {
  kind: "data-open";
  connection: number;
  /** `passive`: the client connected to us (PASV/EPSV); `active`: we connected (PORT/EPRT). */
  direction: "passive" | "active";
  remote: string;
  secure: boolean;
  /** TLS only: whether the handshake resumed a session. */
  resumed?: boolean;
}
/** A data connection closed. */
export interface DataCloseEntry extends EntryBase {
  kind: "data-close";
  connection: number;
  bytesSent: number;
  bytesReceived: number;
  /** How many transfers (files, listings) it carried. */
  transfers: number;
}
/** A transfer over a data connection ended. */
export interface TransferEntry extends EntryBase {
  kind: "transfer";
  connection: number;
  verb: string;
  path: string;
  mode: string;
  /** File bytes sent or stored (before encoding). */
  bytes: number;
  ok: boolean;
  /** True when it went over a connection that an earlier transfer had used (B, C). */
  reused: boolean;
}
/** An injected fault fired. */
export interface FaultEntry extends EntryBase {
  kind: "fault";
  fault: string;
  detail: string;
}
/** The control connection closed. */
export interface DisconnectEntry extends EntryBase {
  kind: "disconnect";
  reason: string;
}

/** One thing the server did. */
export type LogEntry =
  | ConnectEntry
  | CommandEntry
  | ReplyEntry
  | DataOpenEntry
  | DataCloseEntry
  | TransferEntry
  | FaultEntry
  | DisconnectEntry;

/** What {@link ServerLog.filter} and {@link ServerLog.count} match on. */
export interface LogQuery {
  session?: number;
  kind?: LogEntry["kind"];
  /** For `command` entries: the verb (`"EPSV"`). */
  verb?: string;
  /** For `reply` entries: the code. */
  code?: number;
}

/** Exact counters of one session (or of the whole server). */
export interface SessionStats {
  /** Commands received, by verb. */
  commands: Record<string, number>;
  /** Replies sent, by code. */
  replies: Record<number, number>;
  /** Data connections established. */
  dataConnections: number;
  /** Transfers over data connections (files and listings). */
  transfers: number;
  /** Transfers that went over an already used data connection (B, C: `125`). */
  reusedTransfers: number;
  /** Payload bytes sent and received on data connections (after encoding). */
  bytesSent: number;
  bytesReceived: number;
}

function emptyStats(): SessionStats {
  return {
    commands: {},
    replies: {},
    dataConnections: 0,
    transfers: 0,
    reusedTransfers: 0,
    bytesSent: 0,
    bytesReceived: 0,
  };
}

type Omit2<T> = T extends unknown ? Omit<T, "time"> : never;
/** A log entry as recorded, before the time is added. */
export type LogRecord = Omit2<LogEntry>;

type Waiter = { match: (entry: LogEntry) => boolean; resolve: (entry: LogEntry) => void };

/**
 * The server's log, `server.log`.
 *
 * `entries` keeps the latest `maxEntries` entries (default 100,000); the counters of
 * {@link ServerLog.stats} are exact whatever was trimmed.
 *
 * @example
 * ```ts
 * await session.retrieve(["a", "b", "c"]); // in MODE B
 * server.log.stats().dataConnections;      // 1
 * server.log.count({ kind: "command", verb: "EPSV" }); // 1
 * console.log(server.log.text());
 * ```
 */
export class ServerLog {
  readonly #entries: LogEntry[] = [];
  readonly #maxEntries: number;
  readonly #stats = new Map<number, SessionStats>();
  readonly #total: SessionStats = emptyStats();
  #waiters: Waiter[] = [];
  readonly #listeners = new Set<(entry: LogEntry) => void>();

  constructor(maxEntries = 100_000) {
    this.#maxEntries = maxEntries;
  }

  /** The entries kept, oldest first. */
  get entries(): readonly LogEntry[] {
    this.#trim();
    return this.#entries;
  }

  /** Entries matching every given field of `query`. */
  filter(query: LogQuery = {}): LogEntry[] {
    return this.entries.filter((e) => matches(e, query));
  }

  /** How many kept entries match `query`. */
  count(query: LogQuery = {}): number {
    let n = 0;
    for (const e of this.entries) if (matches(e, query)) n++;
    return n;
  }

  /** The verbs of the commands a session sent, in order (from the kept entries). */
  commands(session?: number): string[] {
    return this.filter(
      session === undefined ? { kind: "command" } : { kind: "command", session },
    ).map((e) => (e as CommandEntry).verb);
  }

  /** Numbers of the sessions seen, in order. */
  sessions(): number[] {
    return [...this.#stats.keys()];
  }

  /** Exact counters of one session, or of the whole server when `session` is omitted. */
  stats(session?: number): SessionStats {
    if (session === undefined) return structuredClone(this.#total);
    return structuredClone(this.#stats.get(session) ?? emptyStats());
  }

  /**
   * Resolves with the first entry (already recorded or to come) that matches; use it to
   * wait for an event instead of sleeping.
   */
  waitFor(match: LogQuery | ((entry: LogEntry) => boolean)): Promise<LogEntry> {
    const test = typeof match === "function" ? match : (e: LogEntry) => matches(e, match);
    const found = this.entries.find(test);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ match: test, resolve }));
  }

  /** Calls `listener` with every entry from now on; returns the function that stops it. */
  subscribe(listener: (entry: LogEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /** Forgets the kept entries (counters stay). */
  clear(): void {
    this.#entries.length = 0;
  }

  /** The kept entries as readable lines: `#1 > RETR a.bin`, `#1 < 226 ...`, `#1 data+ 3 passive`. */
  text(): string {
    return this.entries.map(formatLogEntry).join("\n");
  }

  /** Records an entry; used by the server. */
  record(record: LogRecord): void {
    const entry = record as LogEntry;
    this.#count(entry, this.#session(entry.session));
    this.#count(entry, this.#total);
    // Nobody keeps or watches entries (a server with `logEntries: 0`): nothing to build.
    if (this.#maxEntries === 0 && this.#listeners.size === 0 && this.#waiters.length === 0) {
      return;
    }
    entry.time = Date.now();
    if (this.#maxEntries > 0) {
      this.#entries.push(entry);
      // Trimmed when read, or once twice as many: one entry at a time, a full log would
      // move all its entries for every command and reply (a server slower and slower).
      if (this.#entries.length >= 2 * this.#maxEntries) this.#trim();
    }
    for (const listener of this.#listeners) listener(entry);
    if (this.#waiters.length > 0) {
      const still: Waiter[] = [];
      for (const w of this.#waiters) {
        if (w.match(entry)) w.resolve(entry);
        else still.push(w);
      }
      this.#waiters = still;
    }
  }

  /** Drops the entries beyond the latest `maxEntries`. */
  #trim(): void {
    const excess = this.#entries.length - this.#maxEntries;
    if (excess > 0) this.#entries.splice(0, excess);
  }

  /** Adds data-connection byte counts to a session's counters; used by the server. */
  addBytes(session: number, sent: number, received: number): void {
    for (const s of [this.#session(session), this.#total]) {
      s.bytesSent += sent;
      s.bytesReceived += received;
    }
  }

  #session(id: number): SessionStats {
    let s = this.#stats.get(id);
    if (s === undefined) {
      s = emptyStats();
      this.#stats.set(id, s);
    }
    return s;
  }

  #count(entry: LogEntry, s: SessionStats): void {
    switch (entry.kind) {
      case "command":
        s.commands[entry.verb] = (s.commands[entry.verb] ?? 0) + 1;
        break;
      case "reply":
        s.replies[entry.code] = (s.replies[entry.code] ?? 0) + 1;
        break;
      case "data-open":
        s.dataConnections++;
        break;
      case "transfer":
        s.transfers++;
        if (entry.reused) s.reusedTransfers++;
        break;
    }
  }
}

function matches(e: LogEntry, q: LogQuery): boolean {
  if (q.session !== undefined && e.session !== q.session) return false;
  if (q.kind !== undefined && e.kind !== q.kind) return false;
  if (q.verb !== undefined && (e.kind !== "command" || e.verb !== q.verb)) return false;
  if (q.code !== undefined && (e.kind !== "reply" || e.code !== q.code)) return false;
  return true;
}

/** One entry as a readable line, as {@link ServerLog.text} writes it. */
export function formatLogEntry(e: LogEntry): string {
  const s = `#${e.session}`;
  switch (e.kind) {
    case "connect":
      return `${s} connect ${e.remote}${e.refused === undefined ? "" : ` refused: ${e.refused}`}`;
    case "command":
      return `${s} > ${e.verb}${e.argument === "" ? "" : ` ${e.argument}`}`;
    case "reply":
      return `${s} < ${e.code} ${e.text.replaceAll("\n", "\\n")}`;
    case "data-open":
      return `${s} data+ ${e.connection} ${e.direction} ${e.remote}${e.secure ? ` tls${e.resumed ? " resumed" : ""}` : ""}`;
    case "data-close":
      return `${s} data- ${e.connection} sent=${e.bytesSent} received=${e.bytesReceived} transfers=${e.transfers}`;
    case "transfer":
      return `${s} transfer ${e.verb} ${e.path} mode=${e.mode} bytes=${e.bytes} ${e.ok ? "ok" : "failed"}${e.reused ? " reused" : ""}`;
    case "fault":
      return `${s} fault ${e.fault} ${e.detail}`;
    case "disconnect":
      return `${s} disconnect ${e.reason}`;
  }
}
