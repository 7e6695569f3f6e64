/**
 * Maps Deno's errors (`Deno.errors.*`, and the Node-style errors of `node:tls`) to the
 * `@ftpkit/errors` socket family with `@ftpkit/socket`'s mapping, which knows the
 * errno codes; this module adds the names of Deno's error classes.
 *
 * @module
 */

import type { SocketError, SocketErrorReason } from "@ftpkit/errors";
import {
  reasonOf as codeReasonOf,
  toSocketError as codeToSocketError,
  type ErrorReasonTable,
  type SocketPhase,
} from "@ftpkit/socket";

/** `Deno.errors.*` class names (the `name` of Deno's I/O errors). */
const DENO_ERROR_NAMES: ErrorReasonTable = Object.freeze({
  ConnectionRefused: "refused",
  ConnectionReset: "reset",
  ConnectionAborted: "reset",
  BrokenPipe: "reset",
  NotConnected: "reset",
  UnexpectedEof: "reset",
  TimedOut: "timeout",
  AddrInUse: "address-in-use",
  AddrNotAvailable: "unreachable",
  HostUnreachable: "unreachable",
  NetworkUnreachable: "unreachable",
  NotFound: "unreachable",
  BadResource: "closed",
  Interrupted: "closed",
  InvalidData: "tls",
});

/** The reason a runtime error stands for, from its `code` or its Deno error name. */
export function reasonOf(error: unknown): SocketErrorReason {
  return codeReasonOf(error, DENO_ERROR_NAMES);
}

/** `toSocketError` of `@ftpkit/socket`, classifying Deno's error names too. */
export function toSocketError(
  error: unknown,
  address: string,
  phase: SocketPhase,
  reason: SocketErrorReason = reasonOf(error),
): SocketError {
  return codeToSocketError(error, address, phase, reason);
}
