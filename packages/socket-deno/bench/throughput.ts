/**
 * Read throughput of `denoSockets()` beside Deno's own socket reads, in one run.
 * Run: `deno run -A bench/throughput.ts` (or `pnpm bench` in this package).
 *
 * A sender in a child Deno process writes FTPKIT_BENCH_MIB (default 256) MiB per
 * connection over loopback; this process reads them, alternating the readers for a few
 * rounds, and prints the median MB/s of each with the adapter's ratio to the baselines.
 * The goal is adapter >= 0.9x "raw read, fresh buffers": any consumer that keeps the bytes
 * (a stream hands chunks away) needs a fresh buffer per read; a reused buffer is the upper
 * bound no stream can reach.
 */

import net from "node:net";
import { cpuUsage } from "node:process";
import tls from "node:tls";
import { testCertificate } from "../../conformance/src/certs.ts";
import { denoSockets } from "../src/index.ts";

interface Conn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  readonly readable: ReadableStream<Uint8Array>;
}
interface BenchDeno {
  args: string[];
  stdin: { readable: ReadableStream<Uint8Array> };
  exit(code: number): never;
  execPath(): string;
  env: { get(name: string): string | undefined };
  connect(options: { hostname: string; port: number }): Promise<Conn>;
  connectTls(options: { hostname: string; port: number; caCerts: string[] }): Promise<Conn>;
  listen(options: { hostname: string; port: number }): AsyncIterable<Conn> & {
    addr: { port: number };
  };
  listenTls(options: {
    hostname: string;
    port: number;
    cert: string;
    key: string;
  }): AsyncIterable<Conn> & {
    addr: { port: number };
  };
  Command: new (
    command: string,
    options: { args: string[]; stdin: "piped"; stdout: "piped"; stderr: "inherit" },
  ) => {
    spawn(): {
      stdin: WritableStream<Uint8Array>;
      stdout: ReadableStream<Uint8Array>;
      status: Promise<unknown>;
    };
  };
}
const Deno = (globalThis as unknown as { Deno: BenchDeno }).Deno;

const MiB = 1024 * 1024;
const TOTAL = Number(Deno.env.get("FTPKIT_BENCH_MIB") ?? 256) * MiB;
const ROUNDS = Number(Deno.env.get("FTPKIT_BENCH_ROUNDS") ?? 3);
const HOST = "127.0.0.1";

async function send(conns: AsyncIterable<Conn>): Promise<void> {
  const chunk = new Uint8Array(MiB).fill(0x5a);
  for await (const conn of conns) {
    void (async () => {
      try {
        for (let sent = 0; sent < TOTAL; sent += chunk.byteLength) {
          for (let off = 0; off < chunk.byteLength; ) off += await conn.write(chunk.subarray(off));
        }
        await conn.closeWrite();
      } catch {
        // The reader went away.
      } finally {
        conn.close();
      }
    })();
  }
}

/** Child mode: listen plain and TLS, print both ports, send until stdin closes. */
async function sender(): Promise<void> {
  const plain = Deno.listen({ hostname: HOST, port: 0 });
  const secure = Deno.listenTls({
    hostname: HOST,
    port: 0,
    cert: testCertificate.cert,
    key: testCertificate.key,
  });
  void send(plain);
  void send(secure);
  console.log(JSON.stringify({ plain: plain.addr.port, tls: secure.addr.port }));
}

type Reader = (port: number) => Promise<number>;

const rawReused: Reader = async (port) => {
  const conn = await Deno.connect({ hostname: HOST, port });
  const buffer = new Uint8Array(256 * 1024);
  let total = 0;
  for (let n = await conn.read(buffer); n !== null; n = await conn.read(buffer)) total += n;
  conn.close();
  return total;
};

const rawFresh: Reader = async (port) => {
  const conn = await Deno.connect({ hostname: HOST, port });
  let total = 0;
  for (;;) {
    const n = await conn.read(new Uint8Array(256 * 1024));
    if (n === null) break;
    total += n;
  }
  conn.close();
  return total;
};

async function drain(readable: ReadableStream<Uint8Array>): Promise<number> {
  const reader = readable.getReader();
  let total = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.byteLength;
  return total;
}

const denoReadable: Reader = async (port) => {
  const conn = await Deno.connect({ hostname: HOST, port });
  const total = await drain(conn.readable);
  return total;
};

const nodeNet: Reader = (port) =>
  new Promise((resolve, reject) => {
    let total = 0;
    const socket = net.connect(port, HOST);
    socket.on("data", (chunk: Uint8Array) => {
      total += chunk.byteLength;
    });
    socket.on("end", () => {
      socket.destroy();
      resolve(total);
    });
    socket.on("error", reject);
  });

const adapter = denoSockets();
const adapterPlain: Reader = async (port) => {
  await using socket = await adapter.connect({ host: HOST, port });
  return await drain(socket.readable);
};

