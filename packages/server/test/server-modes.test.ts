import { inflateSync } from "node:zlib";
import { createDecoder, createEncoder, type ModeEvent } from "@ftpkit/modes";
import { afterEach, describe, expect, it } from "vitest";
import { memoryStorage } from "../src/index.ts";
import type { RawData } from "./support/raw-client.ts";
import { randomBytes, startServer, type TestServer } from "./support/test-server.ts";

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

/** Reads one file's events from a persistent B/C connection, up to its EOF. */
async function readFile(
  data: RawData,
  decoder: ReturnType<typeof createDecoder>,
  pending: ModeEvent[],
): Promise<{ bytes: Buffer; events: ModeEvent[] }> {
  const parts: Uint8Array[] = [];
  const events: ModeEvent[] = [];
  for (;;) {
    while (pending.length > 0) {
      const ev = pending.shift()!;
      events.push(ev);
      if (ev.type === "data") parts.push(ev.data.slice());
      if (ev.type === "eof") return { bytes: Buffer.concat(parts), events };
    }
    const chunk = await data.readSome();
    if (chunk.length === 0) throw new Error("data connection ended inside a file");
    pending.push(...decoder.push(chunk));
  }
}

describe.each(["B", "C"] as const)("MODE %s", (mode) => {
  const files = {
    "a.bin": randomBytes(70_000, 1),
    "b.txt": "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz    spaces\n",
    empty: "",
    "c.bin": randomBytes(5000, 3),
  };

  it("sends every file of a pipelined burst before a MODE change closes the connection", async () => {
    // The bytes of files in a row are gathered into few writes; a command right behind
    // them that closes the kept connection must not lose the ones not written yet.
    t = await startServer({ storage: memoryStorage(files) });
    const c = await t.control();
    await c.cmd("TYPE I");
    expect((await c.cmd(`MODE ${mode}`)).code).toBe(200);
    const data = await c.epsv();
    const names = ["c.bin", "b.txt", "a.bin", "c.bin", "empty", "b.txt"] as const;
    c.sendRaw(`${names.map((n) => `RETR ${n}\r\n`).join("")}MODE S\r\n`);
    const codes: number[] = [];
    for (let i = 0; i < names.length * 2 + 1; i++) codes.push((await c.next()).code);
    expect(codes).toEqual([150, 250, ...names.slice(1).flatMap(() => [125, 250]), 200]);
    const decoder = createDecoder(mode);
    const pending: ModeEvent[] = [];
    for (const name of names) {
      const want = files[name];
      const { bytes } = await readFile(data, decoder, pending);
      expect(Buffer.compare(bytes, typeof want === "string" ? Buffer.from(want) : want)).toBe(0);
    }
    expect(await data.ended()).toBe(true);
  });

  it("carries several files on one data connection: 150, then 125 for each next file", async () => {
    t = await startServer({ storage: memoryStorage(files) });
    const c = await t.control();
    await c.cmd("TYPE I");
    expect((await c.cmd(`MODE ${mode}`)).code).toBe(200);
    const data = await c.epsv();
    const decoder = createDecoder(mode);
    const pending: ModeEvent[] = [];
    const names = ["a.bin", "b.txt", "empty", "c.bin"] as const;
    for (const [i, name] of names.entries()) {
      c.send(`RETR ${name}`);
      expect((await c.next()).code).toBe(i === 0 ? 150 : 125);
      const { bytes } = await readFile(data, decoder, pending);
      const want = files[name];
      expect(Buffer.compare(bytes, typeof want === "string" ? Buffer.from(want) : want)).toBe(0);
      expect((await c.next()).code).toBe(250);
    }
    // A listing goes over the same connection, framed the same way.
    c.send("NLST");
    expect((await c.next()).code).toBe(125);
    expect((await readFile(data, decoder, pending)).bytes.toString()).toBe(
      "a.bin\r\nb.txt\r\nc.bin\r\nempty\r\n",
    );
    expect((await c.next()).code).toBe(250);
    const stats = t.server.log.stats();
    expect(stats.dataConnections).toBe(1);
    expect(stats.transfers).toBe(5);
    expect(stats.reusedTransfers).toBe(4);
    // A new EPSV replaces the kept connection.
    const second = await c.epsv();
    expect(await data.ended()).toBe(true);
    c.send("RETR c.bin");
    expect((await c.next()).code).toBe(150);
    const fresh: ModeEvent[] = [];
    expect((await readFile(second, createDecoder(mode), fresh)).bytes.length).toBe(5000);
    expect((await c.next()).code).toBe(250);
    expect(t.server.log.stats().dataConnections).toBe(2);
  });

  it("keeps sending files after the client half-closed the data connection", async () => {
    t = await startServer({ storage: memoryStorage(files) });
    const c = await t.control();
    await c.cmd("TYPE I");
    await c.cmd(`MODE ${mode}`);
    const data = await c.epsv();
    data.socket.end();
    const decoder = createDecoder(mode);
    const pending: ModeEvent[] = [];
    for (const name of ["b.txt", "c.bin"] as const) {
      c.send(`RETR ${name}`);
      await c.next();
      const want = files[name];
      const { bytes } = await readFile(data, decoder, pending);
      expect(Buffer.compare(bytes, typeof want === "string" ? Buffer.from(want) : want)).toBe(0);
      expect((await c.next()).code).toBe(250);
    }
    expect(t.server.log.stats().reusedTransfers).toBe(1);
  });

  it("stores several uploads from one data connection, bytes after an EOF belong to the next", async () => {
    const storage = memoryStorage();
    t = await startServer({ storage });
    const c = await t.control();
    await c.cmd("TYPE I");
    await c.cmd(`MODE ${mode}`);
    const data = await c.epsv();
    const encoder = createEncoder(mode);
    const one = randomBytes(100_000, 7);
    const two = randomBytes(10, 8);
    // Both files in one write: the server must split them at the EOF marker.
    const wire = Buffer.concat([
      ...encoder.data(one),
      ...encoder.eof(),
      ...encoder.data(two),
      ...encoder.eof(),
    ]);
    c.send("STOR one");
    expect((await c.next()).code).toBe(150);
    await data.write(wire);
    expect((await c.next()).code).toBe(250);
    c.send("STOR two");
    expect((await c.next()).code).toBe(125);
    expect((await c.next()).code).toBe(250);
    expect(Buffer.compare(storage.readFile("/one"), one)).toBe(0);
    expect(Buffer.compare(storage.readFile("/two"), two)).toBe(0);
    expect(t.server.log.stats().dataConnections).toBe(1);
    // Closing inside a file is a truncation, not a success.
    c.send("STOR three");
    expect((await c.next()).code).toBe(125);
    await data.write(Buffer.concat(encoder.data(randomBytes(10, 9))).subarray(0, 5));
    await data.end();
    expect((await c.next()).code).toBe(426);
  });

  it("sends restart markers and resumes from one with REST", async () => {
    const file = randomBytes(10_000, 5);
    t = await startServer({ storage: memoryStorage({ f: file }), restartMarkerInterval: 4096 });
    const c = await t.control();
    await c.cmd("TYPE I");
    await c.cmd(`MODE ${mode}`);
    const data = await c.epsv();
    const decoder = createDecoder(mode);
    const pending: ModeEvent[] = [];
    c.send("RETR f");
    await c.next();
    const { bytes, events } = await readFile(data, decoder, pending);
    await c.next();
    expect(Buffer.compare(bytes, file)).toBe(0);
    const markers = events
      .filter((e) => e.type === "restart")
      .map((e) => (e as { marker: string }).marker);
    expect(markers.length).toBeGreaterThan(0);
    const marker = markers[0]!;
    expect((await c.cmd(`REST ${marker}`)).code).toBe(350);
    c.send("RETR f");
    expect((await c.next()).code).toBe(125);
    const rest = await readFile(data, decoder, pending);
    await c.next();
    expect(Buffer.compare(rest.bytes, file.subarray(Number(marker)))).toBe(0);
    expect((await c.cmd("REST not-a-marker")).code).toBe(501);
  });

  it("answers restart markers in an upload with 110 MARK", async () => {
    const storage = memoryStorage();
    t = await startServer({ storage });
    const c = await t.control();
    await c.cmd(`MODE ${mode}`);
    await c.cmd("TYPE I");
    const data = await c.epsv();
    const encoder = createEncoder(mode);
    c.send("STOR m");
    await c.next();
    await data.write(
      Buffer.concat([
        ...encoder.data(Buffer.from("abc")),
        ...encoder.restart("R1"),
        ...encoder.data(Buffer.from("def")),
        ...encoder.eof(),
      ]),
    );
    expect(await c.next()).toMatchObject({ code: 110, message: "MARK R1 = 3" });
    expect((await c.next()).code).toBe(250);
    expect(Buffer.from(storage.readFile("/m")).toString()).toBe("abcdef");
  });

  it("sends STRU R records with EOR markers", async () => {
    t = await startServer({ storage: memoryStorage({ r: "one\ntwo\n" }) });
    const c = await t.control();
    await c.cmd(`MODE ${mode}`);
    expect((await c.cmd("STRU R")).code).toBe(200);
    const data = await c.epsv();
    const decoder = createDecoder(mode, { structure: "R", type: "A" });
    const pending: ModeEvent[] = [];
    c.send("RETR r");
    await c.next();
    const { events } = await readFile(data, decoder, pending);
    await c.next();
    const shape = events
      .map((e) => (e.type === "data" ? Buffer.from(e.data).toString() : `<${e.type}>`))
      .join("");
    expect(shape).toBe("one<eor>two<eor><eof>");
  });
});

