/** Our own @ftpkit/server over the in-memory adapter, seeded for a test. */

import {
  createServer,
  type FtpServer,
  type MemorySeed,
  memoryStorage,
  type ServerOptions,
} from "@ftpkit/server";
import { type MemoryAdapter, memoryAdapter } from "./memory-adapter.ts";

export interface OurServer extends AsyncDisposable {
  server: FtpServer;
  sockets: MemoryAdapter;
  url: string;
}

export async function ourServer(
  seed: MemorySeed,
  options: Partial<ServerOptions> = {},
  sockets: MemoryAdapter = memoryAdapter(),
): Promise<OurServer> {
  const server = createServer({
    sockets,
    storage: memoryStorage(seed),
    users: { u: "p" },
    limits: { loginFailureDelay: 0 },
    ...options,
  });
  const address = await server.listen({ host: "127.0.0.1", port: 0 });
  return {
    server,
    sockets,
    url: `ftp://u:p@127.0.0.1:${address.port}/`,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

/** `count` files named `f0000.bin`… with distinct contents of varied lengths. */
export function seedFiles(
  count: number,
  size = (i: number) => 100 + ((i * 37) % 900),
): Record<string, Uint8Array> {
  const seed: Record<string, Uint8Array> = {};
  for (let i = 0; i < count; i++) {
    const n = size(i);
    const bytes = new Uint8Array(n);
    for (let j = 0; j < n; j++) bytes[j] = (i * 31 + j * 7) & 0xff;
    seed[`f${String(i).padStart(4, "0")}.bin`] = bytes;
  }
  return seed;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
