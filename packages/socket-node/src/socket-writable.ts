/**
 * A `WritableStream` over a Node socket. A write resolves once Node handed the bytes to
 * the kernel (the `write()` callback), so a caller may reuse its buffer afterwards and
 * the socket never holds more than one chunk beyond the kernel's buffer: that is the
 * backpressure. `close()` half-closes (FIN, and TLS close_notify first).
 *
 * @module
 */

import type { Socket as NetSocket } from "node:net";

/** The writable side of a {@link NodeSocket}. */
export class SocketWritable {
  readonly stream: WritableStream<Uint8Array>;
  readonly #socket: NetSocket;
  #controller!: WritableStreamDefaultController;

  /**
   * `mapError` turns Node's write errors into socket errors; `onAbort` runs when the
   * consumer aborts the stream.
   */
  constructor(socket: NetSocket, mapError: (error: unknown) => unknown, onAbort: () => void) {
    this.#socket = socket;
    this.stream = new WritableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      write: (chunk) =>
        new Promise<void>((resolve, reject) => {
          this.#socket.write(chunk, (error) => {
            if (error) reject(mapError(error));
            else resolve();
          });
        }),
      close: () =>
        new Promise<void>((resolve, reject) => {
          const s = this.#socket;
          if (s.writableFinished) {
            resolve();
            return;
          }
          const done = (): void => {
            s.off("finish", done);
            s.off("close", done);
            if (s.writableFinished) resolve();
            else
              reject(mapError(Object.assign(new Error("closed"), { code: "ERR_SOCKET_CLOSED" })));
          };
          s.on("finish", done);
          s.on("close", done);
          s.end();
        }),
      abort: () => {
        onAbort();
      },
    });
  }

  /** Makes pending and later writes reject with `error` (the socket moved on). */
  fail(error: unknown): void {
    this.#controller.error(error);
  }
}
