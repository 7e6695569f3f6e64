/**
 * A promise with its settle functions, for events that one side waits for and another
 * side signals.
 *
 * @module
 */

/** A promise and the functions that settle it. */
export interface Deferred<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
  /** True once resolve or reject was called. */
  readonly settled: boolean;
}

const ignore = (): void => {};

/** A class rather than closures: one is made per command and per file, so it stays small. */
class Settle<T> implements Deferred<T> {
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #reject!: (reason: unknown) => void;
  #settled = false;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  resolve(value: T): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#resolve(value);
  }

  reject(reason: unknown): void {
    if (this.#settled) return;
    this.#settled = true;
    // Handled before it rejects: a rejection nobody awaits is not reported as unhandled.
    this.promise.catch(ignore);
    this.#reject(reason);
  }

  get settled(): boolean {
    return this.#settled;
  }
}

/** Creates a {@link Deferred}. Rejections nobody awaits are not reported as unhandled. */
export function deferred<T>(): Deferred<T> {
  return new Settle<T>();
}
