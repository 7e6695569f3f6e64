import { afterEach, describe, expect, it } from "vitest";
import { memoryStorage } from "../src/index.ts";
import { MAX_QUEUED_COMMANDS } from "../src/session.ts";
import { startServer, type TestServer } from "./support/test-server.ts";

let t: TestServer;
afterEach(async () => {
  await t?.close();
});

describe("login", () => {
  it("greets, refuses commands before login, logs in with a users map", async () => {
    t = await startServer({ users: { anna: "secret" }, greeting: "hello there" });
    const c = await t.control(false);
    expect((await c.cmd("PWD")).code).toBe(530);
    expect((await c.cmd("PASS x")).code).toBe(503);
    expect((await c.cmd("USER anna")).code).toBe(331);
    expect((await c.cmd("PASS secret")).code).toBe(230);
    expect((await c.cmd("PWD")).message).toBe('"/" is the current directory');
    expect(t.server.log.filter({ kind: "reply", code: 220 })[0]).toMatchObject({
      text: "hello there",
    });
    // PASS is masked in the log.
    expect(
      t.server.log
        .filter({ kind: "command", verb: "PASS" })
        .map((e) => (e as { argument: string }).argument),
    ).toEqual(["****", "****"]);
  });

  it("delays each failed login through the injected sleep, closes after the limit", async () => {
    const slept: number[] = [];
    t = await startServer({
      users: { anna: "secret" },
      sleep: async (ms) => {
        slept.push(ms);
      },
      limits: { loginFailureDelay: 1500, maxLoginFailures: 2 },
    });
    const c = await t.control(false);
    await c.cmd("USER anna");
    expect((await c.cmd("PASS wrong")).code).toBe(530);
    expect((await c.cmd("USER anonymous")).code).toBe(331);
    expect((await c.cmd("PASS a@b")).code).toBe(530);
    expect((await c.next()).code).toBe(421);
    expect(await c.closedByServer()).toBe(true);
    expect(slept).toEqual([1500, 1500]);
  });

  it("an authenticate function may grant a read-only login with its own storage", async () => {
    const own = memoryStorage({ "mine.txt": "m" });
    t = await startServer({
      authenticate: ({ user, password }) =>
        user === "ro" && password === "pw" && { readOnly: true, storage: own },
    });
    const c = await t.control(false);
    await c.login("ro", "pw");
    expect((await c.cmd("SIZE mine.txt")).message).toBe("1");
    expect((await c.cmd("MKD x")).code).toBe(550);
    expect((await c.cmd("DELE mine.txt")).code).toBe(550);
    expect(own.has("/mine.txt")).toBe(true);
  });

  it("ACCT, REIN and QUIT", async () => {
    t = await startServer();
    const c = await t.control();
    expect((await c.cmd("ACCT x")).code).toBe(202);
    expect((await c.cmd("CWD /")).code).toBe(250);
    expect((await c.cmd("REIN")).code).toBe(220);
    expect((await c.cmd("PWD")).code).toBe(530);
    expect((await c.cmd("QUIT")).code).toBe(221);
    expect(await c.closedByServer()).toBe(true);
    await t.server.log.waitFor({ kind: "disconnect" });
    expect(t.server.sessionCount).toBe(0);
  });
});

