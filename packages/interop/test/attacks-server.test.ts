// Attacks on @ftpkit/server over raw loopback sockets (node:net, every byte visible):
// CR and NUL inside arguments, the FTP bounce (PORT/EPRT to a third host), and a
// foreign connection to a passive port. Each test fails on the vulnerable behaviour.
// In-process server on port 0; the third host is 127.0.0.2 (a loopback address).

import { connect as netConnect, createServer as netServer, type Socket } from "node:net";
import { type Reply, ReplyParser } from "@ftpkit/reply";
import { createServer, type FtpServer, memoryStorage } from "@ftpkit/server";
import { nodeSockets } from "@ftpkit/socket-node";
import { afterEach, describe, expect, it } from "vitest";

/** A control connection that reads replies as they come. */
class Raw {
  readonly socket: Socket;
  readonly #parser = new ReplyParser();
  readonly #replies: Reply[] = [];
  #wake: (() => void) | undefined;
  #ended = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("data", (chunk: Buffer) => {
      this.#replies.push(...this.#parser.push(chunk));
      this.#wake?.();
    });
    socket.on("close", () => {
      this.#ended = true;
      this.#wake?.();
    });
    socket.on("error", () => {});
  }

  static async open(port: number, localAddress = "127.0.0.1"): Promise<Raw> {
    const socket = netConnect({ host: "127.0.0.1", port, localAddress });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const raw = new Raw(socket);
    expect((await raw.next()).code).toBe(220);
    return raw;
  }

  async next(): Promise<Reply> {
    while (this.#replies.length === 0) {
      if (this.#ended) throw new Error("control connection closed");
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    return this.#replies.shift()!;
  }

  send(bytes: string): void {
    this.socket.write(Buffer.from(bytes, "latin1"));
  }

  async cmd(line: string): Promise<Reply> {
    this.send(`${line}\r\n`);
    return this.next();
  }

  async login(): Promise<void> {
    expect((await this.cmd("USER u")).code).toBe(331);
    expect((await this.cmd("PASS p")).code).toBe(230);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** A listener on `host` that records who connected (and gives them nothing). */
async function recorder(
  host: string,
  port = 0,
): Promise<{ port: number; seen: Socket[]; close(): Promise<void> }> {
  const seen: Socket[] = [];
  const server = netServer((s) => {
    seen.push(s);
    s.on("error", () => {});
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  return {
    port: (server.address() as { port: number }).port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of seen) s.destroy();
        server.close(() => resolve());
      }),
  };
}

let server: FtpServer | undefined;
const raws: Raw[] = [];

async function start(): Promise<number> {
  server = createServer({
    sockets: nodeSockets(),
    storage: memoryStorage({ "victim.txt": "do not touch", "a.txt": "A", "pub/": "" }),
    users: { u: "p" },
    limits: { loginFailureDelay: 0 },
  });
  return (await server.listen({ host: "127.0.0.1", port: 0 })).port;
}

async function open(port: number, localAddress?: string): Promise<Raw> {
  const raw = await Raw.open(port, localAddress);
  raws.push(raw);
  return raw;
}

afterEach(async () => {
  for (const r of raws.splice(0)) r.close();
  await server?.close();
  server = undefined;
});

describe("@ftpkit/server: CR and NUL inside an argument are refused, nothing runs", () => {
  it("in every kind of command: 501, and the file system is unchanged", async () => {
    const raw = await open(await start());
    // Before login too: USER and PASS are arguments like any other.
    for (const line of ["USER u\0x", "USER u\rPASS p", "PASS p\0"]) {
      expect((await raw.cmd(line)).code, JSON.stringify(line)).toBe(501);
    }
    await raw.login();
    const attempts = [
      "DELE victim.txt\0.jpg", // NUL truncation: must not delete victim.txt
      "DELE x\rDELE victim.txt",
      "RNFR victim.txt\0",
      "MKD a\rb",
      "RMD pub\0",
      "CWD pub\0/..",
      "SIZE a.txt\r213 999",
      "MDTM a.txt\0",
      "STOR victim.txt\0.tmp",
      "APPE victim.txt\r",
      "RETR a.txt\0",
      "SITE CHMOD 777 victim.txt\0",
      "MFMT 20200101000000 victim.txt\0",
      "OPTS UTF8\0ON",
      "HASH victim.txt\0",
    ];
    for (const line of attempts) {
      const reply = await raw.cmd(line);
      expect(reply.code, JSON.stringify(line)).toBe(501);
      // The argument is not echoed: no reply line can be forged through it.
      expect(reply.lines, JSON.stringify(line)).toHaveLength(1);
    }
    const storage = server!.storage as ReturnType<typeof memoryStorage>;
    expect(storage.has("/victim.txt")).toBe(true);
    expect(new TextDecoder().decode(storage.readFile("/victim.txt"))).toBe("do not touch");
    expect(storage.has("/victim.txt.tmp")).toBe(false);
    expect(storage.has("/a")).toBe(false);
    expect((await raw.cmd("SIZE victim.txt")).message).toBe("12");
    // Nothing that was refused shows up as carried out in the log.
    expect(server!.log.count({ kind: "command", verb: "DELE" })).toBe(2);
    expect(server!.log.filter({ kind: "reply", code: 250 })).toHaveLength(0);
  });

  it("a bare LF ends a command line (as every server tested does): what follows is a new command", async () => {
    const raw = await open(await start());
    await raw.login();
    raw.send("NOOP\nSYST\r\n");
    expect((await raw.next()).code).toBe(200);
    expect((await raw.next()).code).toBe(215);
    // A CR alone does not end the line: the whole line is one (refused) argument.
    expect((await raw.cmd("SIZE a.txt\rDELE victim.txt")).code).toBe(501);
    expect((await raw.cmd("SIZE victim.txt")).code).toBe(213);
  });
});

describe("@ftpkit/server: the FTP bounce (RFC 2577) is refused", () => {
  it("PORT and EPRT naming a third host: 504, and the server never connects there", async () => {
    const port = await start();
    const third = await recorder("127.0.0.2");
    try {
      const raw = await open(port);
      await raw.login();
      const p = third.port;
      expect((await raw.cmd(`PORT 127,0,0,2,${p >> 8},${p & 255}`)).code).toBe(504);
      expect((await raw.cmd("RETR a.txt")).code).toBe(425);
      expect((await raw.cmd(`EPRT |1|127.0.0.2|${p}|`)).code).toBe(504);
      expect((await raw.cmd("RETR a.txt")).code).toBe(425);
      expect((await raw.cmd(`EPRT |2|::1|${p}|`)).code).toBe(504);
      expect((await raw.cmd("LIST")).code).toBe(425);
      // A later valid PORT to the client's own address still works.
      const own = await recorder("127.0.0.1");
      try {
        expect((await raw.cmd(`PORT 127,0,0,1,${own.port >> 8},${own.port & 255}`)).code).toBe(200);
        raw.send("RETR a.txt\r\n");
        expect((await raw.next()).code).toBe(150);
        expect((await raw.next()).code).toBe(226);
        expect(own.seen).toHaveLength(1);
      } finally {
        await own.close();
      }
      expect(third.seen).toHaveLength(0);
      expect(server!.log.count({ kind: "fault" })).toBe(3);
    } finally {
      await third.close();
    }
  });

  it("a connection to a passive port from another host is dropped; the client's own is served", async () => {
    const raw = await open(await start());
    await raw.login();
    const reply = await raw.cmd("EPSV");
    expect(reply.code).toBe(229);
    const dataPort = Number(/\|\|\|(\d+)\|/.exec(reply.message)![1]);
    // The attacker races the client to the passive port, from 127.0.0.2.
    const thief = netConnect({ host: "127.0.0.1", port: dataPort, localAddress: "127.0.0.2" });
    const stolen: Buffer[] = [];
    thief.on("data", (c: Buffer) => stolen.push(c));
    const thiefClosed = new Promise<void>((resolve) => thief.on("close", () => resolve()));
    thief.on("error", () => {});
    await server!.log.waitFor({ kind: "fault" });
    const data = netConnect({ host: "127.0.0.1", port: dataPort });
    const got: Buffer[] = [];
    data.on("data", (c: Buffer) => got.push(c));
    const dataClosed = new Promise<void>((resolve) => data.on("close", () => resolve()));
    raw.send("RETR victim.txt\r\n");
    expect((await raw.next()).code).toBe(150);
    expect((await raw.next()).code).toBe(226);
    await Promise.all([dataClosed, thiefClosed]);
    expect(Buffer.concat(got).toString()).toBe("do not touch");
    expect(Buffer.concat(stolen).length).toBe(0);
  });
});
