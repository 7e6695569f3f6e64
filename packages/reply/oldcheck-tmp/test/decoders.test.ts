import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  encodeEprtArgument,
  encodePortArgument,
  FtpProtocolError,
  FtpReplyError,
  FtpUsageError,
  formatEpsvReplyText,
  formatFtpTime,
  formatPasvReplyText,
  parseEprtArgument,
  parseEpsvReply,
  parseFeatReply,
  parseFtpTime,
  parseHashReply,
  parseMdtmReply,
  parsePasvReply,
  parsePathReply,
  parsePortArgument,
  parseSizeReply,
  quotePath,
  type Reply,
} from "../src/index.ts";

function reply(code: number, ...lines: string[]): Reply {
  return { code, lines, message: lines.join("\n") };
}

describe("parsePasvReply", () => {
  test.each([
    ["Entering Passive Mode (127,0,0,1,82,241).", "127.0.0.1", 21233],
    ["Entering Passive Mode (10,0,0,5,4,1)", "10.0.0.5", 1025],
    ["Entering passive mode 192,168,1,2,195,80", "192.168.1.2", 50000],
    ["=127,0,0,1,82,241", "127.0.0.1", 21233],
    ["Entering Passive Mode (127, 0, 0, 1, 82, 241) trailing text 1,2", "127.0.0.1", 21233],
    ["Entering Passive Mode (0,0,0,0,82,39).", "0.0.0.0", 21031],
  ])("%s", (text, host, port) => {
    expect(parsePasvReply(text)).toEqual({ host, port });
    expect(parsePasvReply(reply(227, text))).toEqual({ host, port });
  });

  test.each([
    ["Entering Passive Mode (1,82,124)."], // ProFTPD on IPv6
    ["Entering passive mode (::1,83,85)."], // pyftpdlib on IPv6
    ["Entering Passive Mode (300,0,0,1,82,241)"],
    ["Entering Passive Mode (127,0,0,1,0,0)"],
  ])("refuses %s", (text) => {
    expect(() => parsePasvReply(text)).toThrow(FtpProtocolError);
  });

  test("a wrong code is a reply error", () => {
    expect(() => parsePasvReply(reply(425, "You cannot use PASV on IPv6 connections."))).toThrow(
      FtpReplyError,
    );
  });

  test("round-trips the server text", () => {
    expect(parsePasvReply(formatPasvReplyText("127.0.0.1", 21233))).toEqual({
      host: "127.0.0.1",
      port: 21233,
    });
    expect(() => formatPasvReplyText("::1", 21)).toThrow(FtpUsageError);
  });
});

describe("parseEpsvReply", () => {
  test.each([
    ["Entering Extended Passive Mode (|||21226|)", 21226],
    ["Extended Passive mode OK (|||21226|)", 21226],
    ["Entering Extended Passive Mode (!!!6446!)", 6446],
    ["Entering Extended Passive Mode (###1#)", 1],
    ["Entering Extended Passive Mode |||65535|", 65535],
    ["Entering Extended Passive Mode (|1|127.0.0.1|2000|)", 2000],
  ])("%s", (text, port) => {
    expect(parseEpsvReply(text)).toBe(port);
  });

  test.each([
    ["Entering Extended Passive Mode (|||0|)"],
    ["Entering Extended Passive Mode (|||65536|)"],
    ["ok"],
  ])("refuses %s", (text) => {
    expect(() => parseEpsvReply(text)).toThrow(FtpProtocolError);
  });

  test("any delimiter, also '(' or a digit, and address fields as RFC 2428 §3 allows", () => {
    expect(parseEpsvReply("Entering Extended Passive Mode ((((2121()")).toBe(2121);
    expect(parseEpsvReply("Entering Extended Passive Mode (~1~::1~2121~)")).toBe(2121);
    expect(parseEpsvReply("(|||1|) then (|||2|)")).toBe(1);
    expect(parseEpsvReply("no (port) here, but |||6446| is")).toBe(6446);
    expect(() => parseEpsvReply("(|||123456|)")).toThrow(FtpProtocolError);
  });

  test("hostile texts are scanned in linear time: 1 MB of '(', of '(!!!', of '(|||1'", () => {
    // The old expression backtracked cubically: 1,500 "(" took 2 s, 8 KB minutes.
    for (const unit of ["(", "(!!!", "(|||1", "(|||21327"]) {
      const text = `Entering Extended Passive Mode ${unit.repeat(Math.ceil(1e6 / unit.length))}`;
      expect(() => parseEpsvReply(text), unit).toThrow(FtpProtocolError);
      expect(parseEpsvReply(`${text}(|||2000|)`), unit).toBe(2000);
    }
  });

  test("round-trips the server text", () => {
    expect(parseEpsvReply(formatEpsvReplyText(40000))).toBe(40000);
    expect(() => formatEpsvReplyText(0)).toThrow(FtpUsageError);
  });
});

