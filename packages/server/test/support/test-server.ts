/** Starts a server on loopback for a test and closes it afterwards. */

import { nodeSockets } from "@ftpkit/socket-node";
import {
  createServer,
  type FtpServer,
  memoryStorage,
  type ServerOptions,
} from "../../src/index.ts";
import { RawControl } from "./raw-client.ts";

export interface TestServer {
  server: FtpServer;
  port: number;
  /** A new control connection, logged in unless `login` is false. */
  control(login?: boolean): Promise<RawControl>;
  close(): Promise<void>;
}

const open = new Set<{ close(): void }>();

/** Closes every control connection the tests opened (call in afterEach). */
export function closeClients(): void {
  for (const c of open) c.close();
  open.clear();
}

export async function startServer(options: Partial<ServerOptions> = {}): Promise<TestServer> {
  const server = createServer({
    sockets: nodeSockets(),
    storage: memoryStorage(),
    sleep: async () => {},
    ...options,
  });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  return {
    server,
    port,
    control: async (login = true) => {
      const [c, greeting] = await RawControl.connect(port);
      open.add(c);
      if (greeting.code !== 220) throw new Error(`greeting ${greeting.code}`);
      if (login) await c.login();
      return c;
    },
    close: async () => {
      closeClients();
      await server.close();
    },
  };
}

export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Deterministic pseudo-random bytes. */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
