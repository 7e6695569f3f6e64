/**
 * Read throughput of `bunSockets()` beside Bun's own socket reads, in one run.
 * Run: `bun bench/throughput.ts` (or `pnpm bench` in this package).
 *
 * A sender in a child Bun process writes FTPKIT_BENCH_MIB (default 256) MiB per connection
 * over loopback; this process reads them, alternating the readers for a few rounds, and
 * prints the median MB/s of wall time and of this process's CPU time (steadier on a busy
 * machine), with the adapter's ratio to the raw `Bun.connect` data callback (goal >= 0.9x).
 * "node:net + pull stream" is the other design the adapter could have used.
 */

import { spawn } from "node:child_process";
import net from "node:net";
import { env, execPath } from "node:process";
import tls from "node:tls";
import { testCertificate } from "../../conformance/src/certs.ts";
import {
  countDataEvents,
  drain,
  type Reader,
  runThroughputBench,
} from "../../conformance/src/throughput-bench.ts";
import type { BunNamespace, BunNativeSocket, BunTlsOptions } from "../src/bun-api.ts";
import { bunSockets } from "../src/index.ts";

const Bun = (globalThis as unknown as { Bun: BunNamespace & { gc(force: boolean): void } }).Bun;
const MiB = 1024 * 1024;
const TOTAL = Number(env.FTPKIT_BENCH_MIB ?? 256) * MiB;
const ROUNDS = Number(env.FTPKIT_BENCH_ROUNDS ?? 3);
const HOST = "127.0.0.1";

interface SendState {
  sent: number;
  offset: number;
}

/** Child mode: listen plain and TLS, print both ports, send until stdin closes. */
function sender(): void {
  const chunk = new Uint8Array(MiB).fill(0x5a);
  const pump = (socket: BunNativeSocket<SendState>): void => {
    const state = socket.data;
    while (state.sent < TOTAL) {
      const written = socket.write(state.offset === 0 ? chunk : chunk.subarray(state.offset));
      if (written < 0) return;
      state.offset += written;
      if (state.offset < chunk.byteLength) return;
      state.offset = 0;
      state.sent += chunk.byteLength;
    }
    socket.end();
  };
  const handlers = {
    open(socket: BunNativeSocket<SendState>) {
      socket.data = { sent: 0, offset: 0 };
      pump(socket);
    },
    drain: pump,
    data() {},
    error() {},
  };
  const plain = Bun.listen<SendState>({ hostname: HOST, port: 0, socket: handlers });
  const secure = Bun.listen<SendState>({
    hostname: HOST,
    port: 0,
    tls: { cert: testCertificate.cert, key: testCertificate.key },
    socket: handlers,
  });
  console.log(JSON.stringify({ plain: plain.port, tls: secure.port }));
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}

const bunRaw =
  (tlsOptions?: BunTlsOptions): Reader =>
  (port) =>
    new Promise((resolve, reject) => {
      let total = 0;
      Bun.connect<undefined>({
        hostname: HOST,
        port,
        data: undefined,
        tls: tlsOptions,
        socket: {
          data(_socket, chunk) {
            total += chunk.byteLength;
          },
          close() {
            resolve(total);
          },
          error(_socket, error) {
            reject(error);
          },
        },
      }).catch(reject);
    });

const nodeNet: Reader = (port) => countDataEvents(net.connect(port, HOST));

const tlsOptions = { ca: testCertificate.ca, servername: "localhost" };
const nodeTls: Reader = (port) => countDataEvents(tls.connect({ host: HOST, port, ...tlsOptions }));

/** The alternative design: node:net with pause/resume behind a pull stream. */
const nodeNetStream: Reader = async (port) => {
  const socket = net.connect(port, HOST);
  let paused = false;
  const readable = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        socket.on("data", (chunk: Uint8Array) => {
          controller.enqueue(chunk);
          if ((controller.desiredSize ?? 0) <= 0 && !paused) {
            paused = true;
            socket.pause();
          }
        });
        socket.on("end", () => controller.close());
        socket.on("error", (error) => controller.error(error));
      },
      pull() {
        if (paused) {
          paused = false;
          socket.resume();
        }
      },
    },
    { highWaterMark: MiB, size: (chunk) => chunk.byteLength },
  );
  const total = await drain(readable);
  socket.destroy();
  return total;
};

const adapter = bunSockets(
  env.FTPKIT_BENCH_READ_LIMIT ? { readBufferSize: Number(env.FTPKIT_BENCH_READ_LIMIT) } : {},
);
const adapterPlain: Reader = async (port) => {
  await using socket = await adapter.connect({ host: HOST, port });
  return await drain(socket.readable);
};
const adapterTls: Reader = async (port) => {
  await using socket = await adapter.connect({ host: HOST, port, tls: tlsOptions });
  return await drain(socket.readable);
};

async function main(): Promise<void> {
  const child = spawn(execPath, [new URL(import.meta.url).pathname, "--sender"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const ports = await new Promise<{ plain: number; tls: number }>((resolve) => {
    child.stdout?.once("data", (line: Uint8Array) =>
      resolve(JSON.parse(new TextDecoder().decode(line))),
    );
  });

  const adapterName = "bunSockets() readable";
  const adapterTlsName = "bunSockets() TLS readable";
  await runThroughputBench({
    adapter: "bunSockets()",
    bytes: TOTAL,
    rounds: ROUNDS,
    collectGarbage: () => Bun.gc(true),
    groups: [
      {
        port: ports.plain,
        readers: [
          ["Bun.connect data callback (baseline)", bunRaw()],
          ["node:net data events", nodeNet],
          ["node:net + pull stream", nodeNetStream],
          [adapterName, adapterPlain],
        ],
      },
      {
        port: ports.tls,
        readers: [
          ["Bun.connect TLS data callback", bunRaw({ ca: tlsOptions.ca, serverName: "localhost" })],
          ["node:tls data events", nodeTls],
          [adapterTlsName, adapterTls],
        ],
      },
    ],
    ratios: [
      {
        label: "adapter / Bun.connect raw",
        a: adapterName,
        b: "Bun.connect data callback (baseline)",
        goal: "  (goal >= 0.9x)",
      },
      { label: "adapter / node:net raw", a: adapterName, b: "node:net data events" },
      { label: "adapter / node:net + pull stream", a: adapterName, b: "node:net + pull stream" },
      {
        label: "adapter TLS / Bun.connect TLS",
        a: adapterTlsName,
        b: "Bun.connect TLS data callback",
      },
      { label: "adapter TLS / node:tls", a: adapterTlsName, b: "node:tls data events" },
    ],
  });
  child.stdin?.end();
  await new Promise((resolve) => child.once("exit", resolve));
}

if (process.argv.includes("--sender")) sender();
else await main();
