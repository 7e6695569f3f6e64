/**
 * @ftpkit/client against @ftpkit/server on the runtime's own sockets (loopback), written
 * once for `deno test` and `bun test` (vitest runs the fuller `test/` under Node): start
 * offsets over the persistent connection of modes B, C and E (`REST` right before `RETR`
 * on the kept connection), and every way of reading a file (the direct readers and the
 * lazily made `body` stream). Plain asserts only.
 *
 * Ports 22500-22549 (the control port, then passive ports above it).
 *
 * @module
 */

import { createServer, memoryStorage } from "@ftpkit/server";
import type { SocketAdapter } from "@ftpkit/socket";
import { connect, type RetrievedFile, type UsedMode } from "../src/index.ts";

const PORT = 22500;

/** One case: a name and the test body, given the runtime's adapter. */
export interface ClientCase {
  readonly name: string;
  run(sockets: SocketAdapter): Promise<void>;
}

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function seed(count: number, size: number): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i < count; i++) {
    files[`f${i}.bin`] = new Uint8Array(size).map((_, j) => (i * 31 + j * 7) & 0xff);
  }
  return files;
}

/** @ftpkit/server over memory on the adapter; `body` gets its URL; the server closes after. */
async function withServer(
  sockets: SocketAdapter,
  files: Record<string, Uint8Array>,
  body: (url: string, server: ReturnType<typeof createServer>) => Promise<void>,
): Promise<void> {
  const server = createServer({
    sockets,
    storage: memoryStorage(files),
    users: { u: "p" },
    limits: { loginFailureDelay: 0 },
    passive: { ports: { from: PORT + 1, to: PORT + 40 } },
  });
  const address = await server.listen({ host: "127.0.0.1", port: PORT });
  try {
    await body(`ftp://u:p@127.0.0.1:${address.port}/`, server);
  } finally {
    await server.close();
  }
}

function offsetsCase(mode: "B" | "C" | "E"): ClientCase {
  return {
    name: `MODE ${mode}: offsets are REST right before RETR on the one kept data connection`,
    run: async (sockets) => {
      if (mode === "E" && !sockets.capabilities.listen) return;
      const files = seed(6, 5000);
      const offsets: Record<string, number> = { "f1.bin": 1234, "f3.bin": 4999, "f4.bin": 5000 };
      await withServer(sockets, files, async (url, server) => {
        const session = await connect(url, { sockets });
        try {
          for await (const file of session.retrieve(Object.keys(files), { mode, offsets })) {
            assert(file.ok, `${file.path}: ${file.error?.message}`);
            const want = files[file.path]!.subarray(offsets[file.path] ?? 0);
            assert(sameBytes(await file.bytes(), want), `${file.path} starts at its offset`);
          }
        } finally {
          await session.close();
        }
        const rests = server.log.filter({ kind: "command", verb: "REST" }).length;
        assert(rests === 3, `3 REST commands, got ${rests}`);
        const connections = server.log.stats().dataConnections;
        assert(connections === 1, `one data connection, got ${connections}`);
      });
    },
  };
}

/** The ways to read a file; each must give the file's bytes. */
const WAYS: readonly [string, (file: RetrievedFile) => Promise<Uint8Array>][] = [
  ["bytes()", (file) => file.bytes()],
  [
    "for await over the file",
    async (file) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of file) chunks.push(chunk);
      return concat(chunks);
    },
  ],
  [
    "for await over body",
    async (file) => {
      const chunks: Uint8Array[] = [];
      for await (const chunk of file.body) chunks.push(chunk);
      return concat(chunks);
    },
  ],
  [
    "pipeTo()",
    async (file) => {
      const chunks: Uint8Array[] = [];
      await file.pipeTo(
        new WritableStream<Uint8Array>({
          write(chunk) {
            chunks.push(chunk);
          },
        }),
      );
      return concat(chunks);
    },
  ],
];

function readersCase(mode: UsedMode): ClientCase {
  return {
    name: `MODE ${mode}: ${WAYS.map(([name]) => name).join(", ")}, discard(): the same bytes`,
    run: async (sockets) => {
      const files = seed(2 * WAYS.length + 1, 70_000);
      await withServer(sockets, files, async (url) => {
        const session = await connect(url, { sockets });
        try {
          let k = 0;
          for await (const file of session.retrieve(Object.keys(files), { mode })) {
            if (k === WAYS.length) {
              // One left unread in the middle: drained, the next file still whole.
              await file.discard();
              assert(file.body.locked === false, `${file.path}: the body is free after discard()`);
            } else {
              const [name, read] = WAYS[k % WAYS.length]!;
              assert(sameBytes(await read(file), files[file.path]!), `${file.path} by ${name}`);
            }
            k++;
          }
          assert(k === 2 * WAYS.length + 1, `every file came (${k})`);
        } finally {
          await session.close();
        }
      });
    },
  };
}

export const clientCases: readonly ClientCase[] = [
  offsetsCase("B"),
  offsetsCase("C"),
  offsetsCase("E"),
  readersCase("S"),
  readersCase("B"),
];
