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

/** Creates a {@link Deferred}. Rejections nobody awaits are not reported as unhandled. */
export function deferred<T>(): Deferred<T> {
  let resolveFn!: (value: T) => void;
  let rejectFn!: (reason: unknown) => void;
  let settled = false;
  const promise = new Promise<T>((resolve, reject) => {
    resolveFn = resolve;
    rejectFn = reject;
  });
  promise.catch(() => {});
  return {
    promise,
    resolve(value: T): void {
      if (settled) return;
      settled = true;
      resolveFn(value);
    },
    reject(reason: unknown): void {
      if (settled) return;
      settled = true;
      rejectFn(reason);
    },
    get settled(): boolean {
      return settled;
    },
  };
}
