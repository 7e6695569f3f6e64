/**
 * The client's per-file cost over ONE persistent MODE B data connection: FILES (2000) ×
 * FILE_KIB (16) KiB from `@ftpkit/server` with memory storage (its own process, see
 * `many-files-server.ts`) over `nodeSockets()` on loopback. Each round reads every file
 * with `bytes()`, with `for await` over `body`, with `for await` over the file itself and
 * with `pipeTo()` (BENCH_CONSUME=bytes,body,file,pipeTo picks); it prints the
 * wall time and the client's CPU time (user + system, this process) per file.
 *
 * The baseline of the same run: the same number of bytes read from a raw `node:net`
 * server (bytes / bandwidth), printed as a ratio. BENCH_BEFORE=DIR adds the same cases with the client built from another copy of
 * `src/` (the code before a change, `node_modules` linked beside it), interleaved with
 * these in the same run, and the ratio after/before. Each case runs BENCH_REPEATS (5)
 * times; the best and the median are printed (the machine is shared).
 *
 *   pnpm --filter @ftpkit/client bench
 *   BENCH_BEFORE=/tmp/client-before/src pnpm --filter @ftpkit/client bench
 */

import { spawn } from "node:child_process";
import { connect as connectNet } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { nodeSockets } from "@ftpkit/socket-node";
import * as here from "../src/index.ts";

const FILES = Number(process.env.BENCH_FILES ?? 2000);
const FILE_BYTES = Number(process.env.BENCH_FILE_KIB ?? 16) * 1024;
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const PORT = Number(process.env.BENCH_PORT ?? 22500);
const CONSUMERS = (process.env.BENCH_CONSUME ?? "bytes,body,file,pipeTo").split(",");
const before = process.env.BENCH_BEFORE;
const dir = dirname(fileURLToPath(import.meta.url));

type Client = typeof here;
const clients: { name: string; client: Client }[] = [{ name: "after", client: here }];
if (before !== undefined) {
  clients.unshift({ name: "before", client: (await import(join(before, "index.ts"))) as Client });
}

const child = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    join(dir, "many-files-server.ts"),
    String(FILES),
    String(FILE_BYTES),
    String(PORT),
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const { port, rawPort } = await new Promise<{ port: number; rawPort: number }>(
  (resolve, reject) => {
    let text = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      text += chunk;
      const line = text.split("\n")[0];
      if (text.includes("\n")) resolve(JSON.parse(line!) as { port: number; rawPort: number });
    });
    child.once("exit", (code) => reject(new Error(`the server exited with ${code}`)));
  },
);

/** The baseline: the same bytes over one raw node:net connection, per file's share. */
async function rawRun(): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const got = await new Promise<number>((resolve, reject) => {
    let n = 0;
    const socket = connectNet(rawPort, "127.0.0.1");
    socket.on("data", (chunk: Buffer) => {
      n += chunk.length;
    });
    socket.once("end", () => resolve(n));
    socket.once("error", reject);
  });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (got !== FILES * FILE_BYTES) throw new Error(`raw: got ${got} bytes`);
  return { wall: wall / FILES, cpu: (cpu.user + cpu.system) / 1000 / FILES };
}

const paths = Array.from({ length: FILES }, (_, i) => `f${i}.bin`);
const sink = (): WritableStream<Uint8Array> =>
  new WritableStream<Uint8Array>({
    write(chunk) {
      received += chunk.length;
    },
  });
let received = 0;

async function run(client: Client, consume: string): Promise<{ wall: number; cpu: number }> {
  await using session = await client.connect(`ftp://anonymous:x@127.0.0.1:${port}/`, {
    sockets: nodeSockets(),
  });
  // One file first: the mode is chosen and the data connection is up before the clock.
  for await (const f of session.retrieve([paths[0]!], { mode: "B" })) await f.bytes();
  received = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for await (const file of session.retrieve(paths, { mode: "B" })) {
    if (consume === "bytes") received += (await file.bytes()).length;
    else if (consume === "body") for await (const chunk of file.body) received += chunk.length;
    else if (consume === "file") {
      // `for await` over the file itself (the code before it had only the body's).
      const f = file as Partial<AsyncIterable<Uint8Array>> & { body: AsyncIterable<Uint8Array> };
      const chunks =
        typeof f[Symbol.asyncIterator] === "function" ? (f as AsyncIterable<Uint8Array>) : f.body;
      for await (const chunk of chunks) received += chunk.length;
    } else await file.pipeTo(sink());
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (received !== FILES * FILE_BYTES) throw new Error(`got ${received} bytes`);
  return { wall: wall / FILES, cpu: (cpu.user + cpu.system) / 1000 / FILES };
}

const results = new Map<string, { wall: number[]; cpu: number[] }>();
try {
  for (let r = 0; r < REPEATS; r++) {
    const raw = await rawRun();
    const entry = results.get("raw node:net") ?? { wall: [], cpu: [] };
    entry.wall.push(raw.wall);
    entry.cpu.push(raw.cpu);
    results.set("raw node:net", entry);
    for (const consume of CONSUMERS) {
      for (const { name, client } of clients) {
        const key = `${name} ${consume}`;
        const m = await run(client, consume);
        const entry = results.get(key) ?? { wall: [], cpu: [] };
        entry.wall.push(m.wall);
        entry.cpu.push(m.cpu);
        results.set(key, entry);
      }
    }
  }
} finally {
  child.kill("SIGTERM");
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const best = (xs: number[]): number => Math.min(...xs);
console.log(
  `MODE B, ${FILES} x ${FILE_BYTES / 1024} KiB over one data connection, @ftpkit/server (memory) on loopback, ${REPEATS} rounds`,
);
console.log("case               wall ms/file (best / median)   client CPU ms/file (best / median)");
for (const [key, m] of results) {
  console.log(
    `${key.padEnd(18)} ${best(m.wall).toFixed(3)} / ${median(m.wall).toFixed(3)}                  ${best(m.cpu).toFixed(3)} / ${median(m.cpu).toFixed(3)}`,
  );
}
const raw = results.get("raw node:net")!;
for (const consume of CONSUMERS) {
  const a = results.get(`after ${consume}`)!;
  console.log(
    `${consume}: ${(median(a.wall) / median(raw.wall)).toFixed(1)} x the raw node:net time for the same bytes (medians; the rest is per-file work, both sides)`,
  );
}
if (before !== undefined) {
  for (const consume of CONSUMERS) {
    const a = results.get(`after ${consume}`)!;
    const b = results.get(`before ${consume}`)!;
    console.log(
      `${consume}: after/before wall ${(median(a.wall) / median(b.wall)).toFixed(2)}, CPU ${(median(a.cpu) / median(b.cpu)).toFixed(2)} (medians)`,
    );
  }
}
