import { FtpProtocolError, FtpUsageError } from "@ftpkit/errors";
import {
  formatEpsvReplyText,
  formatPasvReplyText,
  parseEprtArgument,
  parseFtpTime,
  parsePortArgument,
} from "@ftpkit/reply";
import { describe, expect, it } from "vitest";
import { AsciiFromNetwork, AsciiToNetwork } from "../src/ascii.ts";
import { checkLogin } from "../src/auth.ts";
import { canonicalHost, ipv4Of } from "../src/data-address.ts";
import { FaultState } from "../src/faults.ts";
import { createDigest, hashAlgorithmNamed, hashFeature } from "../src/hash.ts";
import { formatListLine, formatMlsxLine, formatTimeVal } from "../src/listing-format.ts";
import { ServerLog } from "../src/server-log.ts";
import { resolvePath } from "../src/virtual-path.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

describe("resolvePath", () => {
  it("normalises and never climbs above the root", () => {
    expect(resolvePath("/", "a/b")).toBe("/a/b");
    expect(resolvePath("/pub", "../etc/passwd")).toBe("/etc/passwd");
    expect(resolvePath("/pub", "/../../x")).toBe("/x");
    expect(resolvePath("/a/b", "./c//d/..")).toBe("/a/b/c");
    expect(resolvePath("/a", "..")).toBe("/");
    expect(resolvePath("/a", "")).toBe("/a");
  });
  it("refuses NUL, CR and LF", () => {
    expect(() => resolvePath("/", "a\0b")).toThrow(/NUL, CR or LF/);
    expect(() => resolvePath("/", "a\r\nDELE b")).toThrow(/NUL, CR or LF/);
  });
});

describe("HASH digests", () => {
  // The values proftpd's mod_digest gave for "hello\n" (real-servers probes).
  it.each([
    ["SHA-256", "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03"],
    ["SHA-1", "f572d396fae9206628714fb2ce00f72e94f2258f"],
    ["MD5", "b1946ac92492d2347c6235b4d2611184"],
    ["CRC32", "363a3020"],
  ] as const)("%s of hello\\n", (algorithm, hex) => {
    const d = createDigest(algorithm);
    d.update(bytes("hel"));
    d.update(bytes("lo\n"));
    expect(d.hex()).toBe(hex);
  });
  it("names and FEAT line", () => {
    expect(hashAlgorithmNamed("sha256")).toBe("SHA-256");
    expect(hashAlgorithmNamed("crc32")).toBe("CRC32");
    expect(hashAlgorithmNamed("SHA-512")).toBeUndefined();
    expect(hashFeature("SHA-256")).toBe("HASH SHA-256*;SHA-1;MD5;CRC32");
    expect(hashFeature("MD5")).toBe("HASH SHA-256;SHA-1;MD5*;CRC32");
  });
});

describe("listing format", () => {
  const now = new Date(Date.UTC(2024, 5, 15, 12, 0, 0));
  it("writes ls -l lines with time for recent files and year for old ones", () => {
    const recent = {
      name: "a b.txt",
      kind: "file" as const,
      size: 1234,
      modified: new Date(Date.UTC(2024, 5, 1, 9, 5)),
      mode: 0o644,
    };
    expect(formatListLine(recent, now)).toBe("-rw-r--r-- 1 ftp ftp     1234 Jun  1 09:05 a b.txt");
    const old = {
      name: "dir",
      kind: "directory" as const,
      size: 0,
      modified: new Date(Date.UTC(2020, 0, 2)),
      mode: 0o755,
    };
    expect(formatListLine(old, now)).toBe("drwxr-xr-x 2 ftp ftp     4096 Jan  2  2020 dir");
    const link = {
      name: "l",
      kind: "symlink" as const,
      size: 3,
      modified: old.modified,
      mode: 0o777,
      target: "/x",
    };
    expect(formatListLine(link, now)).toMatch(/^lrwxrwxrwx .* l -> \/x$/);
    expect(formatMlsxLine(link, ["type", "size"], "l", false)).toBe(
      "type=OS.unix=slink:/x;size=3; l",
    );
    // A name that would break the listing into two lines is refused, not sent.
    expect(() => formatListLine({ ...recent, name: "a\nb" }, now)).toThrow(FtpUsageError);
  });
  it("writes MLSx facts", () => {
    const e = {
      name: "x;y z",
      kind: "file" as const,
      size: 6,
      modified: new Date(Date.UTC(2020, 0, 2, 3, 4, 5)),
      mode: 0o644,
    };
    expect(formatMlsxLine(e, ["type", "size", "modify", "perm", "unix.mode"], e.name, false)).toBe(
      "type=file;size=6;modify=20200102030405;perm=adfrw;UNIX.mode=0644; x;y z",
    );
    const d = { ...e, kind: "directory" as const, name: "d" };
    expect(formatMlsxLine(d, ["type", "size", "perm"], "d", true)).toBe("type=dir;perm=el; d");
  });
  it("formats time-vals to the second and parses them (MDTM, MFMT)", () => {
    const t = new Date(Date.UTC(2020, 0, 2, 3, 4, 5));
    expect(formatTimeVal(t)).toBe("20200102030405");
    expect(formatTimeVal(new Date(t.getTime() + 999))).toBe("20200102030405");
    expect(parseFtpTime("20200102030405")?.getTime()).toBe(t.getTime());
    expect(parseFtpTime("20200102030405.5")?.getTime()).toBe(t.getTime() + 500);
    expect(parseFtpTime("20201302030405")).toBeUndefined();
    expect(parseFtpTime("2020")).toBeUndefined();
  });
});

