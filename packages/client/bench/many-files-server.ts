/**
 * The server side of `many-files.ts`, in a process of its own so that the client's CPU
 * and event loop are the client's: `@ftpkit/server` over memory storage with FILES files
 * of FILE_KIB KiB, on loopback through `nodeSockets()`. Prints one JSON line with its port.
 *
 *   node --import tsx bench/many-files-server.ts FILES FILE_BYTES PORT
 */

import { createServer, memoryStorage } from "@ftpkit/server";
import { nodeSockets } from "@ftpkit/socket-node";

const [filesText, bytesText, portText] = process.argv.slice(2);
const files = Number(filesText);
const fileBytes = Number(bytesText);
const port = Number(portText);
if (!(files > 0) || !(fileBytes >= 0) || !(port >= 0)) {
  throw new Error("usage: many-files-server.ts FILES FILE_BYTES PORT");
}

const seed: Record<string, Uint8Array> = {};
for (let i = 0; i < files; i++) {
  const bytes = new Uint8Array(fileBytes);
  for (let j = 0; j < fileBytes; j++) bytes[j] = (i * 31 + j * 7) & 0xff;
  seed[`f${i}.bin`] = bytes;
}

const server = createServer({
  sockets: nodeSockets(),
  storage: memoryStorage(seed),
  anonymous: true,
  logEntries: 0,
  passive: { ports: { from: port + 1, to: port + 20 } },
});
const address = await server.listen({ host: "127.0.0.1", port });
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

process.on("SIGTERM", () => {
  void server.close().then(() => process.exit(0));
});
