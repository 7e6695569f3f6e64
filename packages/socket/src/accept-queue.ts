/**
 * For adapter authors: the parts of a `Listener` that do not depend on the runtime. An
 * {@link AcceptQueue} matches connections a runtime announces (a callback, an event)
 * with `accept()` calls; {@link acceptIterator} is the async iteration every listener
 * has. The in-memory, Node and Bun listeners use both; Deno's, which pulls from
 * `Deno.Listener.accept()`, only the iterator.
 *
 * @module
 */

import type { SocketError } from "@ftpkit/errors";
import type { Listener, Socket } from "./types.ts";

interface Waiter<T> {
  resolve: (socket: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Accepted sockets waiting for `accept()`, and `accept()` calls waiting for sockets.
 *
 * @example
 * ```ts
 * import { AcceptQueue, type Socket } from "@ftpkit/socket";
 * const queue = new AcceptQueue<Socket>();
 * // the runtime's "connection" callback:  queue.deliver(socket);
 * // Listener.accept():                   return queue.accept(() => closedError);
 * // Listener.close():                    stop the runtime's listener, then
 * //                                      await queue.close(closedError);
 * ```
 */
export class AcceptQueue<T extends Socket = Socket> {
  #ready: T[] = [];
  #waiting: Waiter<T>[] = [];
  #closed = false;

  /** True once {@link AcceptQueue.close} ran. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * A connection arrived: it goes to the oldest waiting `accept()`, or waits for the next
   * one. After `close()` nobody will take it, so it is closed.
   */
  deliver(socket: T): void {
    if (this.#closed) {
      void socket.close();
      return;
    }
    const waiter = this.#waiting.shift();
    if (waiter !== undefined) waiter.resolve(socket);
    else this.#ready.push(socket);
  }

  /** The oldest unclaimed socket, or the next to arrive; rejects with `closedError()` once closed. */
  accept(closedError: () => SocketError): Promise<T> {
    const ready = this.#ready.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    if (this.#closed) return Promise.reject(closedError());
    return new Promise<T>((resolve, reject) => this.#waiting.push({ resolve, reject }));
  }

  /**
   * Rejects every waiting `accept()` with `error` and closes the sockets nobody accepted
   * (accepted ones stay open). Idempotent: later calls resolve at once.
   */
  async close(error: SocketError): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const waiter of this.#waiting.splice(0)) waiter.reject(error);
    await Promise.all(this.#ready.splice(0).map((socket) => socket.close()));
  }
}

/**
 * The async iterator of a listener: yields `accept()`ed sockets until the listener is
 * closed (`isClosed()`), then ends; an `accept()` failure while still open is thrown.
 * Leaving the loop early (`break`) closes the listener.
 *
 * @example
 * ```ts
 * [Symbol.asyncIterator](): AsyncIterator<Socket> {
 *   return acceptIterator(this, () => this.#closed);
 * }
 * ```
 */
export function acceptIterator(
  listener: Pick<Listener, "accept" | "close">,
  isClosed: () => boolean,
): AsyncIterator<Socket> {
  return {
    next: async (): Promise<IteratorResult<Socket>> => {
      try {
        return { done: false, value: await listener.accept() };
      } catch (error) {
        if (isClosed()) return { done: true, value: undefined };
        throw error;
      }
    },
    return: async (): Promise<IteratorResult<Socket>> => {
      await listener.close();
      return { done: true, value: undefined };
    },
  };
}
