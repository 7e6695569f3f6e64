import { FtpError, type FtpErrorOptions } from "./ftp-error.ts";

/** What went wrong with a socket. */
export type SocketErrorReason =
  | "refused"
  | "timeout"
  | "reset"
  | "tls"
  | "aborted"
  | "closed"
  | "unreachable"
  | "address-in-use"
  | "other";

/** Options of {@link SocketError}. */
export interface SocketErrorOptions extends FtpErrorOptions {
  /** The address concerned, as `host:port` (`[::1]:21` for IPv6). */
  address: string;
  /** Why the socket failed. */
  reason: SocketErrorReason;
}

/**
 * A socket failed: connecting, listening, reading, writing or negotiating TLS. Every
 * socket adapter maps its runtime's errors to this class or one of its subclasses.
 */
export class SocketError extends FtpError {
  static override readonly errorName: string = "SocketError";
  /** The address concerned, `host:port`. */
  readonly address: string;
  /** Why the socket failed. */
  readonly reason: SocketErrorReason;

  constructor(message: string, options: SocketErrorOptions) {
    super(message, options);
    this.address = options.address;
    this.reason = options.reason;
  }
}

/** Nobody listens at the address (ECONNREFUSED). */
export class ConnectionRefusedError extends SocketError {
  static override readonly errorName: string = "ConnectionRefusedError";
}

/** The peer reset the connection, or it closed while an operation needed it. */
export class ConnectionResetError extends SocketError {
  static override readonly errorName: string = "ConnectionResetError";
}

/** Connecting took longer than allowed. */
export class SocketTimeoutError extends SocketError {
  static override readonly errorName: string = "SocketTimeoutError";
}

/** The TLS handshake failed: bad certificate, wrong name, protocol error. */
export class TlsError extends SocketError {
  static override readonly errorName: string = "TlsError";
}

/** The operation was aborted by its `AbortSignal`. */
export class SocketAbortedError extends SocketError {
  static override readonly errorName: string = "SocketAbortedError";
}

/** Formats `host:port`, bracketing IPv6 literals. */
export function formatAddress(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}
