/**
 * A raw FTP client for the server's own tests: node:net sockets, every byte visible,
 * nothing hidden. Replies are parsed with @ftpkit/reply's ReplyParser.
 */

import { connect as netConnect, type Socket } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { type Reply, ReplyParser } from "@ftpkit/reply";

/** Bytes from a socket as they arrive, with awaitable reads. */
class Inbox {
  readonly chunks: Buffer[] = [];
  ended = false;
  error: Error | undefined;
  #wake: (() => void) | undefined;

  attach(socket: Socket): void {
    socket.on("data", (c: Buffer) => {
      this.chunks.push(c);
      this.#wake?.();
    });
    socket.on("end", () => {
      this.ended = true;
      this.#wake?.();
    });
    socket.on("close", () => {
      this.ended = true;
      this.#wake?.();
    });
    socket.on("error", (e) => {
      this.error = e;
      this.ended = true;
      this.#wake?.();
    });
  }

  async wait(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
    this.#wake = undefined;
  }
}

/** A data connection opened by the test. */
export class RawData {
  readonly socket: Socket;
  readonly #inbox = new Inbox();
  #taken = 0;

  constructor(socket: Socket) {
    this.socket = socket;
    this.#inbox.attach(socket);
  }

  /** Everything until the server closes the connection. */
  async readAll(): Promise<Buffer> {
    while (!this.#inbox.ended) await this.#inbox.wait();
    return this.#take();
  }

  /** At least `n` bytes (more if they came in the same chunk is not possible: exactly n). */
  async read(n: number): Promise<Buffer> {
    for (;;) {
      const have = this.#inbox.chunks.reduce((a, c) => a + c.length, 0);
      if (have >= n) break;
      if (this.#inbox.ended) throw new Error(`data connection ended after ${have} of ${n} bytes`);
      await this.#inbox.wait();
    }
    const all = Buffer.concat(this.#inbox.chunks);
    this.#inbox.chunks.length = 0;
    if (all.length > n) this.#inbox.chunks.push(all.subarray(n));
    this.#taken += n;
    return all.subarray(0, n);
  }

  /** Whatever has arrived (at least one byte), or an empty buffer at the end. */
  async readSome(): Promise<Buffer> {
    while (this.#inbox.chunks.length === 0 && !this.#inbox.ended) await this.#inbox.wait();
    return this.#take();
  }

  /** Resolves once the server has closed its side. */
  async ended(): Promise<boolean> {
    while (!this.#inbox.ended) await this.#inbox.wait();
    return true;
  }

  #take(): Buffer {
    const all = Buffer.concat(this.#inbox.chunks);
    this.#inbox.chunks.length = 0;
    return all;
  }

  write(bytes: Uint8Array | string): Promise<void> {
    return new Promise((resolve, reject) =>
      this.socket.write(bytes, (e) => (e ? reject(e) : resolve())),
    );
  }

  /** Half-closes (FIN) and waits for the server to close. */
  async end(): Promise<void> {
    this.socket.end();
    await this.ended();
  }

  close(): void {
    this.socket.destroy();
  }
}

function connected(socket: Socket, event: "connect" | "secureConnect"): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once(event, () => resolve());
    socket.once("error", reject);
  });
}

/** A control connection. */
export class RawControl {
  socket: Socket;
  readonly host: string;
  #parser = new ReplyParser();
  #replies: Reply[] = [];
  #inbox = new Inbox();

  private constructor(socket: Socket, host: string) {
    this.socket = socket;
    this.host = host;
    this.#listen(socket);
  }

  #listen(socket: Socket): void {
    socket.on("data", (c: Buffer) => {
      this.#replies.push(...this.#parser.push(c));
      this.#inbox.chunks.length = 0;
    });
    this.#inbox.attach(socket);
  }

  /** Connects and returns with the greeting read. */
  static async connect(
    port: number,
    host = "127.0.0.1",
    tls?: { ca: string },
  ): Promise<[RawControl, Reply]> {
    const socket = tls
      ? tlsConnect({ host, port, ca: tls.ca, servername: "localhost" })
      : netConnect({ host, port });
    await connected(socket, tls ? "secureConnect" : "connect");
    const control = new RawControl(socket, host);
    return [control, await control.next()];
  }

  /** The next reply (intermediate ones included). */
  async next(): Promise<Reply> {
    for (;;) {
      const r = this.#replies.shift();
      if (r !== undefined) return r;
      if (this.#inbox.ended) throw new Error("control connection closed while waiting for a reply");
      await this.#inbox.wait();
    }
  }

  /** Resolves once the server closed the control connection. */
  async closedByServer(): Promise<boolean> {
    while (!this.#inbox.ended) await this.#inbox.wait();
    return true;
  }

  send(line: string): void {
    this.socket.write(`${line}\r\n`);
  }

  sendRaw(bytes: Uint8Array | string): void {
    this.socket.write(bytes);
  }

  /** Sends a command, returns its (first) reply. */
  async cmd(line: string): Promise<Reply> {
    this.send(line);
    return this.next();
  }

  async login(user = "anonymous", password = "test@"): Promise<void> {
    const u = await this.cmd(`USER ${user}`);
    if (u.code === 230) return;
    const p = await this.cmd(`PASS ${password}`);
    if (p.code !== 230) throw new Error(`login failed: ${p.code} ${p.message}`);
  }

  /** EPSV, then connects to the announced port. */
  async epsv(tls?: { ca: string; session?: Buffer }): Promise<RawData> {
    const r = await this.cmd("EPSV");
    if (r.code !== 229) throw new Error(`EPSV: ${r.code} ${r.message}`);
    const port = Number(/\(\|\|\|(\d+)\|\)/.exec(r.message)![1]);
    return this.dataConnect(port, tls);
  }

  /** PASV, then connects to the announced address. */
  async pasv(): Promise<RawData> {
    const r = await this.cmd("PASV");
    if (r.code !== 227) throw new Error(`PASV: ${r.code} ${r.message}`);
    const n = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(r.message)!.slice(1).map(Number);
    return this.dataConnect(n[4]! * 256 + n[5]!);
  }

  async dataConnect(port: number, tls?: { ca: string; session?: Buffer }): Promise<RawData> {
    if (tls) {
      const socket = tlsConnect({
        host: this.host,
        port,
        ca: tls.ca,
        servername: "localhost",
        session: tls.session,
      });
      // The handshake completes once the server has answered RETR/STOR with 150.
      socket.on("error", () => {});
      return new RawData(socket);
    }
    const socket = netConnect({ host: this.host, port });
    await connected(socket, "connect");
    return new RawData(socket);
  }

  /** AUTH TLS and the handshake on this control connection. */
  async startTls(ca: string): Promise<Reply> {
    const r = await this.cmd("AUTH TLS");
    if (r.code !== 234) return r;
    const raw = this.socket;
    raw.removeAllListeners("data");
    const socket = tlsConnect({ socket: raw, ca, servername: "localhost" });
    await connected(socket, "secureConnect");
    this.socket = socket;
    this.#parser = new ReplyParser();
    this.#inbox = new Inbox();
    this.#listen(socket);
    return r;
  }

  /** The TLS session of the control connection, for resumption by data connections. */
  tlsSession(): Buffer | undefined {
    return (this.socket as TLSSocket).getSession?.();
  }

  close(): void {
    this.socket.destroy();
  }
}
