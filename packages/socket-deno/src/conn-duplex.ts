/**
 * A `node:stream` `Duplex` over a native `Deno.Conn`, so that `node:tls` can run a
 * handshake (client or server side) on a connection Deno opened or accepted.
 *
 * @module
 */

import { Duplex } from "node:stream";
import type { DenoTcpConn } from "./deno-api.ts";
import type { SlabReader } from "./slab-reader.ts";
import { toSocketError } from "./socket-errors.ts";

/** Writes all of `chunk`; `Deno.Conn.write` may take only part of it. */
export async function writeAll(conn: DenoTcpConn, chunk: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < chunk.byteLength) {
    offset += await conn.write(offset === 0 ? chunk : chunk.subarray(offset));
  }
}

/**
 * Wraps `conn` as a Duplex. `firstRead` is a read the plain socket had in flight when it
 * was upgraded: its bytes are the peer's first TLS bytes and come out first.
 */
export function connDuplex(
  conn: DenoTcpConn,
  reader: SlabReader,
  address: string,
  firstRead: Promise<Uint8Array | null> | undefined,
): Duplex {
  let pending = firstRead;
  let reading = false;
  return new Duplex({
    allowHalfOpen: true,
    read(): void {
      // Node asks again after each push while it wants more: one read at a time.
      if (reading) return;
      reading = true;
      const next = pending ?? reader.read();
      pending = undefined;
      next.then(
        (chunk) => {
          reading = false;
          this.push(chunk);
        },
        (error: unknown) => {
          reading = false;
          this.destroy(toSocketError(error, address, "read"));
        },
      );
    },
    write(chunk: Uint8Array, _encoding, callback): void {
      writeAll(conn, chunk).then(
        () => callback(),
        (error: unknown) => callback(toSocketError(error, address, "write")),
      );
    },
    final(callback): void {
      conn.closeWrite().then(
        () => callback(),
        (error: unknown) => callback(toSocketError(error, address, "write")),
      );
    },
    destroy(error, callback): void {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
      callback(error);
    },
  });
}
