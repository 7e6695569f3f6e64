import { createServer as createNetServer, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { memoryStorage } from "../src/index.ts";
import { randomBytes, startServer, type TestServer } from "./support/test-server.ts";

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

describe("STREAM mode transfers", () => {
  it("RETR over EPSV and PASV: one file per data connection, then 425", async () => {
    const big = randomBytes(300_000);
    t = await startServer({ storage: memoryStorage({ "big.bin": big, e: "" }) });
    const c = await t.control();
    expect((await c.cmd("TYPE I")).code).toBe(200);
    let data = await c.epsv();
    c.send("RETR big.bin");
    expect((await c.next()).code).toBe(150);
    expect(Buffer.compare(await data.readAll(), big)).toBe(0);
    expect((await c.next()).code).toBe(226);
    // The stream-mode connection is gone: a second RETR without EPSV is refused.
    expect((await c.cmd("RETR big.bin")).code).toBe(425);
    data = await c.pasv();
    c.send("RETR e");
    expect((await c.next()).code).toBe(150);
    expect((await data.readAll()).length).toBe(0);
    expect((await c.next()).code).toBe(226);
    expect(t.server.log.stats().dataConnections).toBe(2);
    expect((await c.cmd("RETR nope")).code).toBe(550);
  });

  it("accepts the data connection made after RETR as well as before", async () => {
    t = await startServer({ storage: memoryStorage({ a: "late" }) });
    const c = await t.control();
    const r = await c.cmd("EPSV");
    const port = Number(/\|\|\|(\d+)\|/.exec(r.message)![1]);
    c.send("RETR a");
    expect((await c.next()).code).toBe(150);
    const data = await c.dataConnect(port);
    expect((await data.readAll()).toString()).toBe("late");
    expect((await c.next()).code).toBe(226);
  });

  it("STOR, APPE, STOU, REST + RETR, REST + STOR", async () => {
    const storage = memoryStorage({ ten: "0123456789" });
    t = await startServer({ storage });
    const c = await t.control();
    await c.cmd("TYPE I");
    let data = await c.epsv();
    c.send("STOR up.bin");
    expect((await c.next()).code).toBe(150);
    await data.write("hello ");
    await data.end();
    expect((await c.next()).code).toBe(226);
    data = await c.epsv();
    c.send("APPE up.bin");
    expect((await c.next()).code).toBe(150);
    await data.write("world");
    await data.end();
    expect((await c.next()).code).toBe(226);
    expect(Buffer.from(storage.readFile("/up.bin")).toString()).toBe("hello world");

    expect((await c.cmd("REST 4")).code).toBe(350);
    data = await c.epsv();
    c.send("RETR ten");
    expect((await c.next()).code).toBe(150);
    expect((await data.readAll()).toString()).toBe("456789");
    expect((await c.next()).code).toBe(226);

    expect((await c.cmd("REST 6")).code).toBe(350);
    data = await c.epsv();
    c.send("STOR up.bin");
    expect((await c.next()).code).toBe(150);
    await data.write("WORLD");
    await data.end();
    expect((await c.next()).code).toBe(226);
    expect(Buffer.from(storage.readFile("/up.bin")).toString()).toBe("hello WORLD");

    data = await c.epsv();
    c.send("STOU");
    const prelim = await c.next();
    expect(prelim.code).toBe(150);
    const name = /FILE: (\S+)/.exec(prelim.message)![1]!;
    await data.write("unique");
    await data.end();
    expect((await c.next()).code).toBe(226);
    expect(Buffer.from(storage.readFile(`/${name}`)).toString()).toBe("unique");
    expect((await c.cmd("REST x")).code).toBe(501);
    expect((await c.cmd("STOR nodir/x")).code).toBe(553);
  });

  it("TYPE A converts line ends both ways", async () => {
    const storage = memoryStorage({ "t.txt": "a\nb\r\nc\n" });
    t = await startServer({ storage });
    const c = await t.control();
    expect((await c.cmd("TYPE A")).code).toBe(200);
    let data = await c.epsv();
    c.send("RETR t.txt");
    await c.next();
    expect((await data.readAll()).toString()).toBe("a\r\nb\r\nc\r\n");
    await c.next();
    data = await c.epsv();
    c.send("STOR u.txt");
    await c.next();
    await data.write("x\r");
    await data.write("\ny\r\nz");
    await data.end();
    expect((await c.next()).code).toBe(226);
    expect(Buffer.from(storage.readFile("/u.txt")).toString()).toBe("x\ny\nz");
    expect((await c.cmd("TYPE L 8")).code).toBe(200);
    expect((await c.cmd("TYPE E")).code).toBe(504);
  });

  it("LIST, NLST and MLSD", async () => {
    const modified = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
    t = await startServer({
      storage: memoryStorage({ "a b.txt": { data: "123", modified }, "sub/c": "c", "sub/d": "dd" }),
    });
    const c = await t.control();
    let data = await c.epsv();
    c.send("LIST -la");
    expect((await c.next()).code).toBe(150);
    const list = (await data.readAll()).toString();
    expect((await c.next()).code).toBe(226);
    expect(list).toMatch(/^-rw-r--r-- +1 ftp +ftp +3 Jan {2}2 {2}2020 a b\.txt\r\n/);
    expect(list).toMatch(/\r\ndrwxr-xr-x +2 ftp +ftp +4096 .* sub\r\n$/);
    data = await c.epsv();
    c.send("NLST sub");
    await c.next();
    expect((await data.readAll()).toString()).toBe("c\r\nd\r\n");
    await c.next();
    data = await c.epsv();
    c.send("MLSD sub");
    await c.next();
    const mlsd = (await data.readAll()).toString().split("\r\n");
    expect(mlsd[0]).toMatch(/^type=file;size=1;modify=\d{14};perm=adfrw;UNIX\.mode=0644; c$/);
    expect(mlsd[1]).toMatch(/; d$/);
    await c.next();
    expect((await c.cmd("MLSD a b.txt")).code).toBe(501);
    expect((await c.cmd("LIST nope")).code).toBe(550);
    const stat = await c.cmd("STAT sub");
    expect(stat.code).toBe(213);
    expect(stat.lines.length).toBe(4);
  });
});

describe("active mode", () => {
  async function listenOnce(): Promise<{
    port: number;
    socket: Promise<Socket>;
    close: () => void;
  }> {
    const server = createNetServer();
    const socket = new Promise<Socket>((resolve) => server.once("connection", resolve));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as { port: number }).port;
    return { port, socket, close: () => server.close() };
  }

  async function readAll(socket: Socket): Promise<string> {
    const parts: Buffer[] = [];
    for await (const chunk of socket) parts.push(chunk as Buffer);
    return Buffer.concat(parts).toString();
  }

  it("PORT and EPRT connect to the client", async () => {
    t = await startServer({ storage: memoryStorage({ a: "active data" }) });
    const c = await t.control();
    let l = await listenOnce();
    expect((await c.cmd(`PORT 127,0,0,1,${l.port >> 8},${l.port & 255}`)).code).toBe(200);
    c.send("RETR a");
    expect((await c.next()).code).toBe(150);
    expect(await readAll(await l.socket)).toBe("active data");
    expect((await c.next()).code).toBe(226);
    l.close();
    l = await listenOnce();
    expect((await c.cmd(`EPRT |1|127.0.0.1|${l.port}|`)).code).toBe(200);
    c.send("RETR a");
    expect((await c.next()).code).toBe(150);
    expect(await readAll(await l.socket)).toBe("active data");
    expect((await c.next()).code).toBe(226);
    l.close();
    expect(
      t.server.log.filter({ kind: "data-open" }).map((e) => (e as { direction: string }).direction),
    ).toEqual(["active", "active"]);
  });

  it("refuses PORT and EPRT to another host or a privileged port (FTP bounce)", async () => {
    t = await startServer();
    const c = await t.control();
    expect((await c.cmd("PORT 127,0,0,2,195,80")).code).toBe(504);
    expect((await c.cmd("PORT 10,0,0,1,0,80")).code).toBe(504);
    expect((await c.cmd("EPRT |1|192.168.1.1|8080|")).code).toBe(504);
    expect((await c.cmd("EPRT |2|::1|8080|")).code).toBe(504);
    expect((await c.cmd("PORT 127,0,0,1,0,25")).code).toBe(504);
    expect((await c.cmd("PORT 1,2,3")).code).toBe(501);
    expect((await c.cmd("EPRT |1|::1|5282|")).code).toBe(501);
    expect((await c.cmd("EPRT |3|x|1|")).code).toBe(522);
    // Nothing was prepared: the refused PORT left no address behind.
    expect((await c.cmd("RETR x")).code).toBe(550);
    expect(t.server.log.count({ kind: "fault" })).toBe(5);
    expect((await c.cmd("EPSV ALL")).code).toBe(200);
    expect((await c.cmd("PASV")).code).toBe(503);
    expect((await c.cmd("PORT 127,0,0,1,195,80")).code).toBe(503);
  });
});

