/**
 * Errors only the client throws. Everything else comes from `@ftpkit/errors`.
 *
 * @module
 */

import { FtpError, type FtpErrorOptions } from "@ftpkit/errors";

/** Options of {@link RetrieveInterruptedError}. */
export interface RetrieveInterruptedErrorOptions extends FtpErrorOptions {
  /** Paths retrieved completely before the interruption, in list order. */
  completed: readonly string[];
  /** Paths not retrieved (the one in flight first), in list order. */
  remaining: readonly string[];
}

/**
 * The session ended in the middle of a retrieve (the control connection closed, a 421,
 * a timeout). `completed` and `remaining` say where to continue: pass `remaining` to
 * `retrieve()` on a new session.
 *
 * @example
 * ```ts
 * try { for await (const f of session.retrieve(paths)) await f.pipeTo(sinkFor(f.path)); }
 * catch (e) {
 *   if (RetrieveInterruptedError.isInstance(e)) {
 *     await using again = await connect(url, { sockets });
 *     for await (const f of again.retrieve(e.remaining)) await f.pipeTo(sinkFor(f.path));
 *   }
 * }
 * ```
 */
export class RetrieveInterruptedError extends FtpError {
  static override readonly errorName: string = "RetrieveInterruptedError";
  /** Paths retrieved completely. */
  readonly completed: readonly string[];
  /** Paths still to retrieve. */
  readonly remaining: readonly string[];

  constructor(message: string, options: RetrieveInterruptedErrorOptions) {
    super(message, options);
    this.completed = options.completed;
    this.remaining = options.remaining;
  }
}
