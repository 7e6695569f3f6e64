/**
 * The options of {@link createServer}.
 *
 * @module
 */

import type { SocketAdapter } from "@ftpkit/socket";
import type { AuthOptions } from "./auth.ts";
import type { FaultOptions } from "./faults.ts";
import type { Storage } from "./storage/types.ts";

/** FTPS (RFC 4217). */
export interface ServerTlsOptions {
  /** Certificate chain (PEM). */
  cert: string;
  /** Private key (PEM). */
  key: string;
  /** Implicit FTPS: TLS from the first byte (the `ftps://` port 990 style). Default false: explicit, AUTH TLS. */
  implicit?: boolean;
  /**
   * Refuse logins before AUTH TLS (`530`) and data connections without PROT P (`522`).
   * Default false.
   */
  require?: boolean;
  /**
   * Refuse a TLS data connection whose handshake did not resume a session, like vsftpd's
   * `require_ssl_reuse=YES` (`522 SSL connection failed: session reuse required`).
   * Default false.
   */
  requireSessionReuse?: boolean;
  minVersion?: "TLSv1.2" | "TLSv1.3";
  maxVersion?: "TLSv1.2" | "TLSv1.3";
}

/** Passive mode (PASV, EPSV). */
export interface PassiveOptions {
  /** Listen for data connections only on these ports (inclusive). Default: any free port. */
  ports?: { from: number; to: number };
  /** The IPv4 address PASV announces (behind NAT). Default: the control connection's local address. */
  address?: string;
}

/** Defences. Times are milliseconds. */
export interface ServerLimits {
  /** Sessions at once; more are answered `421` and closed. Default 1000. */
  maxSessions?: number;
  /** Sessions at once from one IP address. Default 100. */
  maxSessionsPerIp?: number;
  /** Close a session that sends no command for this long (`421`). Default 300,000. */
  idleTimeout?: number;
  /** Give up on a data connection that does not connect, or moves no byte, for this long. Default 30,000. */
  dataTimeout?: number;
  /** Longest command line, in bytes. Default 4096. */
  maxCommandLine?: number;
  /** Largest upload, in bytes; a larger one is cut and answered `552`. Default: no limit. */
  maxUploadSize?: number;
  /** Pause before answering a failed login (`530`). Default 1000. */
  loginFailureDelay?: number;
  /** Failed logins before the session is closed (`421`). Default 5. */
  maxLoginFailures?: number;
}

/** Options of {@link createServer}. */
export interface ServerOptions extends AuthOptions {
  /** The runtime's sockets: `nodeSockets()`, `denoSockets()`, `bunSockets()`. Required. */
  sockets: SocketAdapter;
  /** What the server serves. Default: an empty `memoryStorage()`. */
  storage?: Storage;
  tls?: ServerTlsOptions;
  passive?: PassiveOptions;
  limits?: ServerLimits;
  faults?: FaultOptions;
  /** The text of the `220` greeting. Default `"ftpkit server ready"`. */
  greeting?: string;
  /**
   * MODE B and C: send a restart marker (RFC 959 §3.5) every this many file bytes on
   * RETR; 0 sends none. Default 1 MiB. A marker is the file offset in decimal, and
   * `REST <marker>` resumes there.
   */
  restartMarkerInterval?: number;
  /** Entries `server.log` keeps (its counters are exact regardless); 0 keeps none. Default 100,000. */
  logEntries?: number;
  /**
   * The pause used for the login-failure delay, delayed replies and slow data. Tests pass
   * one that resolves at once, or on their command. Default: a `setTimeout` promise.
   */
  sleep?: (ms: number) => Promise<void>;
}

/** The limits with every default filled in. */
export type ResolvedLimits = Required<ServerLimits>;

/** Fills in the defaults of {@link ServerLimits}. */
export function resolveLimits(limits: ServerLimits = {}): ResolvedLimits {
  return {
    maxSessions: limits.maxSessions ?? 1000,
    maxSessionsPerIp: limits.maxSessionsPerIp ?? 100,
    idleTimeout: limits.idleTimeout ?? 300_000,
    dataTimeout: limits.dataTimeout ?? 30_000,
    maxCommandLine: limits.maxCommandLine ?? 4096,
    maxUploadSize: limits.maxUploadSize ?? Number.POSITIVE_INFINITY,
    loginFailureDelay: limits.loginFailureDelay ?? 1000,
    maxLoginFailures: limits.maxLoginFailures ?? 5,
  };
}