describe("STRU R in STREAM mode", () => {
  it("retrieves and stores records with 0xFF 0x01 EOR and 0xFF 0x02 EOF", async () => {
    const storage = memoryStorage({ r: Uint8Array.of(0x6f, 0x6e, 0x65, 0x0a, 0x74, 0xff, 0x0a) });
    t = await startServer({ storage });
    const c = await t.control();
    await c.cmd("TYPE I");
    expect((await c.cmd("STRU R")).code).toBe(200);
    let data = await c.epsv();
    c.send("RETR r");
    await c.next();
    const wire = await data.readAll();
    await c.next();
    // "one" EOR "t" 0xFF (doubled) EOR, then EOF (alone or folded into the last EOR: 0xFF 0x03).
    expect(wire.subarray(0, 9)).toEqual(
      Buffer.of(0x6f, 0x6e, 0x65, 0xff, 0x01, 0x74, 0xff, 0xff, 0xff),
    );
    expect([
      Buffer.of(0x01, 0xff, 0x02).toString("hex"),
      Buffer.of(0x03).toString("hex"),
    ]).toContain(wire.subarray(9).toString("hex"));
    data = await c.epsv();
    c.send("STOR s");
    await c.next();
    await data.write(
      Buffer.concat([
        Buffer.from("x"),
        Buffer.of(0xff, 0x01),
        Buffer.from("y"),
        Buffer.of(0xff, 0x03),
      ]),
    );
    await data.end();
    expect((await c.next()).code).toBe(226);
    expect(Buffer.from(storage.readFile("/s")).toString()).toBe("x\ny\n");
  });
});

