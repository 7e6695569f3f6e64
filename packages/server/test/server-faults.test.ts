import { afterEach, describe, expect, it } from "vitest";
import { memoryStorage } from "../src/index.ts";
import { RawControl } from "./support/raw-client.ts";
import { randomBytes, startServer, type TestServer } from "./support/test-server.ts";

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

const file = randomBytes(50_000, 11);

describe("fault injection", () => {
  it("drops the data connection after N bytes: 426, or 226 for a silent truncation", async () => {
    t = await startServer({
      storage: memoryStorage({ f: file }),
      faults: {
        dropData: [
          { afterBytes: 1000, verbs: ["RETR"], times: 1 },
          { afterBytes: 2000, reply: 226, times: 1 },
        ],
      },
    });
    const c = await t.control();
    await c.cmd("TYPE I");
    let data = await c.epsv();
    c.send("RETR f");
    await c.next();
    expect((await data.readAll()).length).toBe(1000);
    expect((await c.next()).code).toBe(426);
    data = await c.epsv();
    c.send("RETR f");
    await c.next();
    expect((await data.readAll()).length).toBe(2000);
    expect((await c.next()).code).toBe(226);
    data = await c.epsv();
    c.send("RETR f");
    await c.next();
    expect((await data.readAll()).length).toBe(50_000);
    expect((await c.next()).code).toBe(226);
  });

  it("drops an upload after N bytes and keeps what arrived", async () => {
    const storage = memoryStorage();
    t = await startServer({ storage, faults: { dropData: { afterBytes: 3000, verbs: ["STOR"] } } });
    const c = await t.control();
    await c.cmd("TYPE I");
    const data = await c.epsv();
    c.send("STOR u");
    await c.next();
    data.write(file).catch(() => {});
    expect((await c.next()).code).toBe(426);
    expect(storage.readFile("/u").length).toBe(3000);
  });

  it("answers chosen commands with chosen replies, a given number of times; 421 closes", async () => {
    t = await startServer({
      faults: {
        replies: [
          { verb: "EPSV", code: 425, times: 1 },
          { verb: "SIZE", argument: "x", code: 450, text: "busy" },
          { verb: "MKD", code: 421 },
        ],
      },
    });
    const c = await t.control();
    expect((await c.cmd("EPSV")).code).toBe(425);
    expect((await c.cmd("EPSV")).code).toBe(229);
    expect(await c.cmd("SIZE x")).toMatchObject({ code: 450, message: "busy" });
    expect((await c.cmd("SIZE y")).code).toBe(550);
    expect((await c.cmd("MKD d")).code).toBe(421);
    expect(await c.closedByServer()).toBe(true);
    expect(t.server.log.count({ kind: "fault" })).toBe(3);
  });

  it("faults can be changed while the server runs", async () => {
    t = await startServer();
    const c = await t.control();
    expect((await c.cmd("NOOP")).code).toBe(200);
    t.server.faults = { replies: [{ verb: "NOOP", code: 502 }] };
    expect((await c.cmd("NOOP")).code).toBe(502);
    t.server.faults = {};
    expect((await c.cmd("NOOP")).code).toBe(200);
  });

  it("delays replies and slows data through the injected sleep", async () => {
    const slept: number[] = [];
    t = await startServer({
      storage: memoryStorage({ f: file }),
      sleep: async (ms) => {
        slept.push(ms);
      },
      faults: {
        delayReplies: { ms: 40, verbs: ["PWD"] },
        slowData: { chunkBytes: 10_000, delayMs: 3 },
      },
    });
    const c = await t.control();
    await c.cmd("PWD");
    expect(slept).toEqual([40]);
    await c.cmd("TYPE I");
    const data = await c.epsv();
    c.send("RETR f");
    await c.next();
    expect(Buffer.compare(await data.readAll(), file)).toBe(0);
    await c.next();
    expect(slept.filter((ms) => ms === 3).length).toBe(5);
  });

  it("reports a wrong SIZE", async () => {
    t = await startServer({ storage: memoryStorage({ f: "12345" }), faults: { wrongSize: 7 } });
    const c = await t.control();
    expect((await c.cmd("SIZE f")).message).toBe("12");
    t.server.faults = { wrongSize: (_path, size) => size * 2 };
    expect((await c.cmd("SIZE f")).message).toBe("10");
  });

  it("closes the control connection on a command, after its reply, or during its transfer", async () => {
    t = await startServer({
      storage: memoryStorage({ f: file }),
      faults: {
        closeControl: [
          { verb: "CWD", when: "command" },
          { verb: "PWD", when: "reply" },
          { verb: "RETR", when: "transfer", afterBytes: 500 },
        ],
      },
    });
    let c = await t.control();
    c.send("CWD /");
    expect(await c.closedByServer()).toBe(true);
    c = await t.control();
    expect((await c.cmd("PWD")).code).toBe(257);
    expect(await c.closedByServer()).toBe(true);
    c = await t.control();
    await c.cmd("TYPE I");
    const data = await c.epsv();
    c.send("RETR f");
    expect((await c.next()).code).toBe(150);
    expect(await c.closedByServer()).toBe(true);
    expect((await data.readAll()).length).toBe(500);
  });

  it("ABOR stops a transfer in flight: 426 for the transfer, then 226", async () => {
    let release: (() => void) | undefined;
    let paused: (() => void) | undefined;
    const pausedOnce = new Promise<void>((resolve) => {
      paused = resolve;
    });
    t = await startServer({
      storage: memoryStorage({ f: file }),
      sleep: () =>
        new Promise<void>((resolve) => {
          release = resolve;
          paused?.();
        }),
      faults: { slowData: { chunkBytes: 1000, delayMs: 1 } },
    });
    const c = await t.control();
    await c.cmd("TYPE I");
    const data = await c.epsv();
    c.send("RETR f");
    expect((await c.next()).code).toBe(150);
    await pausedOnce;
    c.sendRaw(Buffer.from([0xff, 0xf4, 0xff, 0xf2]));
    c.send("ABOR");
    // The transfer is stopped as soon as ABOR arrives, even mid-pause.
    await t.server.log.waitFor({ kind: "data-close" });
    release?.();
    expect((await c.next()).code).toBe(426);
    expect((await c.next()).code).toBe(226);
    expect((await data.readAll()).length).toBeLessThan(file.length);
    expect((await c.cmd("NOOP")).code).toBe(200);
    expect((await c.cmd("ABOR")).code).toBe(225);
  });
});