const tlsOptions = { ca: testCertificate.ca, servername: "localhost" };
const adapterTls: Reader = async (port) => {
  await using socket = await adapter.connect({ host: HOST, port, tls: tlsOptions });
  return await drain(socket.readable);
};

const nativeTls: Reader = async (port) => {
  const conn = await Deno.connectTls({
    hostname: "localhost",
    port,
    caCerts: [testCertificate.ca],
  });
  let total = 0;
  for (;;) {
    // A TLS record carries at most 16 KiB: one read returns at most that.
    const n = await conn.read(new Uint8Array(16 * 1024));
    if (n === null) break;
    total += n;
  }
  conn.close();
  return total;
};

const nodeTls: Reader = (port) =>
  new Promise((resolve, reject) => {
    let total = 0;
    const socket = tls.connect({ host: HOST, port, ...tlsOptions });
    socket.on("data", (chunk: Uint8Array) => {
      total += chunk.byteLength;
    });
    socket.on("end", () => {
      socket.destroy();
      resolve(total);
    });
    socket.on("error", reject);
  });

interface Figure {
  /** MB per second of wall time. */
  wall: number;
  /** MB per second of this process's CPU time (user + system): steadier on a busy machine. */
  cpu: number;
}

async function measure(read: Reader, port: number): Promise<Figure> {
  // Collect the previous reader's garbage now, not during this one.
  (globalThis as { gc?: () => void }).gc?.();
  const start = performance.now();
  const startCpu = cpuUsage();
  const total = await read(port);
  const cpu = cpuUsage(startCpu);
  const seconds = (performance.now() - start) / 1000;
  if (total !== TOTAL) throw new Error(`read ${total} bytes, expected ${TOTAL} (${read.name})`);
  return { wall: total / 1e6 / seconds, cpu: total / ((cpu.user + cpu.system) / 1e6) / 1e6 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function main(): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--sender"],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const stdout = child.stdout.getReader();
  const first = await stdout.read();
  stdout.releaseLock();
  const ports = JSON.parse(new TextDecoder().decode(first.value)) as { plain: number; tls: number };

  const plainReaders: Array<[string, Reader]> = [
    ["raw conn.read, reused buffer (upper bound)", rawReused],
    ["raw conn.read, fresh buffers (baseline)", rawFresh],
    ["Deno conn.readable", denoReadable],
    ["node:net data events", nodeNet],
    ["denoSockets() readable", adapterPlain],
  ];
  const tlsReaders: Array<[string, Reader]> = [
    ["Deno.connectTls conn.read, fresh buffers", nativeTls],
    ["node:tls data events", nodeTls],
    ["denoSockets() TLS readable", adapterTls],
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
      results.set(name, [...(results.get(name) ?? []), await measure(read, port)]);
    }
  };
  for (let round = 0; round < ROUNDS; round++) {
    await run(plainReaders, ports.plain, round);
    await run(tlsReaders, ports.tls, round);
  }
  const figure = (name: string, kind: keyof Figure): number =>
    median((results.get(name) ?? []).map((f) => f[kind]));
  console.log(`denoSockets() read throughput, ${TOTAL / MiB} MiB per run, median of ${ROUNDS}`);
  console.log(`  ${"reader".padEnd(44)} ${"wall MB/s".padStart(10)} ${"CPU MB/s".padStart(10)}`);
  for (const [name] of [...plainReaders, ...tlsReaders]) {
    const wall = figure(name, "wall").toFixed(0).padStart(10);
    console.log(`  ${name.padEnd(44)} ${wall} ${figure(name, "cpu").toFixed(0).padStart(10)}`);
  }
  const ratio = (label: string, a: string, b: string, goal = ""): void => {
    const wall = (figure(a, "wall") / figure(b, "wall")).toFixed(2);
    const cpu = (figure(a, "cpu") / figure(b, "cpu")).toFixed(2);
    console.log(`  ratio ${label.padEnd(30)} wall ${wall}x  CPU ${cpu}x${goal}`);
  };
  const adapterName = "denoSockets() readable";
  ratio("adapter / raw fresh buffers", adapterName, plainReaders[1]![0], "  (goal >= 0.9x)");
  ratio("adapter / raw reused buffer", adapterName, plainReaders[0]![0]);
  ratio("adapter / Deno conn.readable", adapterName, plainReaders[2]![0]);
  ratio("adapter / node:net", adapterName, plainReaders[3]![0]);
  ratio("adapter TLS / Deno.connectTls", "denoSockets() TLS readable", tlsReaders[0]![0]);
  ratio("adapter TLS / node:tls", "denoSockets() TLS readable", tlsReaders[1]![0]);
  await child.stdin.close();
  await child.status;
}

if (Deno.args.includes("--sender")) {
  await sender();
  // The parent closes stdin when it is done.
  await Deno.stdin.readable.pipeTo(new WritableStream());
  Deno.exit(0);
} else {
  await main();
}