describe("MODE Z", () => {
  it("sends one zlib stream per data connection, closed after the file", async () => {
    const file = Buffer.from("compress me ".repeat(5000));
    const storage = memoryStorage({ z: file });
    t = await startServer({ storage });
    const c = await t.control();
    await c.cmd("TYPE I");
    expect((await c.cmd("MODE Z")).code).toBe(200);
    let data = await c.epsv();
    c.send("RETR z");
    await c.next();
    const wire = await data.readAll();
    expect((await c.next()).code).toBe(226);
    expect(wire.length).toBeLessThan(file.length / 10);
    expect(Buffer.compare(inflateSync(wire), file)).toBe(0);
    // Upload in Z: the server inflates.
    data = await c.epsv();
    c.send("STOR up");
    await c.next();
    const encoder = createEncoder("Z");
    await data.write(Buffer.concat([...encoder.data(file), ...encoder.eof()]));
    await data.end();
    expect((await c.next()).code).toBe(226);
    expect(Buffer.compare(storage.readFile("/up"), file)).toBe(0);
    expect((await c.cmd("STRU R")).code).toBe(504);
    expect((await c.cmd("MODE X")).code).toBe(504);
    expect(t.server.log.stats().dataConnections).toBe(2);
  });
});

describe("MODE E (GridFTP extended block), one data connection", () => {
  it("carries several files on one connection each way, blocks at their offsets", async () => {
    const a = randomBytes(150_000, 21);
    const b = randomBytes(10, 22);
    const storage = memoryStorage({ a, b });
    t = await startServer({ storage });
    const c = await t.control();
    await c.cmd("TYPE I");
    expect((await c.cmd("MODE E")).code).toBe(200);
    expect((await c.cmd("OPTS RETR Parallelism=1,1,1;")).code).toBe(200);
    expect((await c.cmd("OPTS RETR Parallelism=4,4,4;")).code).toBe(501);
    const data = await c.epsv();
    const decoder = createDecoder("E");
    const pending: ModeEvent[] = [];
    const offsets: number[] = [];
    /** One file: data events up to its EOF and EOD. */
    const next = async (): Promise<Buffer> => {
      const parts: Uint8Array[] = [];
      let eof = false;
      for (;;) {
        const ev = pending.shift();
        if (ev === undefined) {
          pending.push(...decoder.push(await data.readSome()));
          continue;
        }
        if (ev.type === "data") {
          offsets.push(ev.offset ?? -1);
          parts.push(ev.data.slice());
        }
        if (ev.type === "eof") eof = true;
        if (ev.type === "eod" && eof) return Buffer.concat(parts);
      }
    };
    c.send("RETR a");
    expect((await c.next()).code).toBe(150);
    expect(Buffer.compare(await next(), a)).toBe(0);
    expect((await c.next()).code).toBe(250);
    expect(offsets[0]).toBe(0);
    expect((await c.cmd("REST 5")).code).toBe(350);
    offsets.length = 0;
    c.send("RETR b");
    expect((await c.next()).code).toBe(125);
    expect(Buffer.compare(await next(), b.subarray(5))).toBe(0);
    expect(offsets[0]).toBe(5);
    expect((await c.next()).code).toBe(250);
    const encoder = createEncoder("E");
    c.send("STOR up");
    expect((await c.next()).code).toBe(125);
    await data.write(Buffer.concat([...encoder.data(a), ...encoder.eof()]));
    expect((await c.next()).code).toBe(250);
    expect(Buffer.compare(storage.readFile("/up"), a)).toBe(0);
    // Blocks out of order need several connections' reassembly, which this server does not do.
    c.send("STOR bad");
    expect((await c.next()).code).toBe(125);
    await data.write(Buffer.concat([...encoder.data(b, 100), ...encoder.eof()]));
    expect((await c.next()).code).toBe(426);
    expect(t.server.log.stats().dataConnections).toBe(1);
  });
});
