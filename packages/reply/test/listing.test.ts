import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  type FileEntry,
  FtpUsageError,
  formatListLine,
  formatMlsxLine,
  modeFromPermissions,
  parseListing,
  parseListLine,
  parseMlsxLine,
  permissionsFromMode,
} from "../src/index.ts";

const now = new Date("2026-12-01T07:35:00Z");
const at = (iso: string): Date => new Date(iso);

describe("parseListLine: Unix ls -l", () => {
  test.each<[string, string, Partial<FileEntry>]>([
    [
      "file, year shape",
      "-rw-r--r--    1 1001     1001            6 Jan 02  2020 hello.txt",
      {
        name: "hello.txt",
        kind: "file",
        size: 6,
        modifiedAt: at("2020-01-02T00:00:00Z"),
        owner: "1001",
        group: "1001",
        links: 1,
        mode: 0o644,
      },
    ],
    [
      "time shape, this year",
      "-rw-r--r--   1 ftpuser  ftpuser  16777216 Dec  1 07:33 big.bin",
      { name: "big.bin", size: 16777216, modifiedAt: at("2026-12-01T07:33:00Z") },
    ],
    [
      "time shape in the future means last year",
      "-rw-r--r--   1 ftp ftp 1 Dec 24 10:00 xmas.txt",
      { modifiedAt: at("2025-12-24T10:00:00Z") },
    ],
    [
      "name with spaces, leading digits",
      "-rw-r--r--   1 ftp ftp 1 Dec  1 07:33 2024 report  v2.txt",
      { name: "2024 report  v2.txt", size: 1 },
    ],
    [
      "symlink",
      "lrwxrwxrwx    1 1001     1001            9 Dec 01 07:33 link-to-hello -> hello.txt",
      { name: "link-to-hello", kind: "symlink", target: "hello.txt", mode: 0o777 },
    ],
    [
      "directory with ACL marker",
      "drwxr-xr-x+  2 anna staff 4096 Mar  3 2021 docs",
      { name: "docs", kind: "directory", permissions: "rwxr-xr-x", mode: 0o755 },
    ],
    [
      "cdir",
      "drwxr-xr-x    3 1001       ftpuser          4096 Dec  1 07:35 .",
      { name: ".", kind: "cdir" },
    ],
    [
      "pdir",
      "drwxrwxrwt  32 root     root         4096 Dec  1 07:36 ..",
      { name: "..", kind: "pdir", mode: 0o1777 },
    ],
    [
      "char device, two words",
      "crw-rw-rw-   1 root     root      1,   3 Dec  1 07:33 null",
      { name: "null", kind: "character-device", device: { major: 1, minor: 3 } },
    ],
    [
      "block device, one word",
      "brw-rw---- 1 root disk 8,0 Jan 1 2019 sda",
      { kind: "block-device", device: { major: 8, minor: 0 } },
    ],
    ["fifo", "prw-r--r--   1 ftp ftp 0 Dec  1 07:33 a-fifo", { kind: "fifo", size: 0 }],
    ["socket", "srwxrwxrwx 1 root root 0 Dec  1 07:33 sock", { kind: "socket" }],
    ["door (Solaris)", "Dr--r--r-- 1 root root 0 Dec  1 07:33 door", { kind: "other" }],
    [
      "setuid, sticky",
      "-rwsr-x--T 1 root root 0 Dec  1 07:33 odd",
      { mode: 0o5750, permissions: "rwsr-x--T" },
    ],
    ["no group column", "-rw-r--r-- 1 ftp 6 Jan  2  2020 a", { owner: "ftp", links: 1, size: 6 }],
    [
      "owner named like a month",
      "-rw-r--r-- 1 jan staff 6 Jan  2  2020 a",
      { owner: "jan", group: "staff", size: 6 },
    ],
    [
      "group with a space (Windows)",
      "-rw-r--r-- 1 owner Domain Users 6 Jan  2  2020 a",
      { owner: "owner", group: "Domain Users", size: 6 },
    ],
    [
      "long-iso dates",
      "-rw-r--r-- 1 user group 6 2020-01-02 03:04 iso name",
      { name: "iso name", modifiedAt: at("2020-01-02T03:04:00Z") },
    ],
    [
      "full-iso dates with zone",
      "-rw-r--r-- 1 user group 6 2020-01-02 03:04:05.123456789 +0100 full",
      { name: "full", modifiedAt: at("2020-01-02T02:04:05.123Z") },
    ],
    [
      "day first (some European servers)",
      "-rw-r--r-- 1 u g 6 2 Jan 2020 eu",
      { name: "eu", modifiedAt: at("2020-01-02T00:00:00Z") },
    ],
    [
      "Feb 29 in a non-leap year is from a leap year",
      "-rw-r--r-- 1 u g 6 Feb 29 12:00 leap",
      { modifiedAt: at("2024-02-29T12:00:00Z") },
    ],
    ["CR at the end", "-rw-r--r-- 1 u g 6 Jan  2  2020 cr\r", { name: "cr" }],
  ])("%s", (_name, line, want) => {
    expect(parseListLine(line, { now })).toMatchObject(want);
  });

  test("raw is the line", () => {
    const line = "-rw-r--r-- 1 u g 6 Jan  2  2020 a";
    expect(parseListLine(line, { now })?.raw).toBe(line);
  });
});

