/**
 * A timer for "nothing happened for `ms`": the session's idle timeout between commands,
 * a transfer's data timeout between writes. Started, touched and stopped many times a
 * second (two commands and a transfer per file when a client pipelines RETRs), it keeps
 * one `setTimeout` pending instead of clearing and setting one each time: when it fires
 * it looks at the time of the last progress and sets itself again for what is left.
 *
 * @module
 */

/** Calls the `expire` of the latest {@link start} after `ms` without progress. */
export class IdleTimer {
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the pending timer fires. */
  #due = 0;
  #ms = 0;
  #last = 0;
  #expire: (() => void) | undefined;

  /** Starts watching: `expire` runs once after `ms` without {@link touch}, unless stopped. */
  start(ms: number, expire: () => void): void {
    this.#ms = ms;
    this.#expire = expire;
    this.#last = Date.now();
    // A timer left from an earlier start fires no later than this one needs: it is kept.
    if (this.#timer !== undefined && this.#due <= this.#last + ms) return;
    this.#arm(ms);
  }

  /** Progress: the time without any starts again. */
  touch(): void {
    this.#last = Date.now();
  }

  /** Stops watching; the pending timer, if any, ends quietly when it fires. */
  stop(): void {
    this.#expire = undefined;
  }

  /** Stops watching and clears the pending timer (the owner closes). Idempotent. */
  dispose(): void {
    this.#expire = undefined;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    clearTimeout(this.#timer);
    this.#due = Date.now() + ms;
    this.#timer = setTimeout(this.#fire, ms);
  }

  readonly #fire = (): void => {
    this.#timer = undefined;
    const expire = this.#expire;
    if (expire === undefined) return;
    const idle = Date.now() - this.#last;
    if (idle < this.#ms) {
      this.#arm(this.#ms - idle);
      return;
    }
    this.#expire = undefined;
    expire();
  };
}
