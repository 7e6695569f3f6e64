/**
 * The socket adapter the tests run the server on: @ftpkit/socket-node's `nodeSockets()`
 * once that package exports it, else the small node:net adapter beside this file.
 */

import type { SocketAdapter } from "@ftpkit/socket";
import { interimNodeSockets } from "./interim-node-sockets.ts";

let chosen: Promise<SocketAdapter> | undefined;

export function serverSockets(): Promise<SocketAdapter> {
  chosen ??= (async () => {
    try {
      const m = (await import("@ftpkit/socket-node")) as { nodeSockets?: () => SocketAdapter };
      if (typeof m.nodeSockets === "function") return m.nodeSockets();
    } catch {
      // Not there yet.
    }
    return interimNodeSockets();
  })();
  return chosen;
}
