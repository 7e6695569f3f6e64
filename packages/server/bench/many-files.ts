/**
 * Many small files over ONE persistent MODE B / MODE C data connection: 1000 x 16 KiB
 * (BENCH_FILES, BENCH_FILE_KIB) from `@ftpkit/server` over a folder and over memory,
 * beside the baseline measured in the same run: the same number of bytes read from a
 * raw node:net server (bytes / bandwidth). The server runs in a process of its own
 * (`many-files-server.ts`); the client here is a plain node:net socket that writes
 * `SIZE f` and `RETR f` for each file and keeps BENCH_WINDOW files outstanding (as
 * `@ftpkit/client` does, 16 ahead by default; BENCH_SIZE=0 leaves SIZE out), and only
 * collects bytes; they are decoded and checked after the clock stopped.
 *
 * Each case runs BENCH_REPEATS times (default 5), interleaved; the best and the median
 * are printed (the machine is shared: load comes and goes). BENCH_BEFORE=DIR adds the
 * same cases against a server built from another copy of `src/` (the code before a
 * change, with `node_modules` linked beside it), interleaved with these;
 * BENCH_CASES=folder,B keeps only the cases whose name has every word; BENCH_MODES=S,B,C
 * adds MODE S (a fresh data connection per file, one file after the other). "srv CPU" is the
 * server process's CPU time (every thread, from /proc; over all rounds) per file, "srv
 * cs" its context switches per file (each a thread going to sleep or being preempted).
 *
 *   pnpm --filter @ftpkit/server exec tsx bench/many-files.ts
 */

import { spawn } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createDecoder, createEncoder } from "@ftpkit/modes";
import { type Reply, ReplyParser } from "@ftpkit/reply";
import { randomBytes } from "../test/support/test-server.ts";

const FILES = Number(process.env.BENCH_FILES ?? 1000);
const FILE_BYTES = Number(process.env.BENCH_FILE_KIB ?? 16) * 1024;
const WINDOW = Number(process.env.BENCH_WINDOW ?? 16);
const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const WITH_SIZE = process.env.BENCH_SIZE !== "0";
const TOTAL = FILES * FILE_BYTES;
const here = dirname(fileURLToPath(import.meta.url));

const root = await mkdtemp(join(tmpdir(), "ftpkit-many-"));
await mkdir(join(root, "s"));
const contents: Uint8Array[] = [];
for (let i = 0; i < FILES; i++) {
  contents.push(randomBytes(FILE_BYTES, i + 1));
  await writeFile(join(root, "s", `f${i}.bin`), contents[i]!);
}

/** Wire bytes of every file in `mode`: the client waits for all of them. */
function wireBytes(mode: "B" | "C"): number {
  let n = 0;
  for (const content of contents) {
    // In the 64 KiB chunks both storages read: block boundaries follow them.
    const encoder = createEncoder(mode, { type: "I" });
    for (let at = 0; at < content.length; at += 65536) {
      for (const piece of encoder.data(content.subarray(at, at + 65536))) n += piece.length;
    }
    for (const piece of encoder.eof()) n += piece.length;
  }
  return n;
}
const expectedWire = { B: wireBytes("B"), C: wireBytes("C") };

type Ports = { folderPort: number; memoryPort: number; rawPort: number };

/** Starts the server process over `src` (this package's own by default). */
async function startServer(
  src: string | undefined,
): Promise<{ ports: Ports; pid: number; stop: () => void }> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env.BENCH_SERVER_NODE_ARGS?.split(" ").filter(Boolean) ?? []),
      "--import",
      "tsx",
      join(here, "many-files-server.ts"),
      root,
      String(TOTAL),
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
      env: src === undefined ? process.env : { ...process.env, BENCH_SERVER_SRC: src },
    },
  );
  const ports = await new Promise<Ports>((resolve, reject) => {
    let text = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      text += chunk;
      const line = text.split("\n")[0];
      if (text.includes("\n") && line !== undefined) resolve(JSON.parse(line));
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });
  return { ports, pid: child.pid!, stop: () => child.kill("SIGTERM") };
}

// BENCH_BEFORE=DIR: also run a server over another copy of src/ (the code before a
// change), its cases interleaved with this one's.
const before = process.env.BENCH_BEFORE;
const current = await startServer(undefined);
const previous = before === undefined ? undefined : await startServer(before);
const ports = current.ports;

function opened(socket: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
}

/** Seconds to read TOTAL bytes from the raw server, connect included. */
async function rawRun(): Promise<number> {
  const t0 = performance.now();
  const socket = connect(ports.rawPort, "127.0.0.1");
  let bytes = 0;
  socket.on("data", (d: Buffer) => {
    bytes += d.length;
  });
  await new Promise((resolve) => socket.once("end", resolve));
  socket.destroy();
  if (bytes !== TOTAL) throw new Error(`raw: ${bytes} of ${TOTAL} bytes`);
  return (performance.now() - t0) / 1000;
}

