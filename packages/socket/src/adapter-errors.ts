/**
 * For adapter authors: maps a runtime's socket errors (Node-style `code`s such as
 * `ECONNRESET`, OpenSSL verification codes, or a runtime's own error names) to the
 * `@ftpkit/errors` socket family, with the address in every message. Runtime-neutral:
 * a table and a switch, no runtime API. `@ftpkit/socket-deno` and `@ftpkit/socket-bun`
 * build their errors with it.
 *
 * @module
 */

import {
  ConnectionRefusedError,
  ConnectionResetError,
  SocketAbortedError,
  SocketError,
  type SocketErrorReason,
  SocketTimeoutError,
  TlsError,
} from "@ftpkit/errors";

/** What the socket was doing when it failed; it picks the wording of the message. */
export type SocketPhase = "connect" | "tls" | "read" | "write" | "listen" | "accept";

/** Error codes or names to the reason they stand for. */
export type ErrorReasonTable = Readonly<Record<string, SocketErrorReason>>;

/** The POSIX errno names that Node, Bun and Deno put in an error's `code`. */
export const ERRNO_REASONS: ErrorReasonTable = Object.freeze({
  ECONNREFUSED: "refused",
  ECONNRESET: "reset",
  ECONNABORTED: "reset",
  EPIPE: "reset",
  ENOTCONN: "reset",
  ETIMEDOUT: "timeout",
  EADDRINUSE: "address-in-use",
  EADDRNOTAVAIL: "unreachable",
  EHOSTUNREACH: "unreachable",
  ENETUNREACH: "unreachable",
  ENOTFOUND: "unreachable",
  EAI_AGAIN: "unreachable",
});

/** OpenSSL-style verification codes and Node's TLS codes. */
const TLS_CODE = /^(ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/;

/**
 * The reason a runtime error stands for: its `code` in {@link ERRNO_REASONS} or `names`,
 * a TLS code, or else (only when `names` is given) its `name` in either table.
 *
 * @example
 * ```ts
 * import { reasonOf } from "@ftpkit/socket";
 * reasonOf({ code: "ECONNRESET" }); // "reset"
 * reasonOf({ name: "BrokenPipe" }, { BrokenPipe: "reset" }); // "reset"
 * ```
 */
export function reasonOf(error: unknown, names?: ErrorReasonTable): SocketErrorReason {
  if (typeof error !== "object" || error === null) return "other";
  const { code, name } = error as { code?: unknown; name?: unknown };
  if (typeof code === "string") {
    const byCode = ERRNO_REASONS[code] ?? names?.[code];
    if (byCode !== undefined) return byCode;
    if (TLS_CODE.test(code)) return "tls";
  }
  if (names !== undefined && typeof name === "string") {
    return ERRNO_REASONS[name] ?? names[name] ?? "other";
  }
  return "other";
}

function detail(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Wraps `error` as a `SocketError` subclass naming `address`. A `SocketError` passes
 * through unchanged; `reason` overrides the classification when the caller knows better
 * (a handshake failure is `"tls"` whatever its code).
 *
 * @example
 * ```ts
 * import { toSocketError } from "@ftpkit/socket";
 * const error = toSocketError({ code: "ECONNREFUSED" }, "127.0.0.1:21", "connect");
 * error.message; // 'Cannot connect to "127.0.0.1:21": connection refused'
 * ```
 */
export function toSocketError(
  error: unknown,
  address: string,
  phase: SocketPhase,
  reason: SocketErrorReason = reasonOf(error),
): SocketError {
  if (SocketError.isInstance(error)) return error;
  const options = { address, reason, cause: error };
  switch (reason) {
    case "refused":
      return new ConnectionRefusedError(
        `Cannot connect to "${address}": connection refused`,
        options,
      );
    case "reset":
      return new ConnectionResetError(
        `Connection to "${address}" was reset while ${doing(phase)}: ${detail(error)}`,
        options,
      );
    case "timeout":
      return new SocketTimeoutError(
        `Timed out ${doing(phase)} "${address}": ${detail(error)}`,
        options,
      );
    case "tls":
      return new TlsError(`TLS handshake with "${address}" failed: ${detail(error)}`, options);
    case "aborted":
      return new SocketAbortedError(`Connecting to "${address}" was aborted`, options);
    case "address-in-use":
      return new SocketError(`Cannot listen on "${address}": address in use`, options);
    case "closed":
      return new SocketError(`Socket "${address}" is closed (${doing(phase)})`, options);
    default:
      return new SocketError(
        `Socket "${address}" failed ${doing(phase)}: ${detail(error)}`,
        options,
      );
  }
}

function doing(phase: SocketPhase): string {
  switch (phase) {
    case "connect":
      return "connecting to";
    case "tls":
      return "negotiating TLS with";
    case "read":
      return "reading";
    case "write":
      return "writing";
    case "listen":
      return "listening";
    case "accept":
      return "accepting";
  }
}

/** The error a connect gets when its deadline passed. */
export function connectTimeoutError(address: string, ms: number): SocketTimeoutError {
  return new SocketTimeoutError(`Connecting to "${address}" timed out after ${ms} ms`, {
    address,
    reason: "timeout",
  });
}

/** The error a connect gets when its signal aborted; `cause` is the signal's reason. */
export function connectAbortedError(address: string, cause: unknown): SocketAbortedError {
  return new SocketAbortedError(`Connecting to "${address}" was aborted`, {
    address,
    reason: "aborted",
    cause,
  });
}

/** The error an operation on a closed socket or listener (`what`) gets. */
export function closedError(address: string, what: string): SocketError {
  return new SocketError(`${what} "${address}" is closed`, { address, reason: "closed" });
}
