/**
 * The server side of `many-files.ts`, in a process of its own so that the client's CPU
 * and event loop are the client's: `@ftpkit/server` over memory storage with FILES files
 * of FILE_KIB KiB, on loopback through `nodeSockets()`; and the baseline, a raw
 * `node:net` server that writes the same number of bytes on each connection. Prints one
 * JSON line with the two ports.
 *
 *   node --import tsx bench/many-files-server.ts FILES FILE_BYTES PORT
 */

import { createServer as createNetServer } from "node:net";
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

// The baseline: every file's bytes back to back, in 64 KiB views, with backpressure.
const total = files * fileBytes;
const bytes = new Uint8Array(Math.min(total, 1 << 20));
const raw = createNetServer((socket) => {
  let at = 0;
  const pump = (): void => {
    while (at < total) {
      const view = bytes.subarray(0, Math.min(65536, total - at));
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
await new Promise<void>((resolve) => raw.listen(port + 21, "127.0.0.1", resolve));
process.stdout.write(`${JSON.stringify({ port: address.port, rawPort: port + 21 })}\n`);

process.on("SIGTERM", () => {
  raw.close();
  void server.close().then(() => process.exit(0));
});