/** A control connection whose replies can be awaited one by one. */
class Control {
  readonly socket: Socket;
  readonly #parser = new ReplyParser();
  readonly #replies: Reply[] = [];
  #wake: (() => void) | undefined;
  onReply: ((reply: Reply) => void) | undefined;

  constructor(port: number) {
    this.socket = connect(port, "127.0.0.1");
    this.socket.setNoDelay(true);
    this.socket.on("data", (chunk: Buffer) => {
      for (const reply of this.#parser.push(chunk)) {
        if (this.onReply !== undefined) this.onReply(reply);
        else this.#replies.push(reply);
      }
      this.#wake?.();
    });
  }

  async next(): Promise<Reply> {
    for (;;) {
      const reply = this.#replies.shift();
      if (reply !== undefined) return reply;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async cmd(line: string, expect: number): Promise<Reply> {
    this.socket.write(`${line}\r\n`);
    const reply = await this.next();
    if (Math.floor(reply.code / 100) !== Math.floor(expect / 100)) {
      throw new Error(`${line}: ${reply.code} ${reply.message}`);
    }
    return reply;
  }
}

/** The commands for file `i`. */
function request(i: number): string {
  return WITH_SIZE ? `SIZE s/f${i}.bin\r\nRETR s/f${i}.bin\r\n` : `RETR s/f${i}.bin\r\n`;
}

/** Seconds from the first RETR to the last reply; the bytes are checked afterwards. */
async function ftpRun(port: number, mode: "B" | "C"): Promise<number> {
  const control = new Control(port);
  await control.next();
  await control.cmd("USER anonymous", 331);
  await control.cmd("PASS bench@", 230);
  await control.cmd("TYPE I", 200);
  await control.cmd(`MODE ${mode}`, 200);
  const epsv = await control.cmd("EPSV", 229);
  const data = connect(Number(/\|(\d+)\|/.exec(epsv.message)![1]), "127.0.0.1");
  const chunks: Buffer[] = [];
  let wire = 0;
  let dataDone!: () => void;
  const allData = new Promise<void>((resolve) => {
    dataDone = resolve;
  });
  data.on("data", (d: Buffer) => {
    chunks.push(d);
    wire += d.length;
    if (wire >= expectedWire[mode]) dataDone();
  });
  await opened(data);
  const t0 = performance.now();
  let sent = 0;
  let done = 0;
  const finished = new Promise<void>((resolve, reject) => {
    control.onReply = (reply) => {
      if (reply.code === 125 || reply.code === 150 || reply.code === 213) return;
      if (reply.code !== 250 && reply.code !== 226) {
        reject(new Error(`RETR: ${reply.code} ${reply.message}`));
        return;
      }
      done++;
      if (sent < FILES) control.socket.write(request(sent++));
      if (done === FILES) resolve();
    };
  });
  let burst = "";
  while (sent < Math.min(WINDOW, FILES)) burst += request(sent++);
  control.socket.write(burst);
  await Promise.all([finished, allData]);
  const seconds = (performance.now() - t0) / 1000;
  control.socket.end("QUIT\r\n");
  data.destroy();
  control.socket.destroy();
  check(mode, chunks);
  return seconds;
}

/**
 * MODE S: a fresh data connection per file (EPSV, RETR, read to the end, 226), one file
 * after the other; seconds from the first EPSV to the last 226.
 */
async function streamRun(port: number): Promise<number> {
  const control = new Control(port);
  await control.next();
  await control.cmd("USER anonymous", 331);
  await control.cmd("PASS bench@", 230);
  await control.cmd("TYPE I", 200);
  const t0 = performance.now();
  const received: Buffer[] = [];
  for (let i = 0; i < FILES; i++) {
    const epsv = await control.cmd("EPSV", 229);
    const data = connect(Number(/\|(\d+)\|/.exec(epsv.message)![1]), "127.0.0.1");
    const chunks: Buffer[] = [];
    data.on("data", (d: Buffer) => chunks.push(d));
    const ended = new Promise((resolve) => data.once("end", resolve));
    await opened(data);
    await control.cmd(`RETR s/f${i}.bin`, 150);
    await ended;
    const done = await control.next();
    if (done.code !== 226) throw new Error(`RETR: ${done.code} ${done.message}`);
    data.destroy();
    received.push(Buffer.concat(chunks));
  }
  const seconds = (performance.now() - t0) / 1000;
  control.socket.end("QUIT\r\n");
  control.socket.destroy();
  for (let i = 0; i < FILES; i++) {
    if (!received[i]!.equals(contents[i]!)) throw new Error(`MODE S, file ${i}: bytes differ`);
  }
  return seconds;
}

/** Every file arrived whole and in order. */
function check(mode: "B" | "C", chunks: Buffer[]): void {
  const decoder = createDecoder(mode, { type: "I" });
  let file = 0;
  let at = 0;
  let current = contents[0]!;
  const fail = (why: string): never => {
    throw new Error(`MODE ${mode}, file ${file}: ${why}`);
  };
  for (const chunk of chunks) {
    for (const event of decoder.push(chunk)) {
      if (event.type === "data") {
        const view = event.data;
        if (at + view.length > current.length) fail("too many bytes");
        for (let i = 0; i < view.length; i++) if (view[i] !== current[at + i]) fail("bytes differ");
        at += view.length;
      } else if (event.type === "eof") {
        if (at !== current.length) fail(`${at} of ${current.length} bytes`);
        file++;
        at = 0;
        current = contents[file] ?? new Uint8Array(0);
      }
    }
  }
  if (file !== FILES) throw new Error(`MODE ${mode}: ${file} of ${FILES} files`);
}

/**
 * CPU seconds the process `pid` used so far, every thread (main, thread pool, GC), from
 * /proc/PID/task/TID/schedstat (nanoseconds on CPU; finer than stat's clock ticks), and
 * its context switches (every time a thread went to sleep or was preempted).
 */
async function usage(pid: number): Promise<{ cpu: number; switches: number }> {
  let ns = 0;
  let switches = 0;
  try {
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      const task = `/proc/${pid}/task/${tid}`;
      const sched = await readFile(`${task}/schedstat`, "utf8").catch(() => "0");
      ns += Number(sched.split(" ")[0]);
      const status = await readFile(`${task}/status`, "utf8").catch(() => "");
      for (const m of status.matchAll(/ctxt_switches:\s+(\d+)/g)) switches += Number(m[1]);
    }
  } catch {
    return { cpu: Number.NaN, switches: Number.NaN };
  }
  return { cpu: ns / 1e9, switches };
}

type Case = { name: string; pid: number; run: () => Promise<number> };
// BENCH_MODES=S,B,C: S (a fresh data connection per file) is left out by default.
const MODES = (process.env.BENCH_MODES ?? "B,C").split(",").filter(Boolean);
const serverCases = (prefix: string, server: { ports: Ports; pid: number }): Case[] => {
  const { ports: p, pid } = server;
  const cases: Case[] = [];
  for (const [storage, port] of [
    ["memory", p.memoryPort],
    ["folder", p.folderPort],
  ] as const) {
    for (const mode of MODES) {
      cases.push({
        name: `${prefix}${storage} storage, MODE ${mode}`,
        pid,
        run: () => (mode === "S" ? streamRun(port) : ftpRun(port, mode as "B" | "C")),
      });
    }
  }
  return cases;
};
const allCases: Case[] = [
  { name: "raw node:net, same bytes (baseline)", pid: current.pid, run: rawRun },
  ...(previous === undefined ? [] : serverCases("before: ", previous)),
  ...serverCases("", current),
];
// BENCH_CASES=folder,B keeps the baseline and the cases whose name has every word.
const only = process.env.BENCH_CASES?.split(",").filter(Boolean) ?? [];
const cases = allCases.filter((c, i) => i === 0 || only.every((word) => c.name.includes(word)));

try {
  const times = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const cpu = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  const switches = new Map<string, number[]>(cases.map((c) => [c.name, []]));
  // One warm-up round (JIT, page cache), then the measured rounds, interleaved.
  for (const c of cases) await c.run();
  for (let r = 0; r < REPEATS; r++) {
    for (const c of cases) {
      const before = await usage(c.pid);
      times.get(c.name)!.push(await c.run());
      const after = await usage(c.pid);
      cpu.get(c.name)!.push(after.cpu - before.cpu);
      switches.get(c.name)!.push(after.switches - before.switches);
    }
  }
  const best = (name: string): number => Math.min(...times.get(name)!);
  const median = (name: string, of = times): number => {
    const sorted = [...of.get(name)!].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  };
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);
  const baseline = best(cases[0]!.name);
  const baselineMedian = median(cases[0]!.name);
  console.log(
    `${FILES} x ${FILE_BYTES / 1024} KiB, ${WINDOW} files outstanding${WITH_SIZE ? " (SIZE, RETR)" : ""}, best (median) of ${REPEATS}`,
  );
  console.log(
    `${"case".padEnd(46)} ${"files/s".padStart(16)} ${"ms/file".padStart(16)} ${"x bytes/bandwidth".padStart(18)} ${"srv CPU ms/file".padStart(16)} ${"srv cs/file".padStart(12)}`,
  );
  for (const c of cases) {
    const b = best(c.name);
    const m = median(c.name);
    const cell = (x: number, y: number, digits: number): string =>
      `${x.toFixed(digits)} (${y.toFixed(digits)})`;
    console.log(
      `${c.name.padEnd(46)} ${cell(FILES / b, FILES / m, 0).padStart(16)} ${cell((b * 1000) / FILES, (m * 1000) / FILES, 3).padStart(16)} ${cell(b / baseline, m / baselineMedian, 1).padStart(18)} ${((sum(cpu.get(c.name)!) * 1000) / (FILES * REPEATS)).toFixed(3).padStart(16)} ${(sum(switches.get(c.name)!) / (FILES * REPEATS)).toFixed(1).padStart(12)}`,
    );
  }
} finally {
  current.stop();
  previous?.stop();
  await rm(root, { recursive: true, force: true });
}