describe("TYPE A line ends", () => {
  it("LF becomes CR LF on the way out, also across chunks, and CR LF stays", () => {
    const a = new AsciiToNetwork();
    const out = [a.convert(bytes("a\nb\r")), a.convert(bytes("\nc\n"))].map(text).join("");
    expect(out).toBe("a\r\nb\r\nc\r\n");
    const plain = bytes("no line ends");
    expect(a.convert(plain)).toBe(plain);
  });
  it("CR LF becomes LF on the way in, a split CR LF too, a lone CR stays", () => {
    const a = new AsciiFromNetwork();
    const out = [
      a.convert(bytes("a\r\nb\r")),
      a.convert(bytes("")),
      a.convert(bytes("\nc\rd\r")),
      a.flush(),
    ]
      .map(text)
      .join("");
    expect(out).toBe("a\nb\nc\rd\r");
  });
});

describe("data addresses", () => {
  it("parses PORT and EPRT (the @ftpkit/reply parsers the commands use)", () => {
    expect(parsePortArgument("127,0,0,1,195,80")).toEqual({ host: "127.0.0.1", port: 50000 });
    expect(() => parsePortArgument("127,0,0,1,256,0")).toThrow(FtpProtocolError);
    expect(() => parsePortArgument("127,0,0,1,1")).toThrow(FtpProtocolError);
    expect(parseEprtArgument("|1|132.235.1.2|6275|")).toEqual({
      host: "132.235.1.2",
      port: 6275,
      family: 1,
    });
    expect(parseEprtArgument("!2!::1!5282!")).toEqual({ host: "::1", port: 5282, family: 2 });
    expect(() => parseEprtArgument("|1|::1|5282|")).toThrow(FtpProtocolError);
    expect(() => parseEprtArgument("|3|x|1|")).toThrow(FtpProtocolError);
    expect(() => parseEprtArgument("|1|1.2.3.4|70000|")).toThrow(FtpProtocolError);
  });
  it("formats 227 and 229", () => {
    expect(formatPasvReplyText("127.0.0.1", 50000)).toBe(
      "Entering Passive Mode (127,0,0,1,195,80).",
    );
    expect(formatEpsvReplyText(50000)).toBe("Entering Extended Passive Mode (|||50000|)");
  });
  it("compares hosts canonically", () => {
    expect(ipv4Of("::ffff:127.0.0.1")).toBe("127.0.0.1");
    expect(canonicalHost("::FFFF:127.0.0.1")).toBe("127.0.0.1");
    expect(canonicalHost("::1")).toBe(canonicalHost("0:0:0:0:0:0:0:1"));
    expect(canonicalHost("127.0.0.2")).not.toBe(canonicalHost("127.0.0.1"));
  });
});

