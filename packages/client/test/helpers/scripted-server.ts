/**
 * A small FTP server for the client's unit tests, written to be bent: every verb has a
 * default handler (vsftpd-like: one command at a time, MODE S only, 1xx only once the
 * data connection is open), and a test overrides the verbs it needs to misbehave.
 * It counts commands, control writes it receives and data connections.
 */

import { CommandParser, encodeReply } from "@ftpkit/reply";
import type { Listener, Socket, SocketAdapter } from "@ftpkit/socket";

export interface ScriptContext {
  readonly server: ScriptedServer;
  /** Sends a reply. */
  reply(code: number, text?: string | readonly string[]): Promise<void>;
  /** Sends raw bytes on the control connection. */
  raw(bytes: string | Uint8Array): Promise<void>;
  /** Opens a passive listener; `accept()` waits for the client. */
  listen(): Promise<{ port: number; accept(): Promise<Socket> }>;
  /** The data connection of the pending transfer (after EPSV/PASV), once the client connected. */
  takeData(): Promise<Socket>;
  /** True when a PASV/EPSV is waiting for its transfer. */
  hasData(): boolean;
  /** REST offset in force. */
  rest: number;
  /** Session state a handler may keep. */
  state: Record<string, unknown>;
  /** Closes the control connection. */
  hangUp(): Promise<void>;
}

export type Handler = (argument: string, ctx: ScriptContext) => Promise<void> | void;

/**
 * How the server mishandles several commands arriving in one read (pipelining):
 * `"500"` answers every command after the first with 500 without running it, `"drop"`
 * ignores them (no reply at all), `"swap"` sends the reply of the first command after
 * the first reply of the second.
 */
export type BurstFault = "500" | "drop" | "swap";

export interface ScriptedServerOptions {
  files?: Record<string, Uint8Array | string>;
  handlers?: Record<string, Handler>;
  greeting?: string;
  features?: readonly string[];
}

const text = new TextEncoder();

export class ScriptedServer implements AsyncDisposable {
  readonly files = new Map<string, Uint8Array>();
  readonly commands: string[] = [];
  /** Chunks the control connection delivered (one per client write, roughly). */
  controlChunks = 0;
  /** The pipelining fault in force (see {@link BurstFault}); set it at any time. */
  burst: BurstFault | undefined;
  /** Commands the burst fault answered with 500 or ignored. */
  readonly mishandled: string[] = [];
  dataConnections = 0;
  readonly #adapter: SocketAdapter;
  readonly #listener: Listener;
  readonly #options: ScriptedServerOptions;
  readonly #sessions = new Set<Socket>();
  readonly #data = new Set<Socket | Listener>();
  readonly #loops: Promise<void>[] = [];
  #closed = false;

  private constructor(adapter: SocketAdapter, listener: Listener, options: ScriptedServerOptions) {
    this.#adapter = adapter;
    this.#listener = listener;
    this.#options = options;
    for (const [name, body] of Object.entries(options.files ?? {})) {
      this.files.set(name, typeof body === "string" ? text.encode(body) : body);
    }
  }

  static async start(
    adapter: SocketAdapter,
    options: ScriptedServerOptions = {},
  ): Promise<ScriptedServer> {
    const listener = await adapter.listen({ host: "127.0.0.1", port: 0 });
    const server = new ScriptedServer(adapter, listener, options);
    server.#loops.push(server.#acceptLoop());
    return server;
  }

  get port(): number {
    return this.#listener.address.port;
  }

  get url(): string {
    return `ftp://user:pass@127.0.0.1:${this.port}/`;
  }

  /** Commands seen with this verb. */
  count(verb: string): number {
    return this.commands.filter((c) => c.split(" ")[0] === verb).length;
  }