describe("parsePathReply", () => {
  test.each([
    ['"/" is the current directory', "/"],
    ['"/odd ""quoted"" dir" is the current directory', '/odd "quoted" dir'],
    ['"/odd "quoted" dir" is your current location', '/odd "quoted" dir'],
    ['Directory "/tmp/x/odd "quoted" dir" created successfully.', '/tmp/x/odd "quoted" dir'],
    ['"odd "quoted" dir" : The directory was successfully created', 'odd "quoted" dir'],
    ['"/ends with quote"""', '/ends with quote"'],
    ['"/with space " is cwd', "/with space "],
    ['"C:\\Users" is cwd.', "C:\\Users"],
    ["/home/anna is the current directory", "/home/anna"],
  ])("%s", (text, path) => {
    expect(parsePathReply(text)).toBe(path);
  });

  test("errors", () => {
    expect(() => parsePathReply('"/unterminated')).toThrow(FtpProtocolError);
    expect(() => parsePathReply("")).toThrow(FtpProtocolError);
    expect(() => parsePathReply(reply(550, "no"))).toThrow(FtpReplyError);
  });

  test("property: quotePath round-trips through parsePathReply", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), (path) => {
        expect(parsePathReply(`${quotePath(path)} is the current directory`)).toBe(path);
      }),
    );
  });
});

describe("parseFeatReply", () => {
  test.each([
    ["Features:", "End"],
    ["Extensions supported:", "End."],
    [" Supported extensions:", "End"],
    ["Features supported:", "End FEAT."],
    ["Extensions supported", "End."],
  ])("header %j, end %j", (header, end) => {
    const features = parseFeatReply(
      reply(211, header, " MDTM", " REST STREAM", " mlst type*;Size*;", " UTF8", end),
    );
    expect([...features]).toEqual([
      ["MDTM", ""],
      ["REST", "STREAM"],
      ["MLST", "type*;Size*;"],
      ["UTF8", ""],
    ]);
  });

  test("lines without the leading space, blank lines, duplicates", () => {
    const features = parseFeatReply(
      reply(211, "Features:", "SIZE", "", "  AUTH TLS  ", " SIZE x", "End"),
    );
    expect([...features]).toEqual([
      ["SIZE", ""],
      ["AUTH", "TLS"],
    ]);
  });

  test("single-line 211 and line arrays", () => {
    expect(parseFeatReply(reply(211, "No features")).size).toBe(0);
    expect(parseFeatReply(["Features:", " EPSV", "End"]).get("EPSV")).toBe("");
    expect(() => parseFeatReply(reply(500, "FEAT not understood"))).toThrow(FtpReplyError);
  });
});