describe("limits", () => {
  it("max sessions and max sessions per IP answer 421", async () => {
    t = await startServer({ limits: { maxSessions: 2, maxSessionsPerIp: 1 } });
    await t.control(false);
    const [second, greeting] = await RawControl.connect(t.port);
    expect(greeting.code).toBe(421);
    expect(greeting.message).toMatch(/from 127\.0\.0\.1/);
    second.close();
    const refused = await t.server.log.waitFor(
      (e) => e.kind === "connect" && e.refused !== undefined,
    );
    expect(refused.kind).toBe("connect");
  });

  it("idle timeout closes with 421", async () => {
    t = await startServer({ limits: { idleTimeout: 50 } });
    const c = await t.control();
    expect((await c.next()).code).toBe(421);
    expect(await c.closedByServer()).toBe(true);
  });

  it("a command line over the limit is refused and the session closed", async () => {
    t = await startServer({ limits: { maxCommandLine: 64 } });
    const c = await t.control();
    c.send(`MKD ${"x".repeat(100)}`);
    expect((await c.next()).code).toBe(500);
    expect(await c.closedByServer()).toBe(true);
  });

  it("an upload over the limit is cut at the limit and answered 552", async () => {
    const storage = memoryStorage();
    t = await startServer({ storage, limits: { maxUploadSize: 1000 } });
    const c = await t.control();
    await c.cmd("TYPE I");
    expect((await c.cmd("ALLO 5000")).code).toBe(552);
    expect((await c.cmd("ALLO 500")).code).toBe(202);
    const data = await c.epsv();
    c.send("STOR big");
    await c.next();
    data.write(file).catch(() => {});
    expect((await c.next()).code).toBe(552);
    expect(storage.readFile("/big").length).toBe(1000);
  });

  it("a passive data connection that never comes times out with 425", async () => {
    t = await startServer({ storage: memoryStorage({ f: "x" }), limits: { dataTimeout: 50 } });
    const c = await t.control();
    await c.cmd("EPSV");
    c.send("RETR f");
    expect((await c.next()).code).toBe(150);
    expect((await c.next()).code).toBe(425);
  });

  it("passive ports come from the configured range; PASV announces the configured address", async () => {
    t = await startServer({ passive: { ports: { from: 40110, to: 40112 }, address: "10.1.2.3" } });
    const c = await t.control();
    const r = await c.cmd("PASV");
    expect(r.message).toMatch(/\(10,1,2,3,156,(174|175|176)\)/);
    const e = await c.cmd("EPSV");
    expect(Number(/\|\|\|(\d+)\|/.exec(e.message)![1])).toBeGreaterThanOrEqual(40110);
  });

  it("PASV refuses a configured address that is not IPv4, before listening", async () => {
    t = await startServer({ passive: { address: "ftp.example.com" } });
    const c = await t.control();
    const r = await c.cmd("PASV");
    expect(r.code).toBe(425);
    expect(r.message).toContain('"ftp.example.com"');
    // Nothing was prepared: LIST has no data connection to use.
    expect((await c.cmd("LIST")).code).toBe(425);
  });

  it("close and dispose are idempotent and end every session", async () => {
    t = await startServer();
    const c = await t.control();
    await Promise.all([t.server.close(), t.server.close()]);
    await t.server[Symbol.asyncDispose]();
    expect(await c.closedByServer()).toBe(true);
    expect(t.server.sessionCount).toBe(0);
  });
});
