import { once } from "node:events";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type LatencyProxy, portRange, startLatencyProxy } from "../src/latency-proxy.ts";

const servers: Server[] = [];
const proxies: LatencyProxy[] = [];

afterEach(async () => {
  for (const p of proxies.splice(0)) await p.close();
  for (const s of servers.splice(0)) await new Promise<void>((resolve) => s.close(() => resolve()));
});

/**
 * A server on 127.0.0.1 (random port) that runs `onSocket` for each connection. Sockets
 * are read (resumed) so that they see the peer's FIN and close.
 */
async function upstream(onSocket: (socket: Socket) => void): Promise<number> {
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    onSocket(socket);
    socket.resume();
  });
  servers.push(server);
  server.listen({ host: "127.0.0.1", port: 0 });
  await once(server, "listening");
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

async function proxyFor(
  controlPort: number,
  dataPorts: number[],
  rttMs: number,
): Promise<LatencyProxy> {
  const proxy = await startLatencyProxy({
    listenHost: "127.0.0.2",
    targetHost: "127.0.0.1",
    controlPort,
    dataPorts,
    rttMs,
  });
  proxies.push(proxy);
  return proxy;
}

/** Connects through the proxy, writes `send` (then FIN), and collects everything until the end. */
async function exchange(port: number, send: Uint8Array[]): Promise<Buffer> {
  const socket = createConnection({ host: "127.0.0.2", port, allowHalfOpen: true });
  await once(socket, "connect");
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  for (const chunk of send) socket.write(chunk);
  socket.end();
  await once(socket, "end");
  socket.destroy();
  return Buffer.concat(chunks);
}

function pattern(size: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: size }, (_, i) => (i * seed + (i >> 10)) & 0xff);
}

describe("startLatencyProxy", () => {
  it("forwards bytes unchanged and in order both ways, and the FIN after them", async () => {
    // An echo server that also appends a marker after the client's FIN.
    const port = await upstream((socket) => {
      socket.on("data", (c: Buffer) => socket.write(c));
      socket.on("end", () => socket.end("<eof>"));
    });
    const proxy = await proxyFor(port, [], 4);
    const parts = [pattern(1000, 3), pattern(70_000, 7), pattern(5, 11)];
    const received = await exchange(port, parts);
    expect(received).toEqual(Buffer.concat([...parts, Buffer.from("<eof>")]));
    const stats = proxy.stats();
    expect(stats.controlConnections).toBe(1);
    expect(stats.bytesUp).toBe(71_005);
    expect(stats.bytesDown).toBe(71_010);
    // Nothing leaves before it is due (timers only ever fire late; 0.5 ms of slack).
    expect(stats.meanDelayMs).toBeGreaterThanOrEqual(2 - 0.5);
  });

  it("carries 40 MiB to a slow reader without loss (reading pauses, nothing piles up)", async () => {
    const size = 40 * 1024 * 1024;
    const block = pattern(1024 * 1024, 5);
    const port = await upstream((socket) => {
      let sent = 0;
      const pump = (): void => {
        while (sent < size) {
          sent += block.length;
          if (!socket.write(block)) {
            socket.once("drain", pump);
            return;
          }
        }
        socket.end();
      };
      pump();
    });
    await proxyFor(port, [], 2);
    const socket = createConnection({ host: "127.0.0.2", port });
    let bytes = 0;
    let mismatches = 0;
    socket.on("data", (c: Buffer) => {
      for (let i = 0; i < c.length; i += 4099)
        if (c[i] !== block[(bytes + i) % block.length]) mismatches++;
      bytes += c.length;
      // A slow consumer: pause after each chunk, resume on the next turn of the loop.
      socket.pause();
      setImmediate(() => socket.resume());
    });
    await once(socket, "end");
    socket.destroy();
    expect(bytes).toBe(size);
    expect(mismatches).toBe(0);
  });

  it("forwards data ports to the same port and counts their connections apart", async () => {
    const control = await upstream((socket) => {
      socket.end("220 hello\r\n");
    });
    const data = await upstream((socket) => {
      socket.end("payload");
    });
    const proxy = await proxyFor(control, [data], 2);
    expect((await exchange(control, [])).toString()).toBe("220 hello\r\n");
    expect((await exchange(data, [])).toString()).toBe("payload");
    expect((await exchange(data, [])).toString()).toBe("payload");
    expect(proxy.stats()).toMatchObject({ controlConnections: 1, dataConnections: 2 });
  });

  it("counts a control turn each time the client writes after a reply reached it", async () => {
    // Replies "ok\n" to every line.
    const port = await upstream((socket) => {
      let pending = "";
      socket.setEncoding("utf8");
      socket.on("data", (text: string) => {
        pending += text;
        for (let eol = pending.indexOf("\n"); eol >= 0; eol = pending.indexOf("\n")) {
          pending = pending.slice(eol + 1);
          socket.write("ok\n");
        }
      });
      socket.on("end", () => socket.end());
    });
    const proxy = await proxyFor(port, [], 2);
    const socket = createConnection({ host: "127.0.0.2", port });
    await once(socket, "connect");
    socket.setEncoding("utf8");
    let replies = 0;
    const replied = (n: number): Promise<void> =>
      new Promise((resolve) => {
        const check = (text: string): void => {
          replies += text.split("\n").length - 1;
          if (replies >= n) {
            socket.off("data", check);
            resolve();
          }
        };
        socket.on("data", check);
      });
    // Three commands one at a time: three turns.
    for (let i = 1; i <= 3; i++) {
      const r = replied(i);
      socket.write(`cmd${i}\n`);
      await r;
    }
    // Three pipelined in one write, after the last reply: one more turn.
    const r = replied(6);
    socket.write("a\nb\nc\n");
    await r;
    socket.destroy();
    expect(proxy.stats().controlTurns).toBe(4);
  });

  it("passes a reset on as a reset", async () => {
    const port = await upstream((socket) => {
      socket.resetAndDestroy();
    });
    await proxyFor(port, [], 2);
    const socket = createConnection({ host: "127.0.0.2", port });
    const [error] = (await once(socket, "error")) as [NodeJS.ErrnoException];
    expect(error.code).toBe("ECONNRESET");
  });

  it("reset() zeroes the counters; close() twice is harmless", async () => {
    const port = await upstream((socket) => socket.end("x"));
    const proxy = await proxyFor(port, [], 0);
    await exchange(port, [pattern(10, 1)]);
    expect(proxy.stats().bytesUp).toBe(10);
    proxy.reset();
    expect(proxy.stats()).toMatchObject({
      controlConnections: 0,
      bytesUp: 0,
      bytesDown: 0,
      controlTurns: 0,
    });
    await proxy.close();
    await proxy.close();
  });

  it("portRange lists the ports inclusively", () => {
    expect(portRange(22010, 22013)).toEqual([22010, 22011, 22012, 22013]);
    expect(portRange(5, 4)).toEqual([]);
  });
});
