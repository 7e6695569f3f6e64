/**
 * The server side of `startTls()` on Bun: a `node:tls` `TLSSocket` in server mode over a
 * `Duplex` that takes the accepted native socket's bytes (`BunSocket.divert`), wrapped by
 * `@ftpkit/socket-node/tls-over-duplex`. Bun's own `upgradeTLS()` always starts a client
 * handshake, even on an accepted socket.
 *
 * @module
 */

import { Duplex } from "node:stream";
import type { SecureContext } from "node:tls";
import { closedError } from "@ftpkit/socket";
import { type DuplexTlsSocket, serverTlsOverDuplex } from "@ftpkit/socket-node/tls-over-duplex";
import type { BunSocket } from "./bun-socket.ts";

/** Upgrades the accepted plain `socket` with the listener's certificate. */
export function startServerTls(socket: BunSocket, context: SecureContext): DuplexTlsSocket {
  let raw: ReturnType<BunSocket["divert"]> | undefined;
  let pending: { rest: Uint8Array; callback: (error?: Error | null) => void } | undefined;
  let address = "";

  const writeRest = (rest: Uint8Array, callback: (error?: Error | null) => void): void => {
    const written = raw === undefined ? -1 : raw.write(rest);
    if (written < 0) callback(closedError(address, "Socket"));
    else if (written === rest.byteLength) callback();
    else pending = { rest: rest.subarray(written), callback };
  };

  const duplex = new Duplex({
    allowHalfOpen: true,
    read(): void {
      raw?.resume();
    },
    write(chunk: Uint8Array, _encoding, callback): void {
      writeRest(chunk, callback);
    },
    final(callback): void {
      raw?.shutdown();
      callback();
    },
    destroy(error, callback): void {
      raw?.terminate();
      const waiting = pending;
      pending = undefined;
      waiting?.callback(closedError(address, "Socket"));
      callback(error);
    },
  });

  raw = socket.divert({
    data(chunk) {
      // Above the Duplex's high-water mark: stop the socket until read() asks again.
      if (!duplex.push(chunk)) raw?.pause();
    },
    drain() {
      const waiting = pending;
      pending = undefined;
      if (waiting !== undefined) writeRest(waiting.rest, waiting.callback);
    },
    end() {
      duplex.push(null);
    },
    close(error) {
      if (error !== undefined) duplex.destroy(error);
      else duplex.push(null);
    },
  });
  address = raw.address;

  return serverTlsOverDuplex(duplex, context, {
    address: raw.address,
    localAddress: raw.info.localAddress,
    remoteAddress: raw.info.remoteAddress,
  });
}
