import { FtpAbortError, FtpProtocolError, FtpReplyError, FtpUsageError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { connect, RetrieveInterruptedError } from "../src/index.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { ourServer, seedFiles } from "./helpers/our-server.ts";
import { ScriptedServer } from "./helpers/scripted-server.ts";

describe("session commands against @ftpkit/server", () => {
  it("list (MLSD), size, lastModified, cd, pwd, send", async () => {
    const when = new Date("2021-03-04T05:06:07Z");
    await using ours = await ourServer({
      "pub/a.txt": { data: "hello", modified: when },
      "pub/b.bin": new Uint8Array(1234),
      "pub/sub/": "",
    });
    await using session = await connect(ours.url, { sockets: ours.sockets });
    expect(await session.pwd()).toBe("/");
    const entries = await session.list("pub");
    expect(entries.map((e) => [e.name, e.kind]).sort()).toEqual([
      ["a.txt", "file"],
      ["b.bin", "file"],
      ["sub", "directory"],
    ]);
    expect(ours.server.log.count({ kind: "command", verb: "MLSD" })).toBe(1);
    await session.cd("pub");
    expect(await session.pwd()).toBe("/pub");
    expect(await session.size("b.bin")).toBe(1234);
    expect((await session.lastModified("a.txt")).toISOString()).toBe(when.toISOString());
    await expect(session.size("missing")).rejects.toMatchObject({ code: 550 });
    await expect(session.cd("nowhere")).rejects.toBeInstanceOf(FtpReplyError);
    expect((await session.send("NOOP")).code).toBe(200);
    expect((await session.send("SYST")).code).toBe(215);
    await expect(session.send("PASV")).rejects.toBeInstanceOf(FtpUsageError);
  });

  it("sizes asked together are pipelined: one round trip for 50 files", async () => {
    const seed = seedFiles(50);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const before = session.stats.roundTrips;
    const sizes = await Promise.all(Object.keys(seed).map((p) => session.size(p)));
    expect(sizes).toEqual(Object.values(seed).map((b) => b.length));
    expect(session.stats.roundTrips - before).toBe(1);
    // A listing asked in the same breath waits behind them and still works.
    const [entries, mdtm] = await Promise.all([session.list(), session.lastModified("f0001.bin")]);
    expect(entries.length).toBe(50);
    expect(mdtm).toBeInstanceOf(Date);
  });

  it("list falls back to LIST when MLSD is refused", async () => {
    await using ours = await ourServer(
      { "a.txt": "hello", "dir/": "" },
      { faults: { replies: [{ verb: "MLSD", code: 502 }] } },
    );
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const entries = await session.list();
    expect(entries.map((e) => [e.name, e.kind, e.size]).sort()).toEqual([
      ["a.txt", "file", 5],
      ["dir", "directory", expect.any(Number)],
    ]);
    await session.list();
    expect(ours.server.log.count({ kind: "command", verb: "MLSD" })).toBe(1);
    expect(ours.server.log.count({ kind: "command", verb: "LIST" })).toBe(2);
  });

  it("lists in MODE S over its own connection in the middle of a MODE B session", async () => {
    const seed = seedFiles(3);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    for await (const f of session.retrieve(["f0000.bin"], { mode: "B" })) await f.bytes();
    expect((await session.list()).length).toBe(3);
    const got: number[] = [];
    for await (const f of session.retrieve(["f0001.bin", "f0002.bin"], { mode: "B" }))
      got.push((await f.bytes()).length);
    expect(got).toEqual([seed["f0001.bin"]!.length, seed["f0002.bin"]!.length]);
  });

  it("a listing can be aborted with a signal; the session stays usable", async () => {
    const seed: Record<string, string> = {};
    for (let i = 0; i < 3000; i++) seed[`entry-${i}`] = "";
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const controller = new AbortController();
    controller.abort();
    await expect(session.list("", { signal: controller.signal })).rejects.toBeInstanceOf(
      FtpAbortError,
    );
    expect((await session.list()).length).toBe(3000);
  });

  it("an endless listing stays within maxListingBytes", async () => {
    const seed: Record<string, string> = {};
    for (let i = 0; i < 200; i++) seed[`name-${i}-${"x".repeat(40)}`] = "";
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets, maxListingBytes: 1000 });
    await expect(session.list()).rejects.toBeInstanceOf(FtpProtocolError);
    expect(await session.pwd()).toBe("/");
  });

  it("refuses other calls while a retrieve runs, and close() twice is harmless", async () => {
    const seed = seedFiles(2);
    await using ours = await ourServer(seed);
    const session = await connect(ours.url, { sockets: ours.sockets });
    for await (const f of session.retrieve(Object.keys(seed))) {
      await expect(session.size("f0000.bin")).rejects.toBeInstanceOf(FtpUsageError);
      await f.bytes();
    }
    expect(await session.size("f0000.bin")).toBe(seed["f0000.bin"]!.length);
    await session.close();
    await session.close();
    await session[Symbol.asyncDispose]();
    expect(session.open).toBe(false);
    await expect(session.pwd()).rejects.toBeInstanceOf(FtpUsageError);
  });

  it("the URL's path becomes the working directory", async () => {
    await using ours = await ourServer({ "pub/x/a.txt": "A" });
    await using session = await connect(`${ours.url}pub/x`, { sockets: ours.sockets });
    expect(await session.pwd()).toBe("/pub/x");
  });

  it("a failed login is a FtpReplyError", async () => {
    await using ours = await ourServer({});
    await expect(
      connect(ours.url.replace("u:p", "u:wrong"), { sockets: ours.sockets }),
    ).rejects.toBeInstanceOf(FtpReplyError);
  });

  it("the control connection dropped mid-retrieve is a RetrieveInterruptedError that says what completed", async () => {
    const seed = seedFiles(6);
    await using ours = await ourServer(seed, {
      faults: { closeControl: { verb: "RETR", when: "command", times: 1 } },
    });
    // MODE S; the fault fires on the first RETR after three were done by another session.
    await using session = await connect(ours.url, { sockets: ours.sockets });
    ours.server.faults = {};
    const done: string[] = [];
    const run = (async () => {
      let n = 0;
      for await (const f of session.retrieve(Object.keys(seed), { mode: "S" })) {
        await f.bytes();
        done.push(f.path);
        if (++n === 3)
          ours.server.faults = { closeControl: { verb: "RETR", when: "command", times: 1 } };
      }
    })();
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(RetrieveInterruptedError);
    const e = error as RetrieveInterruptedError;
    expect(e.completed).toEqual(done);
    expect(e.remaining).toEqual(Object.keys(seed).slice(done.length));
  });
});

