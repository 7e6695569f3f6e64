/**
 * Small-message round trips of `denoSockets()` beside raw `Deno.connect` / `Deno.listen`,
 * in one run. Run: `deno run -A bench/small-messages.ts` (part of `pnpm bench` here).
 *
 * The pattern is FTP's: the client sends a short request (a command line), the responder
 * answers in two writes (a reply then another, or a MODE B block header then its bytes),
 * and the client waits for the whole answer before the next request. With Nagle's
 * algorithm on, the second write waits until the peer ACKs the first, and the peer delays
 * that ACK; so the raw baseline is `Deno.Conn` with `setNoDelay(true)`, and Deno's default
 * (Nagle on) is shown beside it for scale. Both ends of each pair use the same kind of
 * socket, and both ends run in this process. Each round runs every variant for 300 ms
 * (the Nagle ones for at most 6 round trips, enough to see them); it prints the median
 * round trips/s and CPU microseconds per round trip (both ends; steadier than wall time on
 * a shared machine) over FTPKIT_BENCH_ROUNDS (default 7) rounds, and each ratio as the
 * median of the ratios within a round (neighbours in time share the machine's load).
 * Goal: adapter >= 0.9x raw with setNoDelay.
 */

import { cpuUsage } from "node:process";
import type { Socket } from "@ftpkit/socket";
import { denoSockets } from "../src/index.ts";

interface RawConn {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  setNoDelay(noDelay?: boolean): void;
  close(): void;
}
interface BenchDeno {
  env: { get(name: string): string | undefined };
  connect(options: { hostname: string; port: number }): Promise<RawConn>;
  listen(options: { hostname: string; port: number }): {
    readonly addr: { port: number };
    accept(): Promise<RawConn>;
    close(): void;
  };
}
const Deno = (globalThis as unknown as { Deno: BenchDeno }).Deno;

const HOST = "127.0.0.1";
const ROUNDS = Number(Deno.env.get("FTPKIT_BENCH_ROUNDS") ?? 7);
const BUDGET_MS = 300;
const NAGLE_TRIPS = 6;
const WARMUP_TRIPS = 50;

const REQUEST = new TextEncoder().encode("RETR f0001.bin\r\n");
// A MODE B header (descriptor, 16-bit count) and the block it announces (RFC 959 §3.4.2).
const HEADER = Uint8Array.of(0x40, 0x00, 0x3d);
const BODY = new Uint8Array(0x3d).fill(0x5a);
const ANSWER = HEADER.byteLength + BODY.byteLength;

/** One connected pair: `trip()` sends a request and waits for the whole answer. */
interface Pair {
  trip(): Promise<void>;
  close(): Promise<void>;
}

async function readExactly(conn: RawConn, buffer: Uint8Array, want: number): Promise<void> {
  for (let got = 0; got < want; ) {
    const n = await conn.read(buffer.subarray(got, want));
    if (n === null) throw new Error(`Peer closed after ${got} of ${want} bytes`);
    got += n;
  }
}

async function writeAll(conn: RawConn, data: Uint8Array): Promise<void> {
  for (let off = 0; off < data.byteLength; ) off += await conn.write(data.subarray(off));
}

async function rawPair(noDelay: boolean): Promise<Pair> {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const accepting = listener.accept();
  const client = await Deno.connect({ hostname: HOST, port: listener.addr.port });
  const server = await accepting;
  listener.close();
  if (noDelay) {
    client.setNoDelay(true);
    server.setNoDelay(true);
  }
  const responding = (async () => {
    const buffer = new Uint8Array(REQUEST.byteLength);
    try {
      for (;;) {
        await readExactly(server, buffer, REQUEST.byteLength);
        await writeAll(server, HEADER);
        await writeAll(server, BODY);
      }
    } catch {
      // The client closed: the round is over.
    }
  })();
  const answer = new Uint8Array(ANSWER);
  return {
    async trip(): Promise<void> {
      await writeAll(client, REQUEST);
      await readExactly(client, answer, ANSWER);
    },
    async close(): Promise<void> {
      client.close();
      await responding;
      server.close();
    },
  };
}

/** Reads `want` bytes from a stream reader; chunks may split or join the writes. */
async function readBytes(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  want: number,
): Promise<void> {
  for (let got = 0; got < want; ) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`Peer closed after ${got} of ${want} bytes`);
    got += value.byteLength;
  }
}

