/**
 * Time limits and cancellation: every wait of the client goes through these helpers so
 * that a silent server or an aborted signal ends it with a typed error.
 *
 * @module
 */

import { FtpAbortError, FtpError, FtpTimeoutError } from "@ftpkit/errors";

/**
 * One listener on a caller's `AbortSignal`, fanned out to every wait of one retrieve.
 * A retrieve over a persistent connection has many commands in flight at once (SIZE and
 * RETR of 16 files written ahead); one listener each on the caller's signal would pass
 * Node's limit of 10 and print a `MaxListenersExceededWarning`.
 */
export class AbortFanout {
  readonly #signal: AbortSignal;
  readonly #listeners = new Set<() => void>();
  #controller: AbortController | undefined;
  readonly #onAbort = (): void => {
    const listeners = [...this.#listeners];
    this.#listeners.clear();
    this.#controller?.abort(this.#signal.reason);
    for (const listener of listeners) listener();
  };

  constructor(signal: AbortSignal) {
    this.#signal = signal;
    signal.addEventListener("abort", this.#onAbort, { once: true });
  }

  /** True once the caller's signal aborted. */
  get aborted(): boolean {
    return this.#signal.aborted;
  }

  /** The caller's abort reason. */
  get reason(): unknown {
    return this.#signal.reason;
  }

  /**
   * A signal aborted with the caller's, for APIs that take an `AbortSignal` (the socket
   * adapter's `connect`): their listeners land on it, not on the caller's.
   */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#signal.aborted) this.#controller.abort(this.#signal.reason);
    }
    return this.#controller.signal;
  }

  /** Calls `listener` once when the signal aborts (not when it already has). */
  add(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /** Undoes {@link add}. */
  delete(listener: () => void): void {
    this.#listeners.delete(listener);
  }

  /** Removes the one listener from the caller's signal. Idempotent. */
  dispose(): void {
    this.#signal.removeEventListener("abort", this.#onAbort);
    this.#listeners.clear();
  }
}

/** An `AbortSignal`, or a retrieve's {@link AbortFanout} of one. */
export type Abortable = AbortSignal | AbortFanout;

/**
 * Calls `listener` once when `signal` aborts; returns the function that stops watching.
 * A fan-out adds nothing to the caller's signal.
 */
export function onAbort(signal: Abortable, listener: () => void): () => void {
  if (signal instanceof AbortFanout) {
    signal.add(listener);
    return () => signal.delete(listener);
  }
  signal.addEventListener("abort", listener, { once: true });
  return () => signal.removeEventListener("abort", listener);
}

/** The `AbortSignal` to hand to APIs that take one. */
export function plainSignal(signal: Abortable): AbortSignal {
  return signal instanceof AbortFanout ? signal.signal : signal;
}

/** The error for an aborted signal: its reason when that is an ftpkit error. */
export function abortError(signal: Abortable, what: string): FtpError {
  const reason: unknown = signal.reason;
  if (FtpError.isInstance(reason)) return reason;
  return new FtpAbortError(`${what} was aborted`, { cause: reason });
}

/** Throws {@link abortError} when the signal is already aborted. */
export function throwIfAborted(signal: Abortable | undefined, what: string): void {
  if (signal?.aborted) throw abortError(signal, what);
}

/**
 * Waits for `promise`, at most `ms` milliseconds (none when `ms` is 0 or Infinity), and
 * until `signal` aborts. The timer and the listener are removed when it settles.
 */
export function waitFor<T>(
  promise: Promise<T>,
  options: { ms?: number; signal?: Abortable | undefined; what: string; command?: string },
): Promise<T> {
  const { ms, signal, what } = options;
  const limited = ms !== undefined && ms > 0 && Number.isFinite(ms);
  if (!limited && signal === undefined) return promise;
  if (signal?.aborted) return Promise.reject(abortError(signal, what));
  return new Promise<T>((resolve, reject) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let unwatch: (() => void) | undefined;
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      unwatch?.();
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
    if (signal !== undefined) {
      unwatch = onAbort(signal, () => {
        cleanup();
        reject(abortError(signal, what));
      });
    }
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
