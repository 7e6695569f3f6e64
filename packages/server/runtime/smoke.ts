/**
 * A smoke test of @ftpkit/server shared by `deno test` and `bun test`: the server on
 * the runtime's own adapter, driven over raw sockets of the same adapter. Plain
 * asserts only, so it runs unchanged in every runtime.
 *
 * @module
 */

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createDecoder, createEncoder, type ModeEvent } from "@ftpkit/modes";
import { encodeCommand, type Reply, ReplyParser } from "@ftpkit/reply";
import type { Socket, SocketAdapter } from "@ftpkit/socket";
import { createServer, folderStorage, memoryStorage } from "../src/index.ts";

function assert(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

class Control {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #parser = new ReplyParser();
  readonly #replies: Reply[] = [];

  constructor(socket: Socket) {
    this.#reader = socket.readable.getReader();
    this.#writer = socket.writable.getWriter();
  }

  async next(): Promise<Reply> {
    for (;;) {
      const r = this.#replies.shift();
      if (r !== undefined) return r;
      const { value, done } = await this.#reader.read();
      if (done) throw new Error("control connection closed");
      this.#replies.push(...this.#parser.push(value));
    }
  }

  async send(verb: string, argument?: string): Promise<void> {
    await this.#writer.write(encodeCommand(verb, argument));
  }

  /** Writes several commands at once (pipelined). */
  async sendAll(lines: [string, string][]): Promise<void> {
    await this.#writer.write(
      concat(lines.map(([verb, argument]) => encodeCommand(verb, argument))),
    );
  }

  async cmd(verb: string, argument?: string): Promise<Reply> {
    await this.send(verb, argument);
    return this.next();
  }
}

/** Runs the smoke test on `sockets`. */
export async function serverSmoke(sockets: SocketAdapter): Promise<void> {
  const a = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
  const b = new TextEncoder().encode("second file\n");
  const storage = memoryStorage({ "a.bin": a, "b.txt": b });
  const server = createServer({ sockets, storage, sleep: async () => {} });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  const socket = await sockets.connect({ host: "127.0.0.1", port });
  try {
    const c = new Control(socket);
    assert((await c.next()).code === 220, "greeting");
    assert((await c.cmd("USER", "anonymous")).code === 331, "USER");
    assert((await c.cmd("PASS", "x@")).code === 230, "PASS");
    await c.cmd("TYPE", "I");

    // STREAM: one file per data connection.
    let epsv = await c.cmd("EPSV");
    let data = await sockets.connect({
      host: "127.0.0.1",
      port: Number(/\|(\d+)\|/.exec(epsv.message)![1]),
    });
    await c.send("RETR", "a.bin");
    assert((await c.next()).code === 150, "RETR 150");
    const parts: Uint8Array[] = [];
    for await (const chunk of data.readable) parts.push(chunk);
    assert((await c.next()).code === 226, "RETR 226");
    assert(equalBytes(concat(parts), a), "a.bin arrived intact in STREAM mode");
    await data.close();

    // MODE B: two files on one data connection, then an upload on it too.
    assert((await c.cmd("MODE", "B")).code === 200, "MODE B");
    epsv = await c.cmd("EPSV");
    data = await sockets.connect({
      host: "127.0.0.1",
      port: Number(/\|(\d+)\|/.exec(epsv.message)![1]),
    });
    const reader = data.readable.getReader();
    const decoder = createDecoder("B");
    const pending: ModeEvent[] = [];
    const readFile = async (): Promise<Uint8Array> => {
      const got: Uint8Array[] = [];
      for (;;) {
        const ev = pending.shift();
        if (ev === undefined) {
          const { value, done } = await reader.read();
          if (done) throw new Error("data connection ended inside a file");
          pending.push(...decoder.push(value));
          continue;
        }
        if (ev.type === "data") got.push(ev.data.slice());
        if (ev.type === "eof") return concat(got);
      }
    };
    for (const [i, [name, want]] of (
      [
        ["a.bin", a],
        ["b.txt", b],
      ] as const
    ).entries()) {
      await c.send("RETR", name);
      assert((await c.next()).code === (i === 0 ? 150 : 125), `${name} preliminary reply`);
      assert(equalBytes(await readFile(), want), `${name} arrived intact in MODE B`);
      assert((await c.next()).code === 250, `${name} final reply`);
    }
    const writer = data.writable.getWriter();
    const encoder = createEncoder("B");
    await c.send("STOR", "up.bin");
    assert((await c.next()).code === 125, "STOR on the kept connection");
    for (const chunk of [...encoder.data(b), ...encoder.eof()]) await writer.write(chunk);
    assert((await c.next()).code === 250, "STOR final reply");
    assert(equalBytes(storage.readFile("/up.bin"), b), "upload stored intact");
    assert(server.log.stats().dataConnections === 2, "two data connections in all");
    await c.cmd("QUIT");
    await data.close();
  } finally {
    await socket.close();
    await server.close();
  }
}