describe("logins", () => {
  const remote = { hostname: "127.0.0.1", port: 1, family: "IPv4" as const };
  it("anonymous by default, users map, authenticate function", async () => {
    expect(
      await checkLogin({}, { user: "anonymous", password: "x@", remote, secure: false }),
    ).toEqual({});
    expect(
      await checkLogin({}, { user: "anna", password: "x", remote, secure: false }),
    ).toBeUndefined();
    const opts = { users: { anna: "pw", ro: { password: "r", readOnly: true } } };
    expect(
      await checkLogin(opts, { user: "anonymous", password: "", remote, secure: false }),
    ).toBeUndefined();
    expect(await checkLogin(opts, { user: "anna", password: "pw", remote, secure: false })).toEqual(
      {},
    );
    expect(
      await checkLogin(opts, { user: "anna", password: "pW", remote, secure: false }),
    ).toBeUndefined();
    expect(
      await checkLogin(opts, { user: "ro", password: "r", remote, secure: false }),
    ).toMatchObject({ readOnly: true });
    expect(
      await checkLogin(opts, { user: "constructor", password: "", remote, secure: false }),
    ).toBeUndefined();
    const fn = {
      authenticate: ({ user }: { user: string }) => (user === "x" ? { readOnly: true } : false),
    };
    expect(await checkLogin(fn, { user: "x", password: "", remote, secure: true })).toEqual({
      readOnly: true,
    });
    expect(await checkLogin(fn, { user: "y", password: "", remote, secure: true })).toBeUndefined();
  });
});

describe("fault state", () => {
  it("counts down `times` and matches verbs, arguments and paths", () => {
    const f = new FaultState({
      replies: [{ verb: "RETR", argument: /b$/, code: 451, times: 1 }],
      dropData: [{ afterBytes: 10, paths: ["/x"], times: 2 }],
      wrongSize: 5,
      closeControl: [
        { verb: "STOR", when: "reply" },
        { verb: "RETR", when: "transfer", paths: ["/x"], times: 1 },
      ],
      delayReplies: { ms: 7, verbs: ["PASV"] },
    });
    expect(f.reply("RETR", "a")).toBeUndefined();
    expect(f.reply("RETR", "b")?.code).toBe(451);
    expect(f.reply("RETR", "b")).toBeUndefined();
    expect(f.dropData("RETR", "/y")).toBeUndefined();
    expect(f.dropData("RETR", "/x")?.afterBytes).toBe(10);
    expect(f.dropData("STOR", "/x")?.afterBytes).toBe(10);
    expect(f.dropData("RETR", "/x")).toBeUndefined();
    expect(f.size("/a", 100)).toBe(105);
    expect(f.closeControl("STOR", "command")).toBeUndefined();
    expect(f.closeControl("STOR", "reply")).toBeDefined();
    expect(f.closeControl("RETR", "transfer", "/y")).toBeUndefined();
    expect(f.closeControl("RETR", "transfer", "/x")).toBeDefined();
    expect(f.closeControl("RETR", "transfer", "/x")).toBeUndefined();
    expect(f.replyDelay("PASV")).toBe(7);
    expect(f.replyDelay("RETR")).toBe(0);
  });
});

describe("ServerLog", () => {
  it("keeps entries, counts exactly after trimming, waits for events", async () => {
    const log = new ServerLog(2);
    const later = log.waitFor({ kind: "command", verb: "EPSV" });
    log.record({ kind: "command", session: 1, verb: "USER", argument: "a" });
    log.record({ kind: "command", session: 1, verb: "EPSV", argument: "" });
    log.record({
      kind: "data-open",
      session: 1,
      connection: 1,
      direction: "passive",
      remote: "x",
      secure: false,
    });
    log.record({ kind: "command", session: 2, verb: "EPSV", argument: "" });
    expect((await later).session).toBe(1);
    expect(log.entries.length).toBe(2);
    expect(log.stats(1).commands).toEqual({ USER: 1, EPSV: 1 });
    expect(log.stats(1).dataConnections).toBe(1);
    expect(log.stats().commands.EPSV).toBe(2);
    expect(log.count({ kind: "command" })).toBe(1);
    expect(log.sessions()).toEqual([1, 2]);
    expect(log.text()).toContain("#2 > EPSV");
  });

  it("keeps the latest entries however many came, and none with 0", () => {
    const log = new ServerLog(3);
    const none = new ServerLog(0);
    for (let i = 0; i < 10; i++) {
      for (const l of [log, none]) {
        l.record({ kind: "command", session: 1, verb: "NOOP", argument: String(i) });
      }
      if (i === 4)
        expect(log.entries.map((e) => (e as { argument: string }).argument)).toEqual([
          "2",
          "3",
          "4",
        ]);
    }
    expect(log.entries.map((e) => (e as { argument: string }).argument)).toEqual(["7", "8", "9"]);
    expect(log.count({ verb: "NOOP" })).toBe(3);
    expect(log.stats().commands.NOOP).toBe(10);
    expect(none.entries).toEqual([]);
    expect(none.stats(1).commands.NOOP).toBe(10);
  });
});