describe("parseListLine: DOS/IIS, EPLF, others", () => {
  test.each<[string, Partial<FileEntry>]>([
    [
      "01-02-20  03:04PM       <DIR>          my dir",
      { name: "my dir", kind: "directory", modifiedAt: at("2020-01-02T15:04:00Z") },
    ],
    [
      "01-02-20  12:04AM                    6 hello.txt",
      { name: "hello.txt", kind: "file", size: 6, modifiedAt: at("2020-01-02T00:04:00Z") },
    ],
    [
      "11-23-2026  12:05PM            1,234,567 big.bin",
      { size: 1234567, modifiedAt: at("2026-11-23T12:05:00Z") },
    ],
    ["12-31-99  23:59                    1 y2k", { modifiedAt: at("1999-12-31T23:59:00Z") }],
    ["01-02-20  03:04PM       <DIR>          .", { kind: "cdir" }],
    [
      "+i8388621.48594,m825718503,r,s280,up644,\tdjb.html",
      {
        name: "djb.html",
        kind: "file",
        size: 280,
        unique: "8388621.48594",
        mode: 0o644,
        modifiedAt: new Date(825718503000),
      },
    ],
    ["+i8388621.50690,m824255907,/,\t514", { name: "514", kind: "directory" }],
    ["+m824255907,\tunknown-kind", { name: "unknown-kind", kind: "unknown" }],
  ])("%s", (line, want) => {
    expect(parseListLine(line, { now })).toMatchObject(want);
  });

  test("total lines and blank lines are no entries", () => {
    for (const line of ["total 24", "total 17460", "total 1.5M", "", "   ", "\r"]) {
      expect(parseListLine(line, { now }), line).toBeUndefined();
    }
  });

  test("an unknown line gives kind unknown with the raw text", () => {
    for (const line of [
      "hello.txt",
      "-rw-r--r-- not really",
      "13-45-20  99:99AM  <DIR> x",
      "+no tab here",
      "totally",
    ]) {
      expect(parseListLine(line, { now }), line).toEqual({
        name: line,
        kind: "unknown",
        raw: line,
      });
    }
  });

  test("property: never throws, always an entry or undefined with raw text", () => {
    const listy = fc.oneof(
      fc.string(),
      fc
        .tuple(
          fc.constantFrom("-", "d", "l", "c", "b", "p", "s", "x"),
          fc.stringMatching(/^[-rwxsStT]{9}$/),
          fc.array(fc.stringMatching(/^[ -~]{0,12}$/), { maxLength: 8 }),
        )
        .map(([t, p, rest]) => `${t}${p} ${rest.join(" ")}`),
      fc.stringMatching(/^\d\d-\d\d-\d{2,4} +\d\d:\d\d[AP]M +(<DIR>|\d+) .{0,10}$/),
      fc.stringMatching(/^\+[ -~]{0,20}\t.{0,10}$/),
    );
    fc.assert(
      fc.property(listy, (line) => {
        const entry = parseListLine(line, { now });
        if (entry !== undefined) {
          expect(entry.raw).toBe(line.replace(/\r+$/, ""));
          expect(typeof entry.name).toBe("string");
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("hostile and out-of-range listing lines (fuzz findings)", () => {
  test("DOS: long space runs and a CR or U+2028 in the name parse in one pass", () => {
    // The old expression backtracked polynomially here (2.7 KB took a second; this
    // line, 60 KB, would take hours). The name is the rest of the line, CR and all.
    const spaces = " ".repeat(20_000);
    for (const odd of ["\r", "\u2028", "\u2029", "\n"]) {
      const line = `01-01-20 01:00${spaces}1${spaces}x${odd}x`;
      expect(parseListLine(line), JSON.stringify(odd)).toMatchObject({
        name: `x${odd}x`,
        kind: "file",
        size: 1,
        modifiedAt: at("2020-01-01T01:00:00Z"),
      });
    }
    const am = `01-01-20 01:00${spaces}AM${spaces}<DIR>${spaces}d\u2028`;
    expect(parseListLine(am)).toMatchObject({ name: "d\u2028", kind: "directory" });
  });

  test("EPLF: a time beyond what a Date holds gives no modifiedAt, never an Invalid Date", () => {
    for (const m of ["43635789425969", "77212542835106", "9".repeat(400)]) {
      const entry = parseListLine(`+m${m},r,\tf`);
      expect(entry, m).toMatchObject({ name: "f", kind: "file" });
      expect(entry?.modifiedAt, m).toBeUndefined();
    }
    // The last second a Date can hold (ECMA-262: 8.64e15 ms) still is one.
    expect(parseListLine("+m8640000000000,\tf")?.modifiedAt?.getTime()).toBe(8.64e15);
  });

  test("sizes and device numbers beyond 2^53 are left out, the entry stays", () => {
    const unsafe = [
      "9007199254740992",
      "26084222164826492",
      "999999999999999999742",
      "9".repeat(400),
    ];
    for (const n of unsafe) {
      expect(parseListLine(`+s${n},r,\tf`), n).toEqual({
        name: "f",
        kind: "file",
        raw: `+s${n},r,\tf`,
      });
      const mlsx = parseMlsxLine(`type=file;size=${n}; f`);
      expect(mlsx.size, n).toBeUndefined();
      expect(mlsx.facts?.get("size")).toBe(n);
      expect(parseMlsxLine(`type=file;sizd=${n}; f`).size, n).toBeUndefined();
      const unix = parseListLine(`-rw-r--r-- 1 ftp ftp ${n} Jan 02  2020 big`, { now });
      expect(unix, n).toMatchObject({ name: "big", kind: "file", owner: "ftp", group: "ftp" });
      expect(unix?.size, n).toBeUndefined();
      for (const dev of [`${n},4`, `${n}, 4`, `4, ${n}`]) {
        const entry = parseListLine(`crw-rw-rw- 1 root root ${dev} Jan 02  2020 null`, { now });
        expect(entry, dev).toMatchObject({ name: "null", kind: "character-device", owner: "root" });
        expect(entry?.device, dev).toBeUndefined();
        expect(entry?.size, dev).toBeUndefined();
      }
      const links = parseListLine(`-rw-r--r-- ${n} ftp ftp 6 Jan 02  2020 f`, { now });
      expect(links, n).toMatchObject({ name: "f", size: 6, owner: "ftp", group: "ftp" });
      expect(links?.links, n).toBeUndefined();
    }
    // 2^53 - 1 is still exact.
    const max = Number.MAX_SAFE_INTEGER;
    expect(parseListLine(`+s${max},\tf`)?.size).toBe(max);
    expect(parseMlsxLine(`size=${max}; f`).size).toBe(max);
    expect(parseListLine(`-rw-r--r-- 1 ftp ftp ${max} Jan 02  2020 f`, { now })?.size).toBe(max);
    expect(
      parseListLine(`crw-rw-rw- 1 root root ${max}, 3 Jan 02  2020 null`, { now })?.device,
    ).toEqual({ major: max, minor: 3 });
  });

  test("MLSx: a run of 4 MB of ';' in the facts is read once (linear)", () => {
    // Every fact searched the line for "=" from its start: quadratic, about a minute here.
    const line = `type=file;${";".repeat(4_000_000)}size=5; name`;
    const entry = parseMlsxLine(line);
    expect(entry).toMatchObject({ name: "name", kind: "file", size: 5 });
    expect(parseMlsxLine(`type=OS.unix=slink:${";".repeat(4_000_000)} n`).kind).toBe("symlink");
  });
});

describe("parseMlsxLine", () => {
  test("facts, names with ';', '=' and spaces", () => {
    expect(
      parseMlsxLine("type=file;size=1;modify=20261201073302.25;perm=adfrw; semi;colon=file  x.txt"),
    ).toMatchObject({
      name: "semi;colon=file  x.txt",
      kind: "file",
      size: 1,
      modifiedAt: at("2026-12-01T07:33:02.250Z"),
      perm: "adfrw",
    });
  });

  test("MLST line with its leading space; case-insensitive facts", () => {
    const e = parseMlsxLine(
      " Type=dir;Modify=20200102030405;Size=4096;Perm=cfmpel;UNIX.mode=0755;UNIX.owner=ftpuser;UNIX.group=ftpuser;Unique=fe00-219750; /tmp/a dir",
    );
    expect(e).toMatchObject({
      name: "/tmp/a dir",
      kind: "directory",
      size: 4096,
      mode: 0o755,
      owner: "ftpuser",
      group: "ftpuser",
      unique: "fe00-219750",
    });
    expect(e.facts?.get("unix.mode")).toBe("0755");
  });

  test.each<[string, Partial<FileEntry>]>([
    ["type=cdir;sizd=4096; .", { kind: "cdir", size: 4096, name: "." }],
    ["type=pdir; ..", { kind: "pdir" }],
    ["type=OS.unix=slink:/target/x;size=9; link", { kind: "symlink", target: "/target/x" }],
    ["type=OS.unix=slink:;size=9; link", { kind: "symlink" }],
    ["type=OS.unix=symlink; link", { kind: "symlink" }],
    ["Type=file;UNIX.slink=/abs/hello.txt; link", { kind: "file", target: "/abs/hello.txt" }],
    ["Type=OS.unix=pipe; p", { kind: "fifo" }],
    ["Type=OS.unix=chr; c", { kind: "character-device" }],
    ["Type=OS.unix=blkdev; b", { kind: "block-device" }],
    ["type=unknown;size=0; a-fifo", { kind: "other" }],
    ["type=file;UNIX.uid=1001;UNIX.gid=1002; ids", { owner: "1001", group: "1002" }],
    [
      "type=file;UNIX.owner=1001;UNIX.ownername=anna;UNIX.groupname=staff; named",
      { owner: "anna", group: "staff" },
    ],
    ["type=file;modify=bogus;size=x; lenient", { kind: "file", name: "lenient" }],
    [" no-facts-name", { kind: "unknown", name: "no-facts-name" }],
    ["plain name", { kind: "unknown", name: "plain name" }],
  ])("%s", (line, want) => {
    expect(parseMlsxLine(line)).toMatchObject(want);
  });

  test("a bogus modify fact leaves modifiedAt out", () => {
    expect(parseMlsxLine("type=file;modify=bogus; x").modifiedAt).toBeUndefined();
  });

  test("property: never throws", () => {
    fc.assert(
      fc.property(fc.string(), (line) => {
        expect(parseMlsxLine(line).raw).toBe(line);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("parseListing", () => {
  test("CR LF, LF, CR CR LF; total skipped; no trailing newline", () => {
    const body =
      "total 8\r\n-rw-r--r-- 1 u g 6 Jan  2  2020 a\r\r\ndrwxr-xr-x 2 u g 4096 Jan  2  2020 b\n\n-rw-r--r-- 1 u g 1 Jan  2  2020 c";
    const entries = parseListing(body, { now });
    expect(entries.map((e) => [e.name, e.kind])).toEqual([
      ["a", "file"],
      ["b", "directory"],
      ["c", "file"],
    ]);
    expect(parseListing(new TextEncoder().encode(body), { now })).toEqual(entries);
  });

  test("bytes are decoded per line, latin1 when not UTF-8", () => {
    const bytes = new Uint8Array([
      ...new TextEncoder().encode("type=file; caf"),
      0xe9,
      0x0d,
      0x0a,
      ...new TextEncoder().encode("type=file; ünï\r\n"),
    ]);
    expect(parseListing(bytes, { format: "mlsd" }).map((e) => e.name)).toEqual([
      "caf\u00e9",
      "ünï",
    ]);
  });
});

describe("formatListLine and formatMlsxLine", () => {
  const entries: Parameters<typeof formatListLine>[0][] = [
    {
      name: "hello.txt",
      kind: "file",
      size: 6,
      modifiedAt: at("2020-01-02T03:04:05Z"),
      mode: 0o644,
      owner: "anna",
      group: "staff",
    },
    { name: "name with  spaces", kind: "file", size: 7, modifiedAt: at("2026-11-30T10:11:00Z") },
    { name: "dir", kind: "directory", modifiedAt: at("2026-01-15T00:00:00Z") },
    { name: "link", kind: "symlink", target: "hello.txt", modifiedAt: at("2026-11-30T10:11:00Z") },
    {
      name: "a;b=c",
      kind: "file",
      size: 0,
      modifiedAt: at("2026-11-30T10:11:00Z"),
      perm: "adfrw",
      unique: "u1",
    },
  ];

  test("LIST lines parse back", () => {
    for (const entry of entries) {
      const line = formatListLine(entry, { now });
      const back = parseListLine(line, { now })!;
      expect(back.name, line).toBe(entry.name);
      expect(back.kind, line).toBe(entry.kind);
      expect(back.size ?? 0, line).toBe(entry.size ?? 0);
      if (entry.target !== undefined) expect(back.target).toBe(entry.target);
    }
    expect(formatListLine(entries[0]!, { now })).toBe(
      "-rw-r--r-- 1 anna staff        6 Jan  2  2020 hello.txt",
    );
    expect(formatListLine(entries[1]!, { now })).toBe(
      "-rw-r--r-- 1 ftp ftp        7 Nov 30 10:11 name with  spaces",
    );
  });

  test("MLSD lines parse back", () => {
    for (const entry of entries) {
      const line = formatMlsxLine(entry);
      const back = parseMlsxLine(line);
      expect(back).toMatchObject({ name: entry.name, kind: entry.kind });
      if (entry.modifiedAt !== undefined) expect(back.modifiedAt).toEqual(entry.modifiedAt);
      if (entry.size !== undefined) expect(back.size).toBe(entry.size);
      if (entry.target !== undefined) expect(back.target).toBe(entry.target);
    }
    expect(formatMlsxLine(entries[0]!)).toBe(
      "type=file;size=6;modify=20200102030405;UNIX.mode=0644;UNIX.owner=anna;UNIX.group=staff; hello.txt",
    );
    expect(formatMlsxLine(entries[0]!, { facts: ["type", "size"] })).toBe(
      "type=file;size=6; hello.txt",
    );
  });

  test("refuse names with line breaks", () => {
    expect(() => formatListLine({ name: "a\r\nb", kind: "file" })).toThrow(FtpUsageError);
    expect(() => formatMlsxLine({ name: "a\nb", kind: "file" })).toThrow(FtpUsageError);
  });

  test("mode strings round-trip", () => {
    for (let mode = 0; mode < 0o10000; mode += 7) {
      expect(modeFromPermissions(permissionsFromMode(mode))).toBe(mode);
    }
    expect(modeFromPermissions("rwx")).toBeUndefined();
    expect(modeFromPermissions("rwxrwxrwq")).toBeUndefined();
  });
});