describe("login details", () => {
  it("sends ACCT when the server asks for one", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      handlers: {
        PASS: (_a, c) => c.reply(332, "Need account for login."),
        ACCT: (_a, c) => {
          c.state.acct = true;
          return c.reply(230, "Logged in with account");
        },
        TYPE: (_a, c) => c.reply(c.state.acct ? 200 : 530, "type"),
        FEAT: (_a, c) =>
          c.state.acct ? c.reply(211, ["Features:", " SIZE", "End"]) : c.reply(530, "Login first"),
      },
    });
    await using session = await connect(server.url, { sockets, account: "acme" });
    expect(server.commands).toContain("ACCT acme");
    expect(session.features.has("SIZE")).toBe(true);
  });

  it("retries the login one command at a time when the server chokes on a burst", async () => {
    const sockets = memoryAdapter();
    let burst = 0;
    await using server = await ScriptedServer.start(sockets, {
      handlers: {
        // A server that takes only the first command of each write.
        PASS: (_a, c) =>
          c.server.controlChunks === burst ? c.reply(500, "Bad sequence") : c.reply(230, "ok"),
        USER: (_a, c) => {
          burst = c.server.controlChunks;
          return c.reply(331, "pass");
        },
      },
    });
    await using session = await connect(server.url, { sockets });
    expect(await session.pwd()).toBe("/");
    expect(server.count("USER")).toBe(2);
  });

  it("a refused AUTH TLS is an error and no credentials are sent", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      handlers: { AUTH: (_a, c) => c.reply(500, "AUTH not understood") },
    });
    await expect(connect(server.url.replace("ftp:", "ftpes:"), { sockets })).rejects.toMatchObject({
      code: 500,
    });
    await expect(connect(server.url, { sockets, secure: "explicit" })).rejects.toBeInstanceOf(
      FtpReplyError,
    );
    expect(server.commands).toEqual(["AUTH TLS", "AUTH TLS"]);
  });

  it("keeps multi-line and 120 greetings apart from the replies", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      greeting: "line one\nline two\nready",
    });
    await using session = await connect(server.url, { sockets });
    expect(session.greeting).toBe("line one\nline two\nready");
    expect(await session.pwd()).toBe("/");
  });

  it("an endless reply line is refused within the limit", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      handlers: { USER: (_a, c) => c.raw(`331 ${"x".repeat(100_000)}`) },
    });
    await expect(connect(server.url, { sockets, maxReplyLineLength: 1000 })).rejects.toBeInstanceOf(
      FtpProtocolError,
    );
  });
});
