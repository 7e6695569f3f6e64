/**
 * A table of real replies and listings: captured from vsftpd, ProFTPD, pure-ftpd,
 * pyftpdlib, globus-gridftp-server and inetutils ftpd on loopback
 * (scripts/capture-fixtures.ts → test/fixtures/*.txt), plus every reply of the shared
 * probe transcripts (test/fixtures/probe-replies.json).
 */

import { describe, expect, test } from "vitest";
import {
  type FileEntry,
  parseEpsvReply,
  parseFeatReply,
  parseHashReply,
  parseListing,
  parseMdtmReply,
  parseMlsxLine,
  parsePasvReply,
  parsePathReply,
  parseSizeReply,
  type Reply,
  ReplyParser,
} from "../src/index.ts";
import { loadCapture, loadProbeReplies, section } from "./fixtures.ts";
import { splitAt } from "./helpers.ts";

const SERVERS = [
  "vsftpd",
  "proftpd",
  "pureftpd",
  "pyftpdlib",
  "gridftp",
  "inetutils-ftpd",
] as const;
type Server = (typeof SERVERS)[number];

function repliesOf(bytes: Uint8Array, stray?: string[]): Reply[] {
  const parser = new ReplyParser({ onStrayLine: (line) => stray?.push(line) });
  const out = parser.push(bytes);
  parser.end();
  return out;
}

