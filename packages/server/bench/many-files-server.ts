/**
 * The server side of `many-files.ts`, in a process of its own so that the client's
 * event loop and CPU are not the server's: `@ftpkit/server` over a folder and over
 * memory (seeded from the same folder), and a raw node:net server writing the same
 * number of bytes (the baseline). Prints one JSON line with the three ports.
 *
 *   node --import tsx bench/many-files-server.ts ROOT TOTAL_BYTES
 */

import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { nodeSockets } from "@ftpkit/socket-node";
import * as here from "../src/index.ts";
import { startRawSender } from "./raw-sender.ts";

// BENCH_SERVER_SRC: another copy of src/ (say, the code before a change) to compare with.
const alternative = process.env.BENCH_SERVER_SRC;
const { createServer, folderStorage, memoryStorage }: typeof here =
  alternative === undefined ? here : await import(`${alternative}/index.ts`);

const [root, totalText] = process.argv.slice(2);
if (root === undefined || totalText === undefined) {
  throw new Error("usage: many-files-server.ts ROOT TOTAL_BYTES");
}
const total = Number(totalText);

const seed: Record<string, Uint8Array> = {};
for (const name of await readdir(join(root, "s"))) {
  seed[`s/${name}`] = await readFile(join(root, "s", name));
}

// No restart markers: the client counts wire bytes to know the files are all there.
const options = {
  sockets: nodeSockets(),
  anonymous: true,
  logEntries: 0,
  restartMarkerInterval: 0,
} as const;
const folder = createServer({ ...options, storage: folderStorage(root) });
const memory = createServer({ ...options, storage: memoryStorage(seed) });
const folderPort = (await folder.listen({ host: "127.0.0.1", port: 0 })).port;
const memoryPort = (await memory.listen({ host: "127.0.0.1", port: 0 })).port;

// Baseline: the same bytes written straight on a socket, 64 KiB views, with backpressure.
const { server: raw, port: rawPort } = await startRawSender(new Uint8Array(total));

process.stdout.write(`${JSON.stringify({ folderPort, memoryPort, rawPort })}\n`);

process.on("SIGTERM", () => {
  raw.close();
  void Promise.all([folder.close(), memory.close()]).then(() => process.exit(0));
});
