// The interop harness itself: every real server starts in every TLS mode it has,
// greets with 220, lets ftpuser log in, and stops with its whole process group.
// Port bases 21600..21850 (one per server), 21900 for the ::1 and knob checks.
import { existsSync, readFileSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { type TLSSocket, connect as tlsConnect } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTempRoot,
  livingGroupMembers,
  REAL_SERVER_NAMES,
  type RealServer,
  type RealServerName,
  requireOrSkip,
  seedContent,
  seedRoot,
  serverProcesses,
  startRealServer,
  type TempRoot,
  tlsModesOf,
} from "../src/index.ts";

const PORT_BASES: Record<RealServerName, number> = {
  vsftpd: 21600,
  proftpd: 21650,
  pureftpd: 21700,
  pyftpdlib: 21750,
  gridftp: 21800,
};

/** A minimal control connection: reads whole replies (RFC 959 §4.2), sends commands. */
class Control {
  private buffer = "";
  private waiters: (() => void)[] = [];
  closed = false;
  socket: Socket | TLSSocket;

  constructor(socket: Socket | TLSSocket) {
    this.socket = socket;
    this.attach(socket);
  }

  private attach(socket: Socket | TLSSocket): void {
    socket.setEncoding("latin1");
    socket.on("data", (text: string) => {
      this.buffer += text;
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => undefined);
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Resolves with the lines of the next complete reply. */
  async reply(): Promise<{ code: number; lines: string[] }> {
    for (;;) {
      const lines = this.buffer.split("\r\n");
      lines.pop();
      const code = lines[0]?.slice(0, 3);
      if (code !== undefined) {
        const end =
          lines[0]![3] === "-" ? lines.findIndex((l, i) => i > 0 && l.startsWith(`${code} `)) : 0;
        if (end >= 0) {
          const reply = lines.slice(0, end + 1);
          this.buffer = this.buffer.slice(reply.join("\r\n").length + 2);
          return { code: Number(code), lines: reply };
        }
      }
      if (this.closed)
        throw new Error(`connection closed; unparsed: ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async send(command: string): Promise<{ code: number; lines: string[] }> {
    this.socket.write(`${command}\r\n`);
    return this.reply();
  }

  /** AUTH TLS (RFC 4217 §4) and wrap the same TCP connection, verifying the server's certificate. */
  async upgrade(ca: string): Promise<void> {
    const auth = await this.send("AUTH TLS");
    expect(auth.code).toBe(234);
    this.socket.removeAllListeners("data");
    this.socket.removeAllListeners("close");
    const secure = tlsConnect({ socket: this.socket, ca, servername: "localhost" });
    await new Promise<void>((resolve, reject) => {
      secure.once("secureConnect", resolve);
      secure.once("error", reject);
    });
    this.socket = secure;
    this.attach(secure);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once("close", () => resolve());
      this.socket.destroy();
    });
  }
}

async function openControl(server: RealServer): Promise<Control> {
  const socket =
    server.tls === "ftps-implicit"
      ? tlsConnect({
          host: server.host,
          port: server.port,
          ca: server.certificate,
          servername: "localhost",
        })
      : netConnect({ host: server.host, port: server.port });
  await new Promise<void>((resolve, reject) => {
    socket.once(server.tls === "ftps-implicit" ? "secureConnect" : "connect", resolve);
    socket.once("error", reject);
  });
  return new Control(socket);
}

async function login(server: RealServer): Promise<Control> {
  const control = await openControl(server);
  expect((await control.reply()).code).toBe(220);
  if (server.tls === "ftps") await control.upgrade(server.certificate!);
  expect((await control.send(`USER ${server.user}`)).code).toBe(331);
  expect((await control.send(`PASS ${server.password}`)).code).toBe(230);
  return control;
}

function refused(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code === "ECONNREFUSED"));
  });
}

let root: TempRoot;
beforeAll(async () => {
  root = await createTempRoot("ftpkit-harness-");
  await seedRoot(root.path, { standard: true });
});
afterAll(async () => {
  await root.remove();
});

for (const name of REAL_SERVER_NAMES) {
  for (const tls of tlsModesOf(name)) {
    const gate = requireOrSkip(name, { tls });
    describe.skipIf(gate.skip)(`${name} (${tls})`, () => {
      it("starts, greets with 220, logs ftpuser in, and stops with its whole process group", async () => {
        const server = await startRealServer(name, {
          root: root.path,
          portBase: PORT_BASES[name],
          tls,
        });
        let control: Control | undefined;
        let sessionProcesses: number[] = [];
        try {
          expect(server.greeting.code).toBe(220);
          expect(server.port).toBe(PORT_BASES[name]);
          expect(server.passivePorts).toEqual({
            from: PORT_BASES[name] + 10,
            to: PORT_BASES[name] + 39,
          });
          expect(server.certificate === undefined).toBe(tls === "plain");
          control = await login(server);
          expect((await control.send("TYPE I")).code).toBe(200);
          expect((await control.send("SIZE hello.txt")).lines[0]).toBe("213 6");
          // Every server but pyftpdlib serves a session from a process of its own
          // (vsftpd's leave the process group): stop() must end those too.
          sessionProcesses = serverProcesses(server.pid);
          expect(sessionProcesses).toContain(server.pid);
          if (name !== "pyftpdlib") expect(sessionProcesses.length).toBeGreaterThan(1);
        } finally {
          await server.stop();
        }
        await server.stop(); // twice is harmless
        expect(livingGroupMembers(server.pid)).toEqual([]);
        const survivors = sessionProcesses.filter(
          (pid) =>
            existsSync(`/proc/${pid}/status`) &&
            !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, "utf8")),
        );
        expect(survivors).toEqual([]);
        await control!.reply().then(
          () => undefined,
          () => undefined,
        );
        expect(control!.closed).toBe(true);
        expect(await refused(server.host, server.port)).toBe(true);
      });
    });
  }
}

const vsftpd = requireOrSkip("vsftpd", { tls: "ftps" });
describe.skipIf(vsftpd.skip)("knobs", () => {
  it("tlsReuse false writes require_ssl_reuse=NO, true writes YES", async () => {
    for (const tlsReuse of [false, true]) {
      await using server = await startRealServer("vsftpd", {
        root: root.path,
        portBase: 21900,
        tls: "ftps",
        tlsReuse,
        keepState: false,
      });
      const config = readFileSync(`${server.stateDir}/vsftpd.conf`, "utf8");
      expect(config).toContain(`require_ssl_reuse=${tlsReuse ? "YES" : "NO"}`);
    }
  });

  it("listens on ::1 when asked", async () => {
    await using server = await startRealServer("vsftpd", {
      root: root.path,
      portBase: 21900,
      host: "::1",
    });
    expect(server.url).toBe("ftp://ftpuser:ftppass@[::1]:21900/");
    const control = await login(server);
    expect((await control.send("EPSV")).code).toBe(229);
    await control.close();
  });

  it("serves seeded files with the content seedContent() predicts", async () => {
    await using series = await createTempRoot("ftpkit-series-");
    const files = await seedRoot(series.path, { series: [{ count: 3, size: 5000, dir: "many" }] });
    expect(files.map((f) => f.path)).toEqual([
      "many/file-0000.bin",
      "many/file-0001.bin",
      "many/file-0002.bin",
    ]);
    expect(readFileSync(`${series.path}/many/file-0001.bin`)).toEqual(
      Buffer.from(seedContent("many/file-0001.bin", 5000)),
    );
    await using server = await startRealServer("vsftpd", { root: series.path, portBase: 21900 });
    const control = await login(server);
    expect((await control.send("SIZE many/file-0002.bin")).lines[0]).toBe("213 5000");
    await control.close();
  });
});
