import { FtpProtocolError } from "@ftpkit/errors";
import { createSocketPair } from "@ftpkit/socket";
import { describe, expect, it } from "vitest";
import { ControlConnection } from "../src/control-connection.ts";
import { createStats } from "../src/stats.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function pair(pipelining = true) {
  const [client, server] = createSocketPair();
  const stats = createStats();
  const control = new ControlConnection(client, await client.opened, {
    timeout: 5000,
    pipelining,
    stats,
    trace: undefined,
    maxLineLength: undefined,
    maxReplyLines: undefined,
  });
  const writer = server.writable.getWriter();
  const reader = server.readable.getReader();
  const say = (text: string) => writer.write(enc.encode(text));
  let pending = "";
  const lines = async (n: number): Promise<string[]> => {
    while (pending.split("\r\n").length - 1 < n) {
      const { value, done } = await reader.read();
      if (done) break;
      pending += dec.decode(value);
    }
    const all = pending.split("\r\n");
    const out = all.slice(0, n);
    pending = all.slice(n).join("\r\n");
    return out;
  };
  await say("220 hi\r\n");
  await control.greeting;
  return { control, stats, say, lines, server };
}

describe("ControlConnection: replies matched strictly in order", () => {
  it("pipelines commands sent in one tick into one write", async () => {
    const { control, stats, say, lines } = await pair();
    const a = control.send("NOOP");
    const b = control.send("PWD");
    const c = control.send("SYST");
    expect(await lines(3)).toEqual(["NOOP", "PWD", "SYST"]);
    expect(stats.writes).toBe(1);
    await say('200 a\r\n257 "/"\r\n215 UNIX\r\n');
    expect((await a).code).toBe(200);
    expect((await b).code).toBe(257);
    expect((await c).code).toBe(215);
    expect(stats.roundTrips).toBe(1);
  });

  it("a 1yz belongs to the command in flight", async () => {
    const { control, say, lines } = await pair();
    const prelim: number[] = [];
    const retr = control.send("RETR", "a", { onPreliminary: (r) => prelim.push(r.code) });
    const noop = control.send("NOOP");
    await lines(2);
    await say("150 go\r\n226 done\r\n200 ok\r\n");
    expect((await retr).code).toBe(226);
    expect(prelim).toEqual([150]);
    expect((await noop).code).toBe(200);
  });

  it("one at a time without pipelining", async () => {
    const { control, stats, say, lines } = await pair(false);
    const a = control.send("NOOP");
    const b = control.send("PWD");
    expect(await lines(1)).toEqual(["NOOP"]);
    await say("200 a\r\n");
    await a;
    expect(await lines(1)).toEqual(["PWD"]);
    await say('257 "/"\r\n');
    await b;
    expect(stats.writes).toBe(2);
  });

  it("a reply that cannot answer the command fails the connection instead of shifting every later reply", async () => {
    const { control, say, lines } = await pair();
    const epsv = control.send("EPSV", undefined, { fits: (c) => c === 229 });
    await lines(1);
    await say("226 Transfer complete\r\n");
    await expect(epsv).rejects.toBeInstanceOf(FtpProtocolError);
    expect(control.open).toBe(false);
  });

  it("a NOOP sentinel resynchronises after a missing reply", async () => {
    const { control, say, lines } = await pair();
    const abor = control.send("ABOR", undefined, { fits: (c) => c === 225 || c === 226 });
    const noop = control.send("NOOP", undefined, { sentinel: true, fits: (c) => c === 200 });
    await lines(2);
    await say("200 NOOP ok\r\n");
    await expect(abor).rejects.toBeInstanceOf(FtpProtocolError);
    expect((await noop).code).toBe(200);
    expect(control.open).toBe(true);
  });

  it("an unsolicited reply switches to one command at a time", async () => {
    const { control, say } = await pair();
    await say("200 surprise\r\n");
    const noop = control.send("NOOP");
    await say("200 ok\r\n");
    await noop;
    expect(control.serial).toBe(true);
  });

  it("421 at any time ends the session with that reply", async () => {
    const { control, say, lines } = await pair();
    const noop = control.send("NOOP");
    const pwd = control.send("PWD");
    await lines(2);
    await say("421 Timeout\r\n");
    expect((await noop).code).toBe(421);
    await expect(pwd).rejects.toMatchObject({ code: 421 });
    expect(control.open).toBe(false);
  });

  it("a lazy command waits for the next real one", async () => {
    const { control, stats, lines, say } = await pair();
    void control.send("OPTS", "UTF8 ON", { lazy: true });
    await Promise.resolve();
    await Promise.resolve();
    expect(stats.writes).toBe(0);
    const noop = control.send("NOOP");
    expect(await lines(2)).toEqual(["OPTS UTF8 ON", "NOOP"]);
    expect(stats.writes).toBe(1);
    await say("200 a\r\n200 b\r\n");
    await noop;
  });
});