  async #acceptLoop(): Promise<void> {
    for (;;) {
      let socket: Socket;
      try {
        socket = await this.#listener.accept();
      } catch {
        return;
      }
      this.#sessions.add(socket);
      this.#loops.push(this.#session(socket));
    }
  }

  async #session(socket: Socket): Promise<void> {
    const writer = socket.writable.getWriter();
    const parser = new CommandParser();
    let pendingData: Promise<Socket> | undefined;
    let held: Uint8Array[] | undefined;
    const ctx: ScriptContext = {
      server: this,
      reply: async (code, t = "OK") => {
        const bytes = encodeReply(code, typeof t === "string" ? t : [...t]);
        if (held !== undefined) held.push(bytes);
        else await writer.write(bytes);
      },
      raw: (bytes) => writer.write(typeof bytes === "string" ? text.encode(bytes) : bytes),
      listen: async () => {
        const l = await this.#adapter.listen({ host: "127.0.0.1", port: 0 });
        this.#data.add(l);
        return {
          port: l.address.port,
          accept: async () => {
            const s = await l.accept();
            this.dataConnections++;
            this.#data.add(s);
            await l.close();
            return s;
          },
        };
      },
      takeData: () => {
        if (pendingData === undefined) return Promise.reject(new Error("no PASV/EPSV"));
        const d = pendingData;
        pendingData = undefined;
        return d;
      },
      hasData: () => pendingData !== undefined,
      rest: 0,
      state: {},
      hangUp: async () => {
        await socket.close();
      },
    };
    const defaults: Record<string, Handler> = {
      USER: (_a, c) => c.reply(331, "Password please"),
      PASS: (_a, c) => c.reply(230, "Logged in"),
      FEAT: (_a, c) =>
        c.reply(211, [
          "Features:",
          ...(this.#options.features ?? [" EPSV", " SIZE", " REST STREAM"]),
          "End",
        ]),
      TYPE: (_a, c) => c.reply(200, "Type set"),
      MODE: (a, c) =>
        a.toUpperCase() === "S" ? c.reply(200, "Mode S") : c.reply(504, "Unsupported mode"),
      OPTS: (_a, c) => c.reply(200, "OK"),
      NOOP: (_a, c) => c.reply(200, "NOOP ok"),
      PWD: (_a, c) => c.reply(257, '"/" is the current directory'),
      CWD: (_a, c) => c.reply(250, "OK"),
      SIZE: (a, c) => {
        const f = this.files.get(a);
        return f === undefined ? c.reply(550, "No such file") : c.reply(213, String(f.length));
      },
      MDTM: (a, c) =>
        this.files.has(a) ? c.reply(213, "20200102030405") : c.reply(550, "No such file"),
      REST: (a, c) => {
        c.rest = Number(a);
        return c.reply(350, "Restarting");
      },
      EPSV: async (_a, c) => {
        const l = await c.listen();
        pendingData = l.accept();
        pendingData.catch(() => {});
        await c.reply(229, `Entering Extended Passive Mode (|||${l.port}|)`);
      },
      PASV: async (_a, c) => {
        const l = await c.listen();
        pendingData = l.accept();
        pendingData.catch(() => {});
        await c.reply(227, `Entering Passive Mode (127,0,0,1,${l.port >> 8},${l.port & 255}).`);
      },
      RETR: async (a, c) => {
        const file = this.files.get(a);
        if (file === undefined) {
          c.rest = 0;
          await c.reply(550, "No such file");
          return;
        }
        const data = await c.takeData();
        await c.reply(150, `Opening BINARY mode data connection for ${a} (${file.length} bytes)`);
        const w = data.writable.getWriter();
        const from = c.rest;
        c.rest = 0;
        try {
          // In 64 KiB writes, as a server reads a file: a client that closes early cuts it.
          for (let at = from; at < file.length; at += 65536) {
            await w.write(file.subarray(at, Math.min(file.length, at + 65536)));
          }
          await w.close();
        } catch {
          await data.close();
          await c.reply(426, "Connection closed; transfer aborted.");
          return;
        }
        await data.close();
        await c.reply(226, "Transfer complete");
      },
      LIST: async (_a, c) => {
        const data = await c.takeData();
        await c.reply(150, "Here comes the listing");
        const w = data.writable.getWriter();
        const lines = [...this.files].map(
          ([name, body]) =>
            `-rw-r--r--    1 1000     1000     ${String(body.length).padStart(8)} Jan 02  2020 ${name}\r\n`,
        );
        await w.write(text.encode(lines.join("")));
        await w.close().catch(() => {});
        await data.close();
        await c.reply(226, "Directory send OK");
      },
      ABOR: (_a, c) => c.reply(225, "No transfer to ABOR"),
      QUIT: async (_a, c) => {
        await c.reply(221, "Goodbye");
        await socket.close();
      },
    };
    try {
      await ctx.reply(220, this.#options.greeting ?? "scripted server ready");
      const reader = socket.readable.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.controlChunks++;
        const commands = parser.push(value);
        for (let k = 0; k < commands.length; k++) {
          const command = commands[k]!;
          const line =
            command.argument === "" ? command.verb : `${command.verb} ${command.argument}`;
          this.commands.push(line);
          const burst = k > 0 ? this.burst : undefined;
          if (burst === "500" || burst === "drop") {
            this.mishandled.push(line);
            if (burst === "500") await ctx.reply(500, "Syntax error, command unrecognized.");
            continue;
          }
          if (this.burst === "swap" && k === 0 && commands.length > 1) held = [];
          const handler = this.#options.handlers?.[command.verb] ?? defaults[command.verb];
          if (k === 1 && held !== undefined) {
            // The second command's first reply goes out before the first command's.
            const first = held;
            held = undefined;
            let flushed = false;
            const flush = async (): Promise<void> => {
              if (flushed) return;
              flushed = true;
              for (const bytes of first) await writer.write(bytes);
            };
            const original = ctx.reply;
            ctx.reply = async (code, t) => {
              await original(code, t);
              ctx.reply = original;
              await flush();
            };
            if (handler === undefined) await ctx.reply(502, "Command not implemented");
            else await handler(command.argument, ctx);
            ctx.reply = original;
            await flush();
            continue;
          }
          if (handler === undefined) await ctx.reply(502, "Command not implemented");
          else await handler(command.argument, ctx);
        }
        if (held !== undefined) {
          for (const bytes of held.splice(0)) await writer.write(bytes);
          held = undefined;
        }
      }
    } catch {
      // The client went away.
    } finally {
      await socket.close().catch(() => {});
      this.#sessions.delete(socket);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#listener.close();
    for (const s of this.#sessions) await s.close().catch(() => {});
    for (const d of this.#data) await d.close().catch(() => {});
    await Promise.allSettled(this.#loops);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
