/**
 * Time limits and cancellation: every wait of the client goes through these helpers so
 * that a silent server or an aborted signal ends it with a typed error.
 *
 * @module
 */

import { FtpAbortError, FtpError, FtpTimeoutError } from "@ftpkit/errors";

/** The error for an aborted signal: its reason when that is an ftpkit error. */
export function abortError(signal: AbortSignal, what: string): FtpError {
  const reason: unknown = signal.reason;
  if (FtpError.isInstance(reason)) return reason;
  return new FtpAbortError(`${what} was aborted`, { cause: reason });
}

/** Throws {@link abortError} when the signal is already aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

/**
 * Waits for `promise`, at most `ms` milliseconds (none when `ms` is 0 or Infinity), and
 * until `signal` aborts. The timer and the listener are removed when it settles.
 */
export function waitFor<T>(
  promise: Promise<T>,
  options: { ms?: number; signal?: AbortSignal | undefined; what: string; command?: string },
): Promise<T> {
  const { ms, signal, what } = options;
  const limited = ms !== undefined && ms > 0 && Number.isFinite(ms);
  if (!limited && signal === undefined) return promise;
  if (signal?.aborted) return Promise.reject(abortError(signal, what));
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const onAbort = (): void => {
      cleanup();
      reject(abortError(signal!, what));
    };
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    };
    if (limited) {
      timer = setTimeout(() => {
        cleanup();
        reject(
          new FtpTimeoutError(`${what} did not complete within ${ms} ms`, {
            command: options.command,
          }),
        );
      }, ms);
    }
    signal?.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        cleanup();
        resolve(value);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}

/** Combines signals; `undefined` entries are skipped. */
export function anySignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (present.length === 0) return undefined;
  if (present.length === 1) return present[0];
  return AbortSignal.any(present);
}
