/**
 * The one error family of ftpkit. Every error thrown by any ftpkit package is an
 * `FtpError`; the subclasses say what kind of failure it was.
 *
 * `instanceof` fails when two copies of a package are loaded (two versions in
 * node_modules, or npm and JSR copies side by side), so each class also has a static
 * `isInstance()` that checks a registry-wide symbol instead of the prototype chain.
 *
 * @module
 */

const KINDS = Symbol.for("@ftpkit/errors.kinds");

/** Options common to every ftpkit error. */
export interface FtpErrorOptions extends ErrorOptions {
  /** The command that failed, as sent (credentials masked), e.g. `"RETR a.bin"`. */
  command?: string;
  /** The reply code the server answered with, when there was a reply. */
  code?: number;
  /** The reply text (lines joined with "\n", without the codes). */
  replyText?: string;
}

/**
 * Base class of every ftpkit error: it carries the command, the reply code and the
 * reply text when the failure came from a reply.
 *
 * @example
 * ```ts
 * try { await session.size("missing.bin"); }
 * catch (e) { if (FtpError.isInstance(e)) console.log(e.code, e.command); }
 * ```
 */
export class FtpError extends Error {
  /** The stable name of this class; subclasses override it. */
  static readonly errorName: string = "FtpError";
  /** The command that failed, when one did. */
  readonly command: string | undefined;
  /** The reply code, when a reply caused the error. */
  readonly code: number | undefined;
  /** The reply text, when a reply caused the error. */
  readonly replyText: string | undefined;

  constructor(message: string, options: FtpErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const kinds: string[] = [];
    for (let c: unknown = new.target; typeof c === "function"; c = Object.getPrototypeOf(c)) {
      const name = (c as { errorName?: unknown }).errorName;
      if (typeof name !== "string") break;
      if (!kinds.includes(name)) kinds.push(name);
    }
    Object.defineProperty(this, KINDS, { value: kinds, enumerable: false });
    Object.defineProperty(this, "name", {
      value: kinds[0] ?? "FtpError",
      enumerable: false,
      configurable: true,
      writable: true,
    });
    this.command = options.command;
    this.code = options.code;
    this.replyText = options.replyText;
  }

  /**
   * True when `value` is an error of this class or a subclass, also when it was thrown
   * by another copy of the package.
   */
  static isInstance<T extends abstract new (...args: never[]) => FtpError>(
    this: T & { errorName: string },
    value: unknown,
  ): value is InstanceType<T> {
    if (typeof value !== "object" || value === null) return false;
    const kinds = (value as { [KINDS]?: unknown })[KINDS];
    return Array.isArray(kinds) && kinds.includes(this.errorName);
  }
}

/** Malformed or oversized input from the peer: a reply, a command, a listing, a frame. */
export class FtpProtocolError extends FtpError {
  static override readonly errorName: string = "FtpProtocolError";
}

/** The server answered a command with a negative reply (4xx, 5xx) or an unexpected one. */
export class FtpReplyError extends FtpError {
  static override readonly errorName: string = "FtpReplyError";
}

/** An operation did not complete within its time limit. */
export class FtpTimeoutError extends FtpError {
  static override readonly errorName: string = "FtpTimeoutError";
}

/** An operation was cancelled through an `AbortSignal`, `break` or `cancel()`. */
export class FtpAbortError extends FtpError {
  static override readonly errorName: string = "FtpAbortError";
}

/** A request was refused before anything was sent: bad arguments, unsafe paths. */
export class FtpUsageError extends FtpError {
  static override readonly errorName: string = "FtpUsageError";
}

/** Options of {@link TruncatedTransferError}. */
export interface TruncatedTransferErrorOptions extends FtpErrorOptions {
  /** How many bytes of the file had been delivered when the data stopped. */
  bytesDelivered: number;
  /** The path of the file, when known. */
  path?: string;
}

/**
 * The data stopped inside a file: a connection closed before the EOF marker, a
 * compressed stream ended early, fewer bytes than SIZE announced, or a 426 reply.
 */
export class TruncatedTransferError extends FtpError {
  static override readonly errorName: string = "TruncatedTransferError";
  /** Bytes of the file delivered before the data stopped. */
  readonly bytesDelivered: number;
  /** The path of the file, when known. */
  readonly path: string | undefined;

  constructor(message: string, options: TruncatedTransferErrorOptions) {
    super(message, options);
    this.bytesDelivered = options.bytesDelivered;
    this.path = options.path;
  }
}
