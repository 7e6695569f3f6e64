/**
 * The options of {@link connect} and of the session's operations.
 *
 * @module
 */

import type { Reply } from "@ftpkit/reply";
import type { SocketAdapter } from "@ftpkit/socket";
import type { KeepaliveTimer } from "./control-connection.ts";

/**
 * How the session is protected (RFC 4217): `"explicit"` sends `AUTH TLS` before
 * anything else and fails if the server refuses it; `"implicit"` speaks TLS from the
 * first byte (port 990 by default); `false` is plain FTP.
 */
export type SecureMode = "explicit" | "implicit" | false;

/** TLS settings of the control and data connections. */
export interface ClientTlsOptions {
  /** Trusted CA certificates (PEM). Default: the runtime's store. */
  ca?: string | string[];
  /** The name sent as SNI and checked against the certificate. Default: the host. */
  servername?: string;
  /** Verify the server's certificate. Default: true. */
  rejectUnauthorized?: boolean;
  minVersion?: "TLSv1.2" | "TLSv1.3";
  maxVersion?: "TLSv1.2" | "TLSv1.3";
}

/** The transfer modes a retrieve can ask for; `"auto"` picks one (see the README). */
export type ModeChoice = "auto" | "S" | "B" | "C" | "Z" | "E";

/** A transfer mode actually used for a file. */
export type UsedMode = "S" | "B" | "C" | "Z" | "E";

/** One thing that happened on the wire, for logs and tests. */
export type TraceEvent =
  | { type: "command"; line: string }
  | { type: "reply"; reply: Reply }
  /** A data connection opened; `tls`: it is secured (PROT P) before any byte crosses it. */
  | { type: "data-open"; address: string; direction: "passive" | "active"; tls: boolean }
  | { type: "data-close"; address: string }
  | { type: "notice"; message: string };

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** The sockets to use: `nodeSockets()`, `denoSockets()`, `bunSockets()` or your own. */
  sockets: SocketAdapter;
  /** Override the URL's scheme: `"explicit"`, `"implicit"` or `false`. */
  secure?: SecureMode;
  /** TLS settings (certificate validation is on unless `rejectUnauthorized: false`). */
  tls?: ClientTlsOptions;
  /**
   * Data connection protection when TLS is on: `"private"` (PROT P, default) or
   * `"clear"` (PROT C).
   */
  dataProtection?: "private" | "clear";
  /** User name; default from the URL, else `"anonymous"`. */
  user?: string;
  /** Password; default from the URL, else `"anonymous@"`. */
  password?: string;
  /** Account, sent when the server asks for one (332). */
  account?: string;
  /** Milliseconds to wait for any reply or data before giving up. Default 30000. */
  timeout?: number;
  /** Milliseconds to wait for a control or data connection to open. Default: `timeout`. */
  connectTimeout?: number;
  /** Aborts the connect and login. */
  signal?: AbortSignal;
  /**
   * Write commands whose outcome does not decide what comes next without waiting for
   * the previous reply. Default true; a session falls back to one at a time by itself
   * when the server mishandles it.
   */
  pipelining?: boolean;
  /** `"passive"` (EPSV, then PASV; default) or `"active"` (EPRT/PORT) for stream transfers. */
  dataConnection?: "passive" | "active";
  /**
   * Connect to the address a 227 (PASV) reply names. Default false: the control
   * connection's host is used, because a hostile server could otherwise point the client
   * at any host and port (CVE-2020-8284, CVE-2021-4189).
   */
  trustPasvHost?: boolean;
  /** Local address to listen on for active mode. Default: the control connection's. */
  activeHost?: string;
  /** Local ports to listen on for active mode (firewalls). Default: any free port. */
  activePorts?: { from: number; to: number };
  /** Longest reply line accepted, in bytes. Default 8192. */
  maxReplyLineLength?: number;
  /** Most lines of one reply. Default 10000. */
  maxReplyLines?: number;
  /** Most bytes of one reply's text, all lines together. Default 1 MiB. */
  maxReplyBytes?: number;
  /** Largest listing accepted, in bytes. Default 64 MiB. */
  maxListingBytes?: number;
  /** Called for every command, reply and data connection. Passwords are masked. */
  trace?: (event: TraceEvent) => void;
  /**
   * Send `NOOP` on the control connection every `intervalMs` while a transfer runs, so
   * that NAT and firewalls do not drop an idle control connection during a long
   * download. Servers answer such a NOOP after the transfer (vsftpd, ProFTPD, pure-ftpd)
   * or during it (pyftpdlib); both are matched. At most 8 are left unanswered. `timer`
   * replaces `setInterval` (tests drive the ticks themselves). Default: off.
   */
  keepalive?: KeepaliveOptions;
}

/** Options of the control connection's keepalive (see {@link ConnectOptions.keepalive}). */
export interface KeepaliveOptions {
  /** Milliseconds between NOOPs while a transfer runs. */
  intervalMs: number;
  /** Starts the ticks and returns the function that stops them. Default: `setInterval`. */
  timer?: KeepaliveTimer;
}

/** Progress of a retrieve, reported while bytes arrive. */
export interface RetrieveProgress {
  /** The file the bytes belong to. */
  path: string;
  /** Its index in the list. */
  index: number;
  /** Bytes of this file received so far. */
  bytes: number;
  /** The file's size, when known. */
  size: number | undefined;
  /** Bytes of all files received so far in this retrieve. */
  totalBytes: number;
  /** Files completed so far. */
  filesDone: number;
}

/** Options of {@link Session.retrieve}. */
export interface RetrieveOptions {
  /** Transfer mode; default `"auto"`. */
  mode?: ModeChoice;
  /** Number of control connections to use as lanes. Default 1. */
  concurrency?: number;
  /** `"list"` (default): files come out in list order; `"completion"`: as they are ready. */
  order?: "list" | "completion";
  /** Aborts the whole retrieve: the transfer in flight is aborted, the session stays usable. */
  signal?: AbortSignal;
  /** Called as bytes arrive. */
  onProgress?: (progress: RetrieveProgress) => void;
  /**
   * `"report"` (default): a file that fails is yielded with `ok: false` and its error,
   * and the iteration goes on; `"throw"`: the iteration throws the file's error.
   */
  errors?: "report" | "throw";
  /** Verify each file with the server's HASH command when it offers one. Default false. */
  verify?: boolean;
  /** Ask SIZE before each transfer (pipelined, no extra round trip). Default true. */
  size?: boolean;
  /** How often a cut transfer is resumed (REST) before it fails. Default 3. */
  retries?: number;
  /** Start offsets per path (resume a partial download): the body starts there. */
  offsets?: ReadonlyMap<string, number> | Readonly<Record<string, number>>;
  /**
   * RETR commands written ahead of the file being read over a persistent data
   * connection (B, C, E). Default 2048; 0 sends one at a time. The window is refilled in
   * batches of half of it, so one write carries many RETRs; that half should cover what
   * the link carries in one round trip (1024 files of 16 KiB in 10 ms are 1.7 GB/s). With
   * `concurrency`, each lane gets its share (at least 2).
   */
  lookahead?: number;
}

/** Options of {@link Session.list}. */
export interface ListOptions {
  signal?: AbortSignal;
  /** Keep `.` and `..` entries (MLSD `cdir`/`pdir`). Default false. */
  includeDots?: boolean;
}

/** Options of the single-reply operations (`size`, `cd`, `send`, …). */
export interface CommandOptions {
  signal?: AbortSignal;
  /** Milliseconds; default the session's timeout. */
  timeout?: number;
}
