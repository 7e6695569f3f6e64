/**
 * How the transfer in flight is stopped (ABOR, the session ending). An `AbortController`
 * would do, but one made for every transfer costs more than the rest of a small file's
 * turn over a kept connection; the `AbortSignal` is made only when a socket call needs
 * one (connecting an active data connection).
 *
 * @module
 */

/** Stops one transfer; listeners run once, at the first `abort()`. */
export class TransferStop {
  #aborted = false;
  #listeners: (() => void)[] = [];
  #controller: AbortController | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#controller?.abort();
    const listeners = this.#listeners;
    this.#listeners = [];
    for (const listener of listeners) listener();
  }

  /** Runs `listener` at the abort (not when already aborted: ask `aborted` first). */
  onAbort(listener: () => void): void {
    if (!this.#aborted) this.#listeners.push(listener);
  }

  offAbort(listener: () => void): void {
    const at = this.#listeners.indexOf(listener);
    if (at >= 0) this.#listeners.splice(at, 1);
  }

  /** The same stop as an `AbortSignal`, for socket calls. */
  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }
}