/** One reply, from a section where the server sent exactly one. */
function only(server: Server, label: string): Reply {
  const replies = repliesOf(section(loadCapture(server), "control", label));
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

interface Expected {
  greeting: RegExp;
  features: string[];
  pwdAfterMkd: string | RegExp;
  mlst: boolean;
  hash?: string;
  /** Names LIST shows besides ".", "..". */
  listNames: string[];
  /** Kind of "link-to-hello" in LIST. */
  linkKind: "symlink" | "file";
  /** "Jan 2 2020" shown as a year, or (GridFTP) always as a time. */
  yearShape: boolean;
}

const ALL = [
  "2024 report.txt",
  "a-fifo",
  "big.bin",
  "caf\u00e9-latin1.txt",
  "dir",
  "hello.txt",
  "link-to-hello",
  "name with spaces.txt",
  "null-device",
  "rand.bin",
  "recent.txt",
  "semi;colon=file.txt",
  "text.txt",
  "ünïcödé.txt",
];

const expected: Record<Server, Expected> = {
  vsftpd: {
    greeting: /^\(vsFTPd 3\.0\.3\)$/,
    features: ["EPRT", "EPSV", "MDTM", "PASV", "REST", "SIZE", "TVFS"],
    pwdAfterMkd: '/odd "quoted" dir',
    mlst: false,
    listNames: ALL,
    linkKind: "symlink",
    yearShape: true,
  },
  proftpd: {
    greeting: /^ProFTPD probe server ready\.$/,
    features: ["HASH", "MLST", "MODE", "MFMT", "REST", "SIZE", "UTF8", "XSHA256"],
    pwdAfterMkd: '/odd "quoted" dir',
    mlst: true,
    hash: "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03",
    listNames: ALL,
    linkKind: "symlink",
    yearShape: true,
  },
  pureftpd: {
    greeting: /Welcome to Pure-FTPd[\s\S]*disconnected after 15 minutes/,
    features: ["UTF8", "EPRT", "MLST", "MLSD", "PRET", "AUTH", "ESTP"],
    pwdAfterMkd: '/odd "quoted" dir',
    mlst: true,
    // pure-ftpd hides FIFOs and devices.
    listNames: ALL.filter((n) => n !== "a-fifo" && n !== "null-device"),
    linkKind: "symlink",
    yearShape: true,
  },
  pyftpdlib: {
    greeting: /^pyftpdlib ready\.$/,
    features: ["EPRT", "EPSV", "MDTM", "MFMT", "MLST", "REST", "SIZE", "TVFS", "UTF8"],
    pwdAfterMkd: '/odd "quoted" dir',
    mlst: true,
    // pyftpdlib replaces the undecodable byte with "?".
    listNames: ALL.map((n) => (n === "caf\u00e9-latin1.txt" ? "caf?-latin1.txt" : n)),
    linkKind: "symlink",
    yearShape: true,
  },
  gridftp: {
    greeting: /^vm GridFTP Server 13\.24/,
    features: ["CKSM", "DSI", "MLSR", "MLSC", "SPAS", "ERET", "PASV", "REST"],
    pwdAfterMkd: /\/odd "quoted" dir$/,
    mlst: true,
    listNames: ALL,
    // GridFTP lists what a symlink points to.
    linkKind: "file",
    yearShape: false,
  },
  "inetutils-ftpd": {
    greeting: /^localhost FTP server \(GNU inetutils 2\.4\) ready\.$/,
    features: ["MDTM", "SIZE", "REST", "EPRT", "EPSV", "LPRT", "LPSV"],
    pwdAfterMkd: /\/odd "quoted" dir$/,
    mlst: false,
    listNames: ALL,
    linkKind: "symlink",
    yearShape: true,
  },
};

describe.each(SERVERS)("%s", (server) => {
  const capture = loadCapture(server);
  const want = expected[server];

  test("every control section parses, at every split, to the same replies", () => {
    for (const s of capture.sections.filter((x) => x.kind === "control")) {
      const whole = repliesOf(s.bytes);
      expect(whole.length, s.label).toBeGreaterThanOrEqual(1);
      // Each ends with exactly one final (non-1xx) reply.
      expect(
        whole.filter((r) => r.code >= 200),
        s.label,
      ).toHaveLength(1);
      for (let cut = 1; cut < s.bytes.length; cut += 3) {
        const parser = new ReplyParser();
        const parts = splitAt(s.bytes, [cut]).flatMap((c) => parser.push(c));
        parser.end();
        expect(parts, `${s.label} cut at ${cut}`).toEqual(whole);
      }
    }
  });

  test("the whole control conversation in one chunk gives every reply in order", () => {
    const controls = capture.sections.filter((x) => x.kind === "control");
    const all = new Uint8Array(controls.reduce((n, s) => n + s.bytes.length, 0));
    let o = 0;
    for (const s of controls) {
      all.set(s.bytes, o);
      o += s.bytes.length;
    }
    expect(repliesOf(all)).toEqual(controls.flatMap((s) => repliesOf(s.bytes)));
  });

  test("greeting", () => {
    const g = only(server, "(greeting)");
    expect(g.code).toBe(220);
    expect(g.message).toMatch(want.greeting);
  });

  test("FEAT", () => {
    const features = parseFeatReply(only(server, "FEAT"));
    for (const f of want.features) expect(features.has(f), f).toBe(true);
    expect(features.has("FEATURES:")).toBe(false);
    expect(features.has("END")).toBe(false);
    expect(features.get("REST")).toBe("STREAM");
    if (features.has("MLST")) expect(features.get("MLST")).toMatch(/^[\w.*;]+;$/i);
  });

  test("PWD, MKD with quotes", () => {
    const first = capture.sections.findIndex((s) => s.label === "PWD");
    const pwd = parsePathReply(repliesOf(capture.sections[first]!.bytes)[0]!);
    expect(pwd.startsWith("/")).toBe(true);
    const mkd = parsePathReply(only(server, 'MKD odd "quoted" dir'));
    expect(mkd).toMatch(/odd "quoted" dir$/);
    const later = capture.sections.findLastIndex((s) => s.label === "PWD");
    const after = parsePathReply(repliesOf(capture.sections[later]!.bytes)[0]!);
    if (typeof want.pwdAfterMkd === "string") expect(after).toBe(want.pwdAfterMkd);
    else expect(after).toMatch(want.pwdAfterMkd);
  });

  test("PASV, EPSV", () => {
    const pasv = parsePasvReply(only(server, "PASV"));
    expect(pasv.host).toBe("127.0.0.1");
    expect(pasv.port).toBeGreaterThanOrEqual(21100);
    expect(pasv.port).toBeLessThan(21200);
    const epsv = parseEpsvReply(only(server, "EPSV"));
    expect(epsv).toBeGreaterThanOrEqual(21100);
    expect(epsv).toBeLessThan(21200);
  });

  test("SIZE, MDTM, errors", () => {
    expect(parseSizeReply(only(server, "SIZE hello.txt"))).toBe(6);
    expect(parseMdtmReply(only(server, "MDTM hello.txt")).toISOString()).toBe(
      "2020-01-02T03:04:05.000Z",
    );
    const missing = only(server, "SIZE no-such-file");
    expect(missing.code).toBe(550);
    expect(() => parseSizeReply(missing)).toThrow(/Expected 213 to SIZE, got 550/);
    expect(only(server, "FOO").code).toBe(500);
  });

  test("MLST", () => {
    const reply = only(server, "MLST hello.txt");
    if (!want.mlst) {
      expect(reply.code).toBe(500);
      return;
    }
    expect(reply.code).toBe(250);
    expect(reply.lines).toHaveLength(3);
    const entry = parseMlsxLine(reply.lines[1]!);
    expect(entry.name).toMatch(/^\/?hello\.txt$/);
    expect(entry.kind).toBe("file");
    expect(entry.size).toBe(6);
    expect(entry.modifiedAt?.toISOString()).toBe("2020-01-02T03:04:05.000Z");
    const spaced = parseMlsxLine(only(server, "MLST name with spaces.txt").lines[1]!);
    expect(spaced.name).toMatch(/^\/?name with spaces\.txt$/);
    const cwd = parseMlsxLine(only(server, "MLST").lines[1]!);
    expect(["directory", "cdir"]).toContain(cwd.kind);
  });

  test("HASH", () => {
    const reply = only(server, "HASH hello.txt");
    if (want.hash === undefined) {
      expect(reply.code).toBe(500);
      return;
    }
    expect(parseHashReply(reply)).toEqual({
      algorithm: "SHA-256",
      start: 0,
      end: 6,
      hash: want.hash,
      path: "hello.txt",
    });
  });

  test("LIST", () => {
    const now = capture.capturedAt;
    const entries = parseListing(section(capture, "data", "LIST -la"), { now });
    const byName = new Map(entries.map((e) => [e.name, e]));
    const names = entries.filter((e) => e.kind !== "cdir" && e.kind !== "pdir").map((e) => e.name);
    expect(names.sort()).toEqual([...want.listNames].sort());
    expect(entries.every((e) => e.kind !== "unknown")).toBe(true);
    const hello = byName.get("hello.txt")!;
    expect(hello).toMatchObject({ kind: "file", size: 6, permissions: "rw-r--r--", mode: 0o644 });
    // ls shows "Jan  2  2020" (day precision); GridFTP shows "Jan  2 03:04" for any
    // year, so the year is inferred as the capture's.
    expect(hello.modifiedAt?.toISOString()).toBe(
      want.yearShape ? "2020-01-02T00:00:00.000Z" : "2026-01-02T03:04:00.000Z",
    );
    expect(byName.get("recent.txt")?.modifiedAt?.toISOString().slice(0, 10)).toBe("2026-01-15");
    expect(byName.get("big.bin")?.size).toBe(16777216);
    expect(byName.get("dir")?.kind).toBe("directory");
    expect(byName.get("name with spaces.txt")?.size).toBe(7);
    expect(byName.get("2024 report.txt")?.size).toBe(1);
    const link = byName.get("link-to-hello")!;
    expect(link.kind).toBe(want.linkKind);
    if (want.linkKind === "symlink") expect(link.target).toBe("hello.txt");
    if (want.listNames.includes("a-fifo")) {
      expect(byName.get("a-fifo")?.kind).toBe("fifo");
      expect(byName.get("null-device")?.kind).toBe("character-device");
    }
    // A recent date shows a time: it must come out in the capture's year, not later.
    const big = byName.get("big.bin")!.modifiedAt!;
    expect(big.getTime()).toBeLessThanOrEqual(now.getTime() + 86_400_000);
    expect(big.getTime()).toBeGreaterThan(now.getTime() - 86_400_000);
    // "." and ".." (when listed) are the cdir and pdir.
    if (byName.has(".")) expect(byName.get(".")?.kind).toBe("cdir");
    if (byName.has("..")) expect(byName.get("..")?.kind).toBe("pdir");
    const inner = parseListing(section(capture, "data", "LIST dir"), { now });
    expect(inner.filter((e) => e.kind === "file").map((e) => e.name)).toEqual(["inner.txt"]);
  });

  test("MLSD", () => {
    const body = section(capture, "data", "MLSD");
    if (!want.mlst) {
      expect(body.length).toBe(0);
      return;
    }
    const entries = parseListing(body, { format: "mlsd" });
    const byName = new Map<string, FileEntry>(entries.map((e) => [e.name, e]));
    // pyftpdlib sends no cdir/pdir entries.
    expect(entries.some((e) => e.kind === "cdir")).toBe(server !== "pyftpdlib");
    expect(byName.get("hello.txt")).toMatchObject({ kind: "file", size: 6 });
    expect(byName.get("hello.txt")?.modifiedAt?.toISOString()).toBe("2020-01-02T03:04:05.000Z");
    expect(byName.get("dir")?.kind).toBe("directory");
    expect(byName.get("semi;colon=file.txt")?.size).toBe(1);
    expect(byName.get("name with spaces.txt")?.size).toBe(7);
    expect(byName.has("ünïcödé.txt")).toBe(true);
    const link = byName.get("link-to-hello")!;
    expect(["symlink", "file"]).toContain(link.kind);
    if (server === "gridftp") expect(link.target).toMatch(/\/hello\.txt$/);
    for (const e of entries) {
      expect(e.facts?.get("type"), e.raw).toBeDefined();
      expect(e.kind, e.raw).not.toBe("unknown");
    }
  });
});

describe("edge cases seen on real servers", () => {
  test("GridFTP: the echoed CR LF of 'TYPE L 8' is a stray line, the 501 stays whole", () => {
    const stray: string[] = [];
    const replies = repliesOf(section(loadCapture("gridftp"), "control", "TYPE L 8"), stray);
    expect(replies).toEqual([{ code: 501, lines: ["'TYPE L 8"], message: "'TYPE L 8" }]);
    expect(stray).toEqual(["' unrecognized type."]);
  });

  test("GridFTP: 550 with GlobusError lines ends at '550 End.'", () => {
    const r = only("gridftp", "SIZE no-such-file");
    expect(r.code).toBe(550);
    expect(r.lines).toEqual([
      "GlobusError: v=1 c=PATH_NOT_FOUND",
      "GridFTP-Errno: 2",
      "GridFTP-Reason: System error in stat",
      "GridFTP-Error-String: No such file or directory",
      "End.",
    ]);
  });

  test("ProFTPD HASH: '213-Computing SHA-256 digest' first", () => {
    expect(only("proftpd", "HASH hello.txt").lines[0]).toBe("Computing SHA-256 digest");
  });

  test("inetutils: LIST with 'total N' and bare LF, device '1,   3'", () => {
    const capture = loadCapture("inetutils-ftpd");
    const body = section(capture, "data", "LIST -la");
    expect(new TextDecoder().decode(body).startsWith("total ")).toBe(true);
    const entries = parseListing(body, { now: capture.capturedAt });
    expect(entries.find((e) => e.name === "null-device")?.device).toEqual({ major: 1, minor: 3 });
  });

  test("latin1 file names survive as latin1 code points", () => {
    const capture = loadCapture("vsftpd");
    const entries = parseListing(section(capture, "data", "LIST"), { now: capture.capturedAt });
    expect(entries.map((e) => e.name)).toContain("caf\u00e9-latin1.txt");
    expect(entries.map((e) => e.name)).toContain("ünïcödé.txt");
  });

  test("pure-ftpd MLSD: type=OS.unix=slink: with no target, type=unknown for a FIFO", () => {
    const capture = loadCapture("pureftpd");
    const entries = parseListing(section(capture, "data", "MLSD"), { format: "mlsd" });
    const link = entries.find((e) => e.name === "link-to-hello")!;
    expect(link.kind).toBe("symlink");
    expect(link.target).toBeUndefined();
    expect(entries.find((e) => e.name === "a-fifo")?.kind).toBe("other");
  });

  test("ProFTPD MLSD: type=OS.unix=symlink, UNIX.ownername", () => {
    const capture = loadCapture("proftpd");
    const entries = parseListing(section(capture, "data", "MLSD"), { format: "mlsd" });
    const link = entries.find((e) => e.name === "link-to-hello")!;
    expect(link).toMatchObject({
      kind: "symlink",
      mode: 0o777,
      owner: "ftpuser",
      group: "ftpuser",
    });
  });
});

describe("the shared probe transcripts", () => {
  const probes = loadProbeReplies();

  test("has replies of every server", () => {
    const servers = new Set(probes.map((p) => p.server));
    expect(servers.size).toBeGreaterThanOrEqual(12);
    expect(probes.length).toBeGreaterThan(900);
  });

  test("every reply block parses to one reply with its code and lines, CR LF or LF", () => {
    for (const p of probes) {
      for (const eol of ["\r\n", "\n"]) {
        const wire = new TextEncoder().encode(
          p.lines.join(eol) + eol + p.stray.map((s) => s + eol).join(""),
        );
        const stray: string[] = [];
        const replies = repliesOf(wire, stray);
        const where = `${p.server} ${p.section} ${p.key}`;
        expect(replies, where).toHaveLength(1);
        expect(replies[0]!.code, where).toBe(Number(p.lines[0]!.slice(0, 3)));
        expect(replies[0]!.lines, where).toHaveLength(p.lines.length);
        expect(stray, where).toEqual(p.stray);
      }
    }
  });

  test("every 227, 229 and 257 decodes", () => {
    let n = 0;
    for (const p of probes) {
      const reply = repliesOf(new TextEncoder().encode(`${p.lines.join("\r\n")}\r\n`))[0]!;
      if (reply.code === 229) expect(parseEpsvReply(reply)).toBeGreaterThan(21000);
      else if (reply.code === 257) expect(parsePathReply(reply).length).toBeGreaterThan(0);
      else if (reply.code === 227) expect(parsePasvReply(reply).port).toBeGreaterThan(21000);
      else continue;
      n++;
    }
    expect(n).toBeGreaterThan(50);
  });
});