describe("information commands", () => {
  it("SYST, NOOP, FEAT, HELP, STAT, SITE and unknown verbs", async () => {
    t = await startServer();
    const c = await t.control();
    expect(await c.cmd("SYST")).toMatchObject({ code: 215, message: "UNIX Type: L8" });
    expect((await c.cmd("NOOP")).code).toBe(200);
    const feat = await c.cmd("FEAT");
    expect(feat.code).toBe(211);
    expect(feat.lines).toContain(" HASH SHA-256*;SHA-1;MD5;CRC32");
    expect(feat.lines).toContain(" MLST type*;size*;modify*;perm*;unix.mode*;");
    expect(feat.lines).toContain(" MODE Z");
    expect(feat.lines).toContain(" EPSV");
    expect(feat.lines).not.toContain(" AUTH TLS");
    const help = await c.cmd("HELP");
    expect(help.code).toBe(214);
    expect(help.message).toMatch(/RETR/);
    expect((await c.cmd("HELP MLSD")).message).toBe("Syntax: MLSD [<directory>]");
    const stat = await c.cmd("STAT");
    expect(stat.code).toBe(211);
    expect(stat.message).toMatch(/TYPE: ASCII, STRUcture: File, Mode: Stream/);
    expect((await c.cmd("SITE HELP")).code).toBe(214);
    expect((await c.cmd("SITE CHMOD 777 x")).code).toBe(504);
    expect((await c.cmd("XYZZY")).code).toBe(500);
  });

  it("OPTS UTF8, MLST, HASH and MODE Z", async () => {
    t = await startServer();
    const c = await t.control();
    expect((await c.cmd("OPTS UTF8 ON")).code).toBe(200);
    expect((await c.cmd("OPTS MLST type;size;")).message).toBe("MLST OPTS type;size;");
    expect((await c.cmd("FEAT")).lines).toContain(" MLST type*;size*;modify;perm;unix.mode;");
    expect((await c.cmd("OPTS HASH")).message).toBe("SHA-256");
    expect((await c.cmd("OPTS HASH MD5")).message).toBe("MD5");
    expect((await c.cmd("OPTS HASH SHA-512")).code).toBe(501);
    expect((await c.cmd("OPTS MODE Z LEVEL 9")).code).toBe(200);
    expect((await c.cmd("OPTS MODE Z LEVEL 10")).code).toBe(501);
    expect((await c.cmd("OPTS MODE Z ENGINE x")).code).toBe(501);
    expect((await c.cmd("OPTS FOO")).code).toBe(501);
  });

  it("SIZE, MDTM, MFMT, MLST and HASH as proftpd's mod_digest answers", async () => {
    const modified = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
    t = await startServer({
      storage: memoryStorage({ "hello.txt": { data: "hello\n", modified }, "d/": "" }),
    });
    const c = await t.control();
    expect(await c.cmd("SIZE hello.txt")).toMatchObject({ code: 213, message: "6" });
    expect((await c.cmd("SIZE d")).code).toBe(550);
    expect((await c.cmd("SIZE nope")).code).toBe(550);
    expect(await c.cmd("MDTM hello.txt")).toMatchObject({ code: 213, message: "20200102030405" });
    expect((await c.cmd("MFMT 20210304050607 hello.txt")).message).toBe(
      "Modify=20210304050607; hello.txt",
    );
    expect((await c.cmd("MDTM hello.txt")).message).toBe("20210304050607");
    expect((await c.cmd("MFMT bad hello.txt")).code).toBe(501);
    const mlst = await c.cmd("MLST hello.txt");
    expect(mlst.code).toBe(250);
    expect(mlst.lines[1]).toBe(
      " type=file;size=6;modify=20210304050607;perm=adfrw;UNIX.mode=0644; /hello.txt",
    );
    expect(await c.cmd("HASH hello.txt")).toMatchObject({
      code: 213,
      message:
        "SHA-256 0-6 5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03 hello.txt",
    });
    await c.cmd("OPTS HASH SHA-1");
    expect((await c.cmd("HASH hello.txt")).message).toBe(
      "SHA-1 0-6 f572d396fae9206628714fb2ce00f72e94f2258f hello.txt",
    );
    await c.cmd("OPTS HASH MD5");
    expect((await c.cmd("HASH hello.txt")).message).toBe(
      "MD5 0-6 b1946ac92492d2347c6235b4d2611184 hello.txt",
    );
    await c.cmd("OPTS HASH CRC32");
    expect((await c.cmd("HASH hello.txt")).message).toBe("CRC32 0-6 363a3020 hello.txt");
    expect((await c.cmd("HASH d")).code).toBe(553);
  });
});