describe("IPv6", () => {
  it("EPSV and EPRT over ::1; PASV cannot name an IPv6 address", async () => {
    const { nodeSockets } = await import("@ftpkit/socket-node");
    const { createServer } = await import("../src/index.ts");
    const { RawControl } = await import("./support/raw-client.ts");
    const server = createServer({
      sockets: nodeSockets(),
      storage: memoryStorage({ six: "over ipv6" }),
    });
    try {
      const { port } = await server.listen({ host: "::1", port: 0 });
      expect(server.url).toBe(`ftp://[::1]:${port}`);
      const [c] = await RawControl.connect(port, "::1");
      try {
        await c.login();
        expect((await c.cmd("PASV")).code).toBe(425);
        expect((await c.cmd("EPSV 1")).code).toBe(522);
        const data = await c.epsv();
        c.send("RETR six");
        expect((await c.next()).code).toBe(150);
        expect((await data.readAll()).toString()).toBe("over ipv6");
        expect((await c.next()).code).toBe(226);
        expect((await c.cmd("EPRT |2|::2|5000|")).code).toBe(504);
        const listener = createNetServer();
        const accepted = new Promise<Socket>((resolve) => listener.once("connection", resolve));
        await new Promise<void>((resolve) => listener.listen(0, "::1", resolve));
        const lport = (listener.address() as { port: number }).port;
        expect((await c.cmd(`EPRT |2|::1|${lport}|`)).code).toBe(200);
        c.send("RETR six");
        expect((await c.next()).code).toBe(150);
        const parts: Buffer[] = [];
        for await (const chunk of await accepted) parts.push(chunk as Buffer);
        expect(Buffer.concat(parts).toString()).toBe("over ipv6");
        expect((await c.next()).code).toBe(226);
        listener.close();
      } finally {
        c.close();
      }
    } finally {
      await server.close();
    }
  });
});
