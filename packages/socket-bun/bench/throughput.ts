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
import { cpuUsage, env, execPath } from "node:process";
import tls from "node:tls";
import { testCertificate } from "../../conformance/src/certs.ts";
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

type Reader = (port: number) => Promise<number>;

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

function counted(
  socket: net.Socket,
  resolve: (n: number) => void,
  reject: (e: Error) => void,
): void {
  let total = 0;
  socket.on("data", (chunk: Uint8Array) => {
    total += chunk.byteLength;
  });
  socket.on("end", () => {
    socket.destroy();
    resolve(total);
  });
  socket.on("error", reject);
}

const nodeNet: Reader = (port) =>
  new Promise((resolve, reject) => counted(net.connect(port, HOST), resolve, reject));

const tlsOptions = { ca: testCertificate.ca, servername: "localhost" };
const nodeTls: Reader = (port) =>
  new Promise((resolve, reject) =>
    counted(tls.connect({ host: HOST, port, ...tlsOptions }), resolve, reject),
  );

async function drain(readable: ReadableStream<Uint8Array>): Promise<number> {
  const reader = readable.getReader();
  let total = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.byteLength;
  return total;
}

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

interface Figure {
  wall: number;
  cpu: number;
}

async function measure(name: string, read: Reader, port: number): Promise<Figure> {
  // Collect the previous reader's garbage now, not during this one.
  Bun.gc(true);
  const start = performance.now();
  const startCpu = cpuUsage();
  const total = await read(port);
  const cpu = cpuUsage(startCpu);
  const seconds = (performance.now() - start) / 1000;
  if (total !== TOTAL) throw new Error(`${name}: read ${total} bytes, expected ${TOTAL}`);
  return { wall: total / 1e6 / seconds, cpu: total / ((cpu.user + cpu.system) / 1e6) / 1e6 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const child = spawn(execPath, [new URL(import.meta.url).pathname, "--sender"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const ports = await new Promise<{ plain: number; tls: number }>((resolve) => {
    child.stdout?.once("data", (line: Uint8Array) =>
      resolve(JSON.parse(new TextDecoder().decode(line))),
    );
  });

  const plainReaders: Array<[string, Reader]> = [
    ["Bun.connect data callback (baseline)", bunRaw()],
    ["node:net data events", nodeNet],
    ["node:net + pull stream", nodeNetStream],
    ["bunSockets() readable", adapterPlain],
  ];
  const tlsReaders: Array<[string, Reader]> = [
    ["Bun.connect TLS data callback", bunRaw({ ca: tlsOptions.ca, serverName: "localhost" })],
    ["node:tls data events", nodeTls],
    ["bunSockets() TLS readable", adapterTls],
  ];
  const results = new Map<string, Figure[]>();
  // Each round starts the list one place later: no reader always follows the same one.
  const run = async (
    readers: Array<[string, Reader]>,
    port: number,
    round: number,
  ): Promise<void> => {
    for (let i = 0; i < readers.length; i++) {
      const [name, read] = readers[(i + round) % readers.length]!;
      results.set(name, [...(results.get(name) ?? []), await measure(name, read, port)]);
    }
  };
  for (let round = 0; round < ROUNDS; round++) {
    await run(plainReaders, ports.plain, round);
    await run(tlsReaders, ports.tls, round);
  }
  const figure = (name: string, kind: keyof Figure): number =>
    median((results.get(name) ?? []).map((f) => f[kind]));
  console.log(`bunSockets() read throughput, ${TOTAL / MiB} MiB per run, median of ${ROUNDS}`);
  console.log(`  ${"reader".padEnd(40)} ${"wall MB/s".padStart(10)} ${"CPU MB/s".padStart(10)}`);
  for (const [name] of [...plainReaders, ...tlsReaders]) {
    const wall = figure(name, "wall").toFixed(0).padStart(10);
    console.log(`  ${name.padEnd(40)} ${wall} ${figure(name, "cpu").toFixed(0).padStart(10)}`);
  }
  const ratio = (label: string, a: string, b: string, goal = ""): void => {
    const wall = (figure(a, "wall") / figure(b, "wall")).toFixed(2);
    const cpu = (figure(a, "cpu") / figure(b, "cpu")).toFixed(2);
    console.log(`  ratio ${label.padEnd(32)} wall ${wall}x  CPU ${cpu}x${goal}`);
  };
  ratio(
    "adapter / Bun.connect raw",
    "bunSockets() readable",
    plainReaders[0]![0],
    "  (goal >= 0.9x)",
  );
  ratio("adapter / node:net raw", "bunSockets() readable", plainReaders[1]![0]);
  ratio("adapter / node:net + pull stream", "bunSockets() readable", plainReaders[2]![0]);
  ratio("adapter TLS / Bun.connect TLS", "bunSockets() TLS readable", tlsReaders[0]![0]);
  ratio("adapter TLS / node:tls", "bunSockets() TLS readable", tlsReaders[1]![0]);
  child.stdin?.end();
  await new Promise((resolve) => child.once("exit", resolve));
}

if (process.argv.includes("--sender")) sender();
else await main();