async function adapterPair(noDelay: boolean): Promise<Pair> {
  const sockets = denoSockets({ noDelay });
  const listener = await sockets.listen({ host: HOST, port: 0 });
  const accepting = listener.accept();
  const client: Socket = await sockets.connect({ host: HOST, port: listener.address.port });
  const server = await accepting;
  await listener.close();
  const responding = (async () => {
    const reader = server.readable.getReader();
    const writer = server.writable.getWriter();
    try {
      for (;;) {
        await readBytes(reader, REQUEST.byteLength);
        await writer.write(HEADER);
        await writer.write(BODY);
      }
    } catch {
      // The client closed: the round is over.
    }
  })();
  const reader = client.readable.getReader();
  const writer = client.writable.getWriter();
  return {
    async trip(): Promise<void> {
      await writer.write(REQUEST);
      await readBytes(reader, ANSWER);
    },
    async close(): Promise<void> {
      await client.close();
      await responding;
      await server.close();
    },
  };
}

/** What one fresh pair did over `maxTrips` round trips or the time budget. */
interface Sample {
  tripsPerSecond: number;
  cpuMicrosPerTrip: number;
}

async function measure(open: () => Promise<Pair>, maxTrips: number): Promise<Sample> {
  const pair = await open();
  try {
    for (let i = 0; i < Math.min(WARMUP_TRIPS, maxTrips / 3); i++) await pair.trip();
    const cpu = cpuUsage();
    const start = performance.now();
    let trips = 0;
    while (trips < maxTrips && performance.now() - start < BUDGET_MS) {
      await pair.trip();
      trips++;
    }
    const seconds = (performance.now() - start) / 1000;
    const used = cpuUsage(cpu);
    return {
      tripsPerSecond: trips / seconds,
      cpuMicrosPerTrip: (used.user + used.system) / trips,
    };
  } finally {
    await pair.close();
  }
}

const RAW_NAGLE = "raw Deno.Conn, Deno's default (Nagle on)";
const RAW = "raw Deno.Conn + setNoDelay(true) (baseline)";
const ADAPTER = "denoSockets() (noDelay default)";
const ADAPTER_NAGLE = "denoSockets({ noDelay: false })";
const variants: [string, () => Promise<Pair>, number][] = [
  [RAW_NAGLE, () => rawPair(false), NAGLE_TRIPS],
  [RAW, () => rawPair(true), Number.POSITIVE_INFINITY],
  [ADAPTER, () => adapterPair(true), Number.POSITIVE_INFINITY],
  [ADAPTER_NAGLE, () => adapterPair(false), NAGLE_TRIPS],
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const results = new Map<string, Sample[]>(variants.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  // Alternating the variants spreads the shared machine's noise over all of them.
  for (const [name, open, maxTrips] of variants) {
    results.get(name)?.push(await measure(open, maxTrips));
  }
}

const samples = (name: string): Sample[] => results.get(name) ?? [];
const rate = (name: string): number => median(samples(name).map((s) => s.tripsPerSecond));
const cpuPerTrip = (name: string): number => median(samples(name).map((s) => s.cpuMicrosPerTrip));
const width = Math.max(...variants.map(([name]) => name.length));
console.log(
  `Small-message round trips (request ${REQUEST.byteLength} B, answer ${HEADER.byteLength} + ${BODY.byteLength} B in two writes), median of ${ROUNDS} rounds`,
);
for (const [name] of variants) {
  const trips = rate(name).toFixed(0).padStart(7);
  const cpu = cpuPerTrip(name).toFixed(1).padStart(6);
  console.log(`  ${name.padEnd(width)}  ${trips} round trips/s  ${cpu} CPU us/round trip`);
}
/** The median over rounds of a's rate over b's rate in the same round. */
const ratio = (a: string, b: string): string => {
  const bs = samples(b);
  const ratios = samples(a).map((s, i) => s.tripsPerSecond / (bs[i]?.tripsPerSecond ?? Number.NaN));
  return `${median(ratios).toFixed(2)}x`;
};
const cpuRatio = (a: string, b: string): string => {
  const as = samples(a);
  const ratios = samples(b).map(
    (s, i) => s.cpuMicrosPerTrip / (as[i]?.cpuMicrosPerTrip ?? Number.NaN),
  );
  return `${median(ratios).toFixed(2)}x`;
};
console.log(
  `  adapter / raw + setNoDelay:        ${ratio(ADAPTER, RAW)} round trips/s, ${cpuRatio(ADAPTER, RAW)} per CPU second  (goal >= 0.9x)`,
);
console.log(`  adapter / raw, Deno's default:     ${ratio(ADAPTER, RAW_NAGLE)} round trips/s`);
console.log(`  adapter / adapter without noDelay: ${ratio(ADAPTER, ADAPTER_NAGLE)} round trips/s`);