describe("pipelined commands", () => {
  it("holds a bounded queue of them: reading stops while it is full and goes on, nothing lost", async () => {
    // Every NOOP reply waits for the gate: the first holds up the session while the
    // client writes three times as many commands as the queue takes.
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    t = await startServer({
      sleep: () => gate,
      faults: { delayReplies: { ms: 1, verbs: ["NOOP"] } },
    });
    const c = await t.control();
    const n = 3 * MAX_QUEUED_COMMANDS;
    c.sendRaw(`${"NOOP\r\n".repeat(n)}PWD\r\n`);
    await t.server.log.waitFor({ kind: "command", verb: "NOOP" });
    open();
    for (let i = 0; i < n; i++) expect((await c.next()).code).toBe(200);
    expect((await c.next()).code).toBe(257);
    expect(t.server.log.count({ kind: "command", verb: "NOOP" })).toBe(n);
  });
});

describe("file tree commands", () => {
  it("CWD, CDUP, PWD, MKD, RMD, DELE, RNFR, RNTO", async () => {
    const storage = memoryStorage({ "a.txt": "a" });
    t = await startServer({ storage });
    const c = await t.control();
    expect((await c.cmd('MKD dir "q"')).message).toBe('"/dir ""q""" created');
    expect((await c.cmd('CWD dir "q"')).code).toBe(250);
    expect((await c.cmd("PWD")).message).toBe('"/dir ""q""" is the current directory');
    expect((await c.cmd("CDUP")).code).toBe(250);
    expect((await c.cmd("XPWD")).message).toBe('"/" is the current directory');
    expect((await c.cmd("CWD a.txt")).code).toBe(550);
    expect((await c.cmd("CWD nope")).code).toBe(550);
    expect((await c.cmd("RNTO b")).code).toBe(503);
    expect((await c.cmd("RNFR nope")).code).toBe(550);
    expect((await c.cmd("RNFR a.txt")).code).toBe(350);
    expect((await c.cmd('RNTO dir "q"/b.txt')).code).toBe(250);
    expect(storage.has('/dir "q"/b.txt')).toBe(true);
    expect((await c.cmd('RMD dir "q"')).code).toBe(550);
    expect((await c.cmd('DELE dir "q"/b.txt')).code).toBe(250);
    expect((await c.cmd('RMD dir "q"')).code).toBe(250);
    expect((await c.cmd("DELE nope")).code).toBe(550);
    expect(storage.has('/dir "q"')).toBe(false);
  });

  it("keeps every path inside the storage root, refuses CR, LF and NUL", async () => {
    t = await startServer({ storage: memoryStorage({ "top.txt": "t", "pub/x": "x" }) });
    const c = await t.control();
    expect((await c.cmd("CWD pub")).code).toBe(250);
    expect((await c.cmd("CWD ../../../..")).code).toBe(250);
    expect((await c.cmd("PWD")).message).toBe('"/" is the current directory');
    expect((await c.cmd("SIZE /../../top.txt")).message).toBe("1");
    c.sendRaw("DELE top.txt\0.jpg\r\n");
    expect((await c.next()).code).toBe(501);
    c.sendRaw("MKD a\rb\r\n");
    expect((await c.next()).code).toBe(501);
    expect((await c.cmd("SIZE top.txt")).code).toBe(213);
  });
});

describe("folder storage through the server", () => {
  it("refuses a symlink that leads out of the root, serves one that stays inside", async () => {
    const { mkdir, mkdtemp, rm, symlink, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const { folderStorage } = await import("../src/index.ts");
    const base = await mkdtemp(join(tmpdir(), "ftpkit-folder-"));
    try {
      await mkdir(join(base, "root"));
      await writeFile(join(base, "secret"), "outside");
      await writeFile(join(base, "root", "in.txt"), "inside");
      await symlink(join(base, "secret"), join(base, "root", "out-link"));
      await symlink(join(base, "root", "in.txt"), join(base, "root", "in-link"));
      t = await startServer({ storage: folderStorage(join(base, "root")) });
      const c = await t.control();
      expect((await c.cmd("SIZE in-link")).message).toBe("6");
      expect((await c.cmd("SIZE out-link")).code).toBe(550);
      expect((await c.cmd("RETR out-link")).code).toBe(550);
      expect((await c.cmd("CWD ..")).code).toBe(250);
      expect((await c.cmd("SIZE ../secret")).code).toBe(550);
      expect((await c.cmd("DELE out-link")).code).toBe(550);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
