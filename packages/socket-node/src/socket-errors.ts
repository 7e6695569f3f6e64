/**
 * Maps Node's socket and TLS errors to the `@ftpkit/errors` socket family, with the
 * address and the original error as `cause`.
 *
 * @module
 */

import {
  ConnectionRefusedError,
  ConnectionResetError,
  SocketError,
  SocketTimeoutError,
  TlsError,
} from "@ftpkit/errors";

/** What the socket was doing when the error happened; it shapes the message. */
export type SocketPhase = "connect" | "tls" | "io" | "listen";

/** OpenSSL certificate verification codes that Node puts in `error.code`. */
const CERTIFICATE_CODES = new Set([
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_DECRYPT_CERT_SIGNATURE",
  "CERT_SIGNATURE_FAILURE",
  "CERT_NOT_YET_VALID",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "CERT_CHAIN_TOO_LONG",
  "CERT_REVOKED",
  "INVALID_CA",
  "PATH_LENGTH_EXCEEDED",
  "INVALID_PURPOSE",
  "CERT_UNTRUSTED",
  "CERT_REJECTED",
  "HOSTNAME_MISMATCH",
]);

function codeOf(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** True for errors raised by TLS: OpenSSL, certificate checks, Node's TLS layer. */
export function isTlsFailure(error: unknown): boolean {
  const code = codeOf(error);
  if (code !== undefined) {
    if (code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_")) return true;
    if (CERTIFICATE_CODES.has(code)) return true;
  }
  return typeof error === "object" && error !== null && "library" in error;
}

/** Maps a Node error raised while `phase` on `address` to a `SocketError`. */
export function toSocketError(error: unknown, address: string, phase: SocketPhase): SocketError {
  if (error instanceof SocketError) return error;
  const code = codeOf(error);
  const detail = messageOf(error);
  const options = (reason: SocketError["reason"]) => ({ address, reason, cause: error });
  if (isTlsFailure(error)) {
    return new TlsError(`TLS with "${address}" failed: ${detail}`, options("tls"));
  }
  switch (code) {
    case "ECONNREFUSED":
      return new ConnectionRefusedError(
        `Cannot connect to "${address}": connection refused`,
        options("refused"),
      );
    case "ECONNRESET":
    case "EPIPE":
    case "ECONNABORTED":
      if (phase === "tls") {
        // The peer hung up mid-handshake: what the user needs to know is that TLS failed.
        return new TlsError(
          `TLS with "${address}" failed: the peer closed the connection during the handshake`,
          options("tls"),
        );
      }
      return new ConnectionResetError(
        `Connection to "${address}" was reset by the peer (${code})`,
        options("reset"),
      );
    case "ETIMEDOUT":
      return new SocketTimeoutError(
        `Cannot connect to "${address}": timed out (ETIMEDOUT)`,
        options("timeout"),
      );
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new SocketError(`Cannot reach "${address}": ${detail}`, options("unreachable"));
    case "EADDRINUSE":
      return new SocketError(
        `Cannot listen on "${address}": address in use`,
        options("address-in-use"),
      );
    case "ERR_STREAM_DESTROYED":
    case "ERR_STREAM_WRITE_AFTER_END":
    case "ERR_SOCKET_CLOSED":
      return new SocketError(`Socket to "${address}" is closed`, options("closed"));
    default:
      return new SocketError(
        phase === "listen"
          ? `Cannot listen on "${address}": ${detail}`
          : phase === "connect"
            ? `Cannot connect to "${address}": ${detail}`
            : `Socket error on "${address}": ${detail}`,
        options("other"),
      );
  }
}

/** The error of a connect that took longer than its timeout. */
export function timeoutError(address: string, ms: number): SocketTimeoutError {
  return new SocketTimeoutError(`Cannot connect to "${address}": timed out after ${ms} ms`, {
    address,
    reason: "timeout",
  });
}

/** The error of using a socket after it was closed locally. */
export function closedError(address: string): SocketError {
  return new SocketError(`Socket to "${address}" is closed`, { address, reason: "closed" });
}
