/**
 * The server side of `startTls()` on Bun: a `node:tls` `TLSSocket` in server mode over a
 * `Duplex` that takes the accepted native socket's bytes (`BunSocket.divert`). Bun's own
 * `upgradeTLS()` always starts a client handshake, even on an accepted socket.
 *
 * @module
 */

import { Duplex } from "node:stream";
import { type SecureContext, TLSSocket } from "node:tls";
import type { BunSocket } from "./bun-socket.ts";
import { NodeTlsSocket } from "./node-tls-socket.ts";
import { closedError } from "./socket-errors.ts";

/** Upgrades the accepted plain `socket` with the listener's certificate. */
export function startServerTls(socket: BunSocket, context: SecureContext): NodeTlsSocket {
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

  const secure = new TLSSocket(duplex, { isServer: true, secureContext: context });
  return new NodeTlsSocket(secure, {
    address: raw.address,
    localAddress: raw.info.localAddress,
    remoteAddress: raw.info.remoteAddress,
    isServer: true,
    sessionRuntime: undefined,
  });
}
