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
import tls from "node:tls";
import { testCertificate } from "../../conformance/src/certs.ts";
import {
  countDataEvents,
  drain,
  type Reader,
  runThroughputBench,
} from "../../conformance/src/throughput-bench.ts";
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

const denoReadable: Reader = async (port) => {
  const conn = await Deno.connect({ hostname: HOST, port });
  const total = await drain(conn.readable);
  return total;
};

const nodeNet: Reader = (port) => countDataEvents(net.connect(port, HOST));

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

const nodeTls: Reader = (port) => countDataEvents(tls.connect({ host: HOST, port, ...tlsOptions }));

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

  const adapterName = "denoSockets() readable";
  const adapterTlsName = "denoSockets() TLS readable";
  await runThroughputBench({
    adapter: "denoSockets()",
    bytes: TOTAL,
    rounds: ROUNDS,
    collectGarbage: () => (globalThis as { gc?: () => void }).gc?.(),
    groups: [
      {
        port: ports.plain,
        readers: [
          ["raw conn.read, reused buffer (upper bound)", rawReused],
          ["raw conn.read, fresh buffers (baseline)", rawFresh],
          ["Deno conn.readable", denoReadable],
          ["node:net data events", nodeNet],
          [adapterName, adapterPlain],
        ],
      },
      {
        port: ports.tls,
        readers: [
          ["Deno.connectTls conn.read, fresh buffers", nativeTls],
          ["node:tls data events", nodeTls],
          [adapterTlsName, adapterTls],
        ],
      },
    ],
    ratios: [
      {
        label: "adapter / raw fresh buffers",
        a: adapterName,
        b: "raw conn.read, fresh buffers (baseline)",
        goal: "  (goal >= 0.9x)",
      },
      {
        label: "adapter / raw reused buffer",
        a: adapterName,
        b: "raw conn.read, reused buffer (upper bound)",
      },
      { label: "adapter / Deno conn.readable", a: adapterName, b: "Deno conn.readable" },
      { label: "adapter / node:net", a: adapterName, b: "node:net data events" },
      {
        label: "adapter TLS / Deno.connectTls",
        a: adapterTlsName,
        b: "Deno.connectTls conn.read, fresh buffers",
      },
      { label: "adapter TLS / node:tls", a: adapterTlsName, b: "node:tls data events" },
    ],
  });
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
