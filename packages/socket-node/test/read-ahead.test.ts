import { once } from "node:events";
import {
  createServer,
  type Socket as NetSocket,
  connect as netConnect,
  type Server,
} from "node:net";
import { connect as tlsConnect } from "node:tls";
import { afterEach, describe, expect, it } from "vitest";
import { testCertificate } from "../../conformance/src/certs.ts";
import { FtpUsageError, nodeSockets } from "../src/index.ts";
import { NodeSocket } from "../src/node-socket.ts";
import { serverContext } from "../src/tls-options.ts";

// These tests build a NodeSocket over a Node socket they hold, so that they can watch what
// the Node socket read (`bytesRead`, its `data` events) beside what the stream delivered.

const host = "127.0.0.1";
const KiB = 1024;
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  );
});

/** A connected pair of Node sockets: `accepted` paused as a listener leaves it. */
async function nodePair(): Promise<{ client: NetSocket; accepted: NetSocket }> {
  const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  const accepting = once(server, "connection") as Promise<[NetSocket]>;
  const client = netConnect({ host, port, allowHalfOpen: true });
  await once(client, "connect");
  const [accepted] = await accepting;
  return { client, accepted };
}

function wrap(raw: NetSocket, readAhead: number, tls = false): NodeSocket {
  return new NodeSocket(raw, {
    address: `${host}:${raw.remotePort}`,
    host,
    serverContext: tls ? serverContext(testCertificate) : undefined,
    ready: Promise.resolve(),
    closeTimeout: 2000,
    readAhead,
  });
}

/** Resolves once `raw` emitted `data` (the wrapper's listener ran before this one). */
function nextData(raw: NetSocket): Promise<void> {
  return new Promise((resolve) => raw.once("data", () => resolve()));
}

/**
 * Writes `chunk` until the kernel and the reader stop taking bytes; resolves with the count.
 * As in the conformance suite's backpressure case, a drain that does not come within a
 * window counts as the stall: a slow machine only ends the probe early, which the bounds
 * checked afterwards do not depend on.
 */
async function writeUntilStalled(socket: NetSocket, chunk: Uint8Array): Promise<number> {
  let written = 0;
  for (let i = 0; i < 2048; i++) {
    if (socket.write(chunk)) {
      written += chunk.byteLength;
      continue;
    }
    written += chunk.byteLength;
    const drained = await Promise.race([
      once(socket, "drain").then(() => true),
      new Promise<false>((resolve) => setTimeout(() => resolve(false), 200).unref()),
    ]);
    if (!drained) return written;
  }
  throw new Error(`The reader took ${written} bytes without pushing back`);
}

describe("read-ahead", () => {
  it("refuses a readAhead that is not a byte count", () => {
    expect(() => nodeSockets({ readAhead: Number.NaN })).toThrow(FtpUsageError);
    expect(() => nodeSockets({ readAhead: -1 })).toThrow('got "-1"');
    expect(nodeSockets({ readAhead: 0 }).runtime).toBe("node");
  });

  it("pauses the socket once readAhead bytes wait for a reader that stopped", async () => {
    const { client, accepted } = await nodePair();
    const readAhead = 256 * KiB;
    await using socket = wrap(accepted, readAhead);
    const reader = socket.readable.getReader();
    const first = reader.read();
    client.write(new Uint8Array(64 * KiB).fill(1));
    const delivered = (await first).value?.byteLength ?? 0;
    expect(delivered).toBeGreaterThan(0);
    // The reader takes nothing more; the sender fills every buffer on the way.
    const paused = once(accepted, "pause");
    const writing = writeUntilStalled(client, new Uint8Array(64 * KiB).fill(2));
    await paused;
    // Paused by the full queue: at least readAhead waits, at most one chunk more.
    const queued = accepted.bytesRead - delivered - accepted.readableLength;
    expect(queued).toBeGreaterThanOrEqual(readAhead);
    expect(queued).toBeLessThan(readAhead + 64 * KiB);
    const written = await writing;
    // Once the sender stalls, Node's own buffer holds one more chunk at most.
    const heldInProcess = accepted.bytesRead - delivered;
    expect(heldInProcess).toBeLessThanOrEqual(readAhead + 128 * KiB);
    expect(written).toBeGreaterThan(heldInProcess);
    // Reading again drains everything, in order.
    client.end();
    let total = delivered;
    let ones = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      total += r.value.byteLength;
      for (const byte of r.value) if (byte === 1) ones++;
    }
    expect(total).toBe(64 * KiB + written);
    expect(ones + delivered).toBe(64 * KiB);
    client.destroy();
  });

  it("delivers every queued byte after the peer's end, then ends", async () => {
    const { client, accepted } = await nodePair();
    await using socket = wrap(accepted, 4096 * KiB);
    const reader = socket.readable.getReader();
    const first = reader.read();
    const payload = new Uint8Array(2048 * KiB);
    for (let i = 0; i < payload.length; i++) payload[i] = i % 251;
    client.end(payload);
    const chunks: Uint8Array[] = [(await first).value ?? new Uint8Array()];
    // The end arrives while the rest waits in the read-ahead queue.
    await once(accepted, "end");
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    expect(Buffer.concat(chunks).equals(payload)).toBe(true);
    client.destroy();
  });

  it("startTls() hands bytes read ahead after AUTH TLS to the TLS handshake", async () => {
    const { client, accepted } = await nodePair();
    const plain = wrap(accepted, 1024 * KiB, true);
    const reader = plain.readable.getReader();
    const command = reader.read();
    client.write("AUTH TLS\r\n");
    expect(new TextDecoder().decode((await command).value)).toBe("AUTH TLS\r\n");
    reader.releaseLock();
    // The client starts its handshake without waiting for the 234 (some do); the server
    // socket, flowing since the first read, reads the ClientHello ahead into its queue.
    const arrived = nextData(accepted);
    const secureClient = tlsConnect({
      socket: client,
      ca: testCertificate.ca,
      servername: "localhost",
    });
    await arrived;
    await using secure = plain.startTls();
    const [info] = await Promise.all([secure.opened, once(secureClient, "secureConnect")]);
    expect(info.tls).toBeDefined();
    const writer = secure.writable.getWriter();
    await writer.write(text("over tls"));
    writer.releaseLock();
    const [echoed] = (await once(secureClient, "data")) as [Buffer];
    expect(echoed.toString()).toBe("over tls");
    secureClient.destroy();
  });
});
