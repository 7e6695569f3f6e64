/**
 * The benches' baseline: a plain `node:net` server that writes `bytes` to each client in
 * 64 KiB views, with backpressure, then ends the connection.
 *
 * @module
 */

import { createServer, type Server } from "node:net";

/** Listens on 127.0.0.1 (an ephemeral port); resolves with the server and its port. */
export async function startRawSender(bytes: Uint8Array): Promise<{ server: Server; port: number }> {
  const server = createServer((socket) => {
    let at = 0;
    const pump = (): void => {
      while (at < bytes.length) {
        const view = bytes.subarray(at, at + 65536);
        at += view.length;
        if (!socket.write(view)) {
          socket.once("drain", pump);
          return;
        }
      }
      socket.end();
    };
    pump();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, port: (server.address() as { port: number }).port };
}
