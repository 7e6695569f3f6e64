/**
 * Runner: the runtime's raw socket rate. A minimal FTP exchange written straight on
 * `node:net` (login, TYPE I, then EPSV + RETR per file, nothing pipelined) whose data
 * socket only counts the bytes of its `data` events: the ceiling a client on this
 * runtime can reach against the same server.
 *
 * @module
 */

import { connect, type Socket } from "node:net";
import { RunTimer, requestFromArgv } from "../runner-protocol.ts";

/** Reads replies (RFC 959 §4.2: "xyz-" opens a multi-line reply, "xyz " ends it). */
class Replies {
  #buffer = "";
  #lines: string[] = [];
  #waiting: ((reply: { code: number; text: string }) => void) | undefined;
  readonly #ready: { code: number; text: string }[] = [];

  constructor(socket: Socket) {
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => {
      this.#buffer += text;
      let eol = this.#buffer.indexOf("\r\n");
      while (eol >= 0) {
        const line = this.#buffer.slice(0, eol);
        this.#buffer = this.#buffer.slice(eol + 2);
        this.#line(line);
        eol = this.#buffer.indexOf("\r\n");
      }
    });
  }

  #line(line: string): void {
    this.#lines.push(line);
    const first = this.#lines[0]!;
    const code = first.slice(0, 3);
    if (this.#lines.length === 1 && first[3] === "-") return;
    if (this.#lines.length > 1 && !(line.startsWith(code) && line[3] === " ")) return;
    const reply = { code: Number(code), text: this.#lines.join("\n") };
    this.#lines = [];
    const waiting = this.#waiting;
    this.#waiting = undefined;
    if (waiting) waiting(reply);
    else this.#ready.push(reply);
  }

  next(): Promise<{ code: number; text: string }> {
    const ready = this.#ready.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }
}

async function expect(
  replies: Replies,
  ok: (code: number) => boolean,
  what: string,
): Promise<string> {
  const reply = await replies.next();
  if (!ok(reply.code)) throw new Error(`${what}: unexpected reply "${reply.text}"`);
  return reply.text;
}

const request = requestFromArgv();
const url = new URL(request.url);
const host = url.hostname;
const timer = new RunTimer(request.steadyFromBytes);
const clock = timer.clock;
const control = connect({ host, port: Number(url.port || 21), noDelay: true });
const replies = new Replies(control);
const send = (line: string): void => {
  control.write(`${line}\r\n`);
};
await expect(replies, (c) => c === 220, "greeting");
send(`USER ${decodeURIComponent(url.username)}`);
const user = await replies.next();
if (user.code === 331) {
  send(`PASS ${decodeURIComponent(url.password)}`);
  await expect(replies, (c) => c === 230, "PASS");
} else if (user.code !== 230) throw new Error(`USER: "${user.text}"`);
send("TYPE I");
await expect(replies, (c) => c === 200, "TYPE I");
timer.connected();
let files = 0;
for (const path of request.paths) {
  send("EPSV");
  const epsv = await expect(replies, (c) => c === 229, "EPSV");
  const port = Number(/\(\|\|\|(\d+)\|\)/.exec(epsv)?.[1]);
  const data = connect({ host, port });
  const ended = new Promise<void>((resolve, reject) => {
    data.on("data", (chunk: Buffer) => {
      clock.add(chunk.length);
    });
    data.on("end", () => resolve());
    data.on("error", reject);
  });
  await new Promise<void>((resolve) => data.once("connect", () => resolve()));
  send(`RETR ${path}`);
  await expect(replies, (c) => c === 150 || c === 125, "RETR");
  await ended;
  data.destroy();
  await expect(replies, (c) => c === 226 || c === 250, "end of RETR");
  files++;
}
timer.transferred();
send("QUIT");
await replies.next();
control.destroy();
timer.closed(files);