/**
 * Folder storage in MODE B: SIZE and RETR for many files pipelined in one write (read
 * ahead by the server, small files on its worker thread), one larger than a chunk; the
 * server closes with its worker.
 */
export async function folderSmoke(sockets: SocketAdapter): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), "ftpkit-smoke-"));
  const files: [string, Uint8Array][] = [];
  for (let i = 0; i < 12; i++) {
    files.push([`f${i}.bin`, new Uint8Array(1000 + i * 1500).map((_, j) => (i + j * 3) & 0xff)]);
  }
  files.push(["big.bin", new Uint8Array(150_000).map((_, j) => (j * 11) & 0xff)]);
  for (const [name, bytes] of files) await writeFile(join(root, name), bytes);
  const server = createServer({ sockets, storage: folderStorage(root), sleep: async () => {} });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  const socket = await sockets.connect({ host: "127.0.0.1", port });
  try {
    const c = new Control(socket);
    assert((await c.next()).code === 220, "greeting");
    assert((await c.cmd("USER", "anonymous")).code === 331, "USER");
    assert((await c.cmd("PASS", "x@")).code === 230, "PASS");
    assert((await c.cmd("TYPE", "I")).code === 200, "TYPE I");
    assert((await c.cmd("MODE", "B")).code === 200, "MODE B");
    const epsv = await c.cmd("EPSV");
    const data = await sockets.connect({
      host: "127.0.0.1",
      port: Number(/\|(\d+)\|/.exec(epsv.message)![1]),
    });
    const reader = data.readable.getReader();
    const decoder = createDecoder("B");
    const pending: ModeEvent[] = [];
    const readFile = async (): Promise<Uint8Array> => {
      const got: Uint8Array[] = [];
      for (;;) {
        const ev = pending.shift();
        if (ev === undefined) {
          const { value, done } = await reader.read();
          if (done) throw new Error("data connection ended inside a file");
          pending.push(...decoder.push(value));
          continue;
        }
        if (ev.type === "data") got.push(ev.data.slice());
        if (ev.type === "eof") return concat(got);
      }
    };
    await c.sendAll(
      files.flatMap(([name]) => [
        ["SIZE", name] as [string, string],
        ["RETR", name] as [string, string],
      ]),
    );
    for (const [i, [name, want]] of files.entries()) {
      const size = await c.next();
      assert(size.code === 213 && size.message === String(want.length), `${name} SIZE`);
      assert((await c.next()).code === (i === 0 ? 150 : 125), `${name} preliminary reply`);
      assert(equalBytes(await readFile(), want), `${name} arrived intact`);
      assert((await c.next()).code === 250, `${name} final reply`);
    }
    await c.cmd("QUIT");
    await data.close();
  } finally {
    await socket.close();
    await server.close();
    await rm(root, { recursive: true, force: true });
  }
}