describe("SIZE, MDTM, HASH", () => {
  test("SIZE", () => {
    expect(parseSizeReply("16777216")).toBe(16777216);
    expect(parseSizeReply(reply(213, "0"))).toBe(0);
    expect(parseSizeReply("9007199254740991")).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => parseSizeReply("9007199254740993")).toThrow(FtpProtocolError);
    expect(() => parseSizeReply("-1")).toThrow(FtpProtocolError);
    expect(() => parseSizeReply("six")).toThrow(FtpProtocolError);
    expect(() => parseSizeReply(reply(550, "SIZE not allowed in ASCII mode"))).toThrow(
      FtpReplyError,
    );
  });

  test.each([
    ["20200102030405", "2020-01-02T03:04:05.000Z"],
    ["20200102030405.5", "2020-01-02T03:04:05.500Z"],
    ["20200102030405.123456", "2020-01-02T03:04:05.123Z"],
    ["19991231235960", "1999-12-31T23:59:59.000Z"],
    ["20240229120000 UTC", "2024-02-29T12:00:00.000Z"],
  ])("MDTM %s", (text, iso) => {
    expect(parseMdtmReply(text).toISOString()).toBe(iso);
  });

  test.each([["2020010203040"], ["20201302030405"], ["20230229120000"], ["20200102250000"], ["x"]])(
    "MDTM refuses %s",
    (text) => {
      expect(() => parseMdtmReply(text)).toThrow(FtpProtocolError);
    },
  );

  test("property: formatFtpTime round-trips", () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date("1970-01-01T00:00:00Z"),
          max: new Date("9999-12-31T23:59:59Z"),
          noInvalidDate: true,
        }),
        (d) => {
          expect(parseFtpTime(formatFtpTime(d))?.getTime()).toBe(d.getTime());
        },
      ),
    );
  });

  test("HASH", () => {
    expect(
      parseHashReply(
        reply(
          213,
          "Computing SHA-1 digest",
          "SHA-1 0-6 F572D396FAE9206628714FB2CE00F72E94F2258F name with spaces.txt",
        ),
      ),
    ).toEqual({
      algorithm: "SHA-1",
      start: 0,
      end: 6,
      hash: "f572d396fae9206628714fb2ce00f72e94f2258f",
      path: "name with spaces.txt",
    });
    expect(() => parseHashReply("SHA-1 zero f572 x")).toThrow(FtpProtocolError);
  });

  test("HASH: a byte range beyond 2^53, or backwards, is a FtpProtocolError", () => {
    const big = "9".repeat(300); // Number() gives Infinity
    for (const range of [`0-${big}`, `${big}-${big}`, "0-9007199254740992", "7-6"]) {
      expect(() => parseHashReply(`SHA-256 ${range} abc0 f`), range).toThrow(
        /HASH reply .* byte range beyond 2\^53 or with its start after its end/,
      );
    }
    expect(parseHashReply("SHA-256 0-9007199254740991 abc0 f").end).toBe(Number.MAX_SAFE_INTEGER);
    expect(parseHashReply("MD5 4-4 abc0 f")).toMatchObject({ start: 4, end: 4 });
  });
});

describe("PORT and EPRT arguments", () => {
  test("PORT", () => {
    expect(parsePortArgument("127,0,0,1,82,248")).toEqual({ host: "127.0.0.1", port: 21240 });
    expect(parsePortArgument(" 10, 0, 0, 1, 0, 21 ")).toEqual({ host: "10.0.0.1", port: 21 });
    expect(encodePortArgument("127.0.0.1", 21240)).toBe("127,0,0,1,82,248");
    for (const bad of ["127,0,0,1,82", "127,0,0,1,82,256", "a,b,c,d,e,f", "127,0,0,1,0,0", ""]) {
      expect(() => parsePortArgument(bad), bad).toThrow(FtpProtocolError);
    }
    expect(() => encodePortArgument("::1", 21)).toThrow(FtpUsageError);
    expect(() => encodePortArgument("127.0.0.1", 70000)).toThrow(FtpUsageError);
  });

  test("EPRT", () => {
    expect(parseEprtArgument("|1|132.235.1.2|6275|")).toEqual({
      family: 1,
      host: "132.235.1.2",
      port: 6275,
    });
    expect(parseEprtArgument("|2|1080::8:800:200C:417A|5282|")).toEqual({
      family: 2,
      host: "1080::8:800:200C:417A",
      port: 5282,
    });
    expect(parseEprtArgument("!2!::ffff:127.0.0.1!21!")).toEqual({
      family: 2,
      host: "::ffff:127.0.0.1",
      port: 21,
    });
    for (const bad of [
      "|1|evil.example.com|21|", // never a host name
      "|2|127.0.0.1|21|",
      "|1|::1|21|",
      "|3|1.2.3.4|21|",
      "|1|1.2.3.4|0|",
      "|1|1.2.3.4|21",
      "|1|1.2.3.4|21|x",
      "|2|1:2:3:4:5:6:7:8:9|21|",
      "|2|1::2::3|21|",
      "",
    ]) {
      expect(() => parseEprtArgument(bad), bad).toThrow(FtpProtocolError);
    }
    expect(encodeEprtArgument("[::1]", 21)).toBe("|2|::1|21|");
    expect(() => encodeEprtArgument("localhost", 21)).toThrow(FtpUsageError);
  });

  test("property: encode and parse round-trip", () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 1, max: 65535 }), (host, port) => {
        expect(parsePortArgument(encodePortArgument(host, port))).toEqual({ host, port });
        expect(parseEprtArgument(encodeEprtArgument(host, port))).toEqual({
          family: 1,
          host,
          port,
        });
      }),
    );
    fc.assert(
      fc.property(fc.ipV6(), fc.integer({ min: 1, max: 65535 }), (host, port) => {
        expect(parseEprtArgument(encodeEprtArgument(host, port))).toEqual({
          family: 2,
          host,
          port,
        });
      }),
    );
  });
});
