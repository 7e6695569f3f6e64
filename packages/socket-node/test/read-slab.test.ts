import { once } from "node:events";
import { createServer, type Socket as NetSocket, connect as netConnect } from "node:net";
import { describe, expect, it } from "vitest";
import { testCertificate } from "../../conformance/src/certs.ts";
import { nodeSockets } from "../src/index.ts";
import { NodeSocket } from "../src/node-socket.ts";
import { MAX_SLAB, ReadSlab } from "../src/read-slab.ts";

// Plain sockets that nodeSockets() connects read into slabs (Node's `onread`), not through
// `data` events: these tests check that the bytes, the end, the backpressure and a later
// startTls() behave as they do for the `data` path (read-ahead.test.ts).

const host = "127.0.0.1";
const KiB = 1024;
const sockets = nodeSockets();

/** A byte pattern no shifted, repeated or dropped run of bytes still matches. */
function pattern(length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = (i * 7 + (i >>> 8)) & 0xff;
  return out;
}

/** A server answering each connection with `payload`, then its end. */
async function sendingServer(
  payload: Uint8Array,
): Promise<{ port: number; close: () => Promise<void> }> {
  const server = createServer((socket) => {
    socket.on("error", () => {});
    socket.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function writeUntilStalled(socket: NetSocket, chunk: Uint8Array): Promise<number> {
  let written = 0;
  for (let i = 0; i < 4096; i++) {
    written += chunk.byteLength;
    if (socket.write(chunk)) continue;
    const drained = await Promise.race([
      once(socket, "drain").then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 200).unref()),
    ]);
    if (!drained) return written;
  }
  throw new Error(`The reader took ${written} bytes without pushing back`);
}

describe("reading into slabs", () => {
  it("delivers every byte in order, then the end", async () => {
    const payload = pattern(6 * 1024 * KiB + 123);
    const server = await sendingServer(payload);
    try {
      await using socket = await sockets.connect({ host, port: server.port });
      const chunks: Uint8Array[] = [];
      for await (const chunk of socket.readable) chunks.push(chunk);
      expect(chunks.every((c) => c.byteLength > 0 && c.byteLength <= MAX_SLAB)).toBe(true);
      expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    } finally {
      await server.close();
    }
  });

  it("keeps a chunk intact while later reads fill the rest of its slab", async () => {
    const payload = pattern(512 * KiB);
    const server = await sendingServer(payload);
    try {
      await using socket = await sockets.connect({ host, port: server.port });
      const chunks: Uint8Array[] = [];
      for await (const chunk of socket.readable) chunks.push(chunk);
      // Compared only now, after every read: no read wrote over an earlier chunk.
      let at = 0;
      for (const chunk of chunks) {
        expect(Buffer.from(chunk).equals(payload.subarray(at, at + chunk.byteLength))).toBe(true);
        at += chunk.byteLength;
      }
      expect(at).toBe(payload.byteLength);
    } finally {
      await server.close();
    }
  });

  it("pauses once readAhead bytes wait for a reader that stopped", async () => {
    const server = createServer({ allowHalfOpen: true });
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const port = (server.address() as { port: number }).port;
    const accepting = once(server, "connection") as Promise<[NetSocket]>;
    const slab = new ReadSlab();
    const raw = netConnect({ host, port, allowHalfOpen: true, onread: slab.onread });
    const readAhead = 256 * KiB;
    const socket = new NodeSocket(raw, {
      address: `${host}:${port}`,
      host,
      serverContext: undefined,
      ready: once(raw, "connect").then(() => {}),
      closeTimeout: 2000,
      readAhead,
      slab,
    });
    await socket.opened;
    const [sender] = await accepting;
    try {
      // Nothing is read before the first pull.
      sender.write(pattern(64 * KiB));
      const reader = socket.readable.getReader();
      const first = await reader.read();
      const delivered = first.value?.byteLength ?? 0;
      expect(delivered).toBeGreaterThan(0);
      const written = 64 * KiB + (await writeUntilStalled(sender, pattern(64 * KiB)));
      // Paused by the full queue: at least readAhead waits, at most one slab more.
      const held = raw.bytesRead - delivered;
      expect(held).toBeGreaterThanOrEqual(readAhead);
      expect(held).toBeLessThanOrEqual(readAhead + MAX_SLAB);
      expect(written).toBeGreaterThan(raw.bytesRead);
      sender.end();
      let total = delivered;
      for (let r = await reader.read(); !r.done; r = await reader.read())
        total += r.value.byteLength;
      expect(total).toBe(written);
    } finally {
      sender.destroy();
      await socket.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it("startTls() after plain reads, as after AUTH TLS: the TLS socket takes over", async () => {
    await using listener = await sockets.listen({
      host,
      port: 0,
      tls: { cert: testCertificate.cert, key: testCertificate.key },
    });
    const serving = (async () => {
      const plain = await listener.accept();
      const writer = plain.writable.getWriter();
      await writer.write(new TextEncoder().encode("234 AUTH TLS ok\r\n"));
      writer.releaseLock();
      await using secure = plain.startTls();
      await secure.opened;
      const secureWriter = secure.writable.getWriter();
      await secureWriter.write(new TextEncoder().encode("over tls"));
      await secureWriter.close();
    })();
    const plain = await sockets.connect({ host, port: listener.address.port });
    const reader = plain.readable.getReader();
    const reply = await reader.read();
    expect(new TextDecoder().decode(reply.value)).toBe("234 AUTH TLS ok\r\n");
    reader.releaseLock();
    await using secure = plain.startTls({ ca: testCertificate.ca, servername: "localhost" });
    expect((await secure.opened).tls?.authorized).toBe(true);
    let text = "";
    for await (const chunk of secure.readable) text += new TextDecoder().decode(chunk);
    expect(text).toBe("over tls");
    await serving;
  });
});
