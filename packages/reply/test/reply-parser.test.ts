import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  DEFAULT_MAX_REPLY_BYTES,
  FtpProtocolError,
  type Reply,
  ReplyParser,
} from "../src/index.ts";
import { bytes, parseAll, rawBytes, splitAt } from "./helpers.ts";

function reply(code: number, ...lines: string[]): Reply {
  return { code, lines, message: lines.join("\n") };
}

/** Every RFC 959 §4.2 shape, and what real servers send. */
const shapes: [string, string, Reply[]][] = [
  ["single line", "200 Type set to I.\r\n", [reply(200, "Type set to I.")]],
  ["code only", "200\r\n", [reply(200, "")]],
  ["code and space", "200 \r\n", [reply(200, "")]],
  ["bare LF", "200 ok\n331 next\n", [reply(200, "ok"), reply(331, "next")]],
  ["multi-line", "123-First line\r\n123 Last\r\n", [reply(123, "First line", "Last")]],
  [
    "inner lines with other digits, blank, spaces, repeated code",
    "123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n\r\n456 not the end\r\n123-still inner\r\n123 The last line\r\n",
    [
      reply(
        123,
        "First line",
        "Second line",
        "  234 A line beginning with numbers",
        "",
        "456 not the end",
        "still inner",
        "The last line",
      ),
    ],
  ],
  ["1234 does not end 123-", "123-a\r\n1234 x\r\n123\r\n", [reply(123, "a", "1234 x", "")]],
  [
    "pipelined replies in one chunk",
    '331 Password required\r\n230 Logged in\r\n257 "/" is cwd\r\n',
    [reply(331, "Password required"), reply(230, "Logged in"), reply(257, '"/" is cwd')],
  ],
  [
    "pure-ftpd greeting",
    "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n220-Local time is now 20:21. Server port: 21200.\r\n220-This is a private system - No anonymous login\r\n220-IPv6 connections are also welcome on this server.\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n",
    [
      reply(
        220,
        "--------- Welcome to Pure-FTPd [privsep] [TLS] ----------",
        "You are user number 1 of 50 allowed.",
        "Local time is now 20:21. Server port: 21200.",
        "This is a private system - No anonymous login",
        "IPv6 connections are also welcome on this server.",
        "You will be disconnected after 15 minutes of inactivity.",
      ),
    ],
  ],
  [
    "FEAT",
    "211-Features:\r\n EPRT\r\n MLST type*;size*;modify*;\r\n UTF8\r\n211 End\r\n",
    [reply(211, "Features:", " EPRT", " MLST type*;size*;modify*;", " UTF8", "End")],
  ],
  [
    "inetutils 230- with trailing space",
    "230- \r\n230-motd\r\n230 User ftpuser logged in.\r\n",
    [reply(230, " ", "motd", "User ftpuser logged in.")],
  ],
  ["Telnet IAC IAC is 0xFF", "550 a\xff\xffb\r\n", [reply(550, "a\u00ffb")]],
  [
    "Telnet commands removed",
    "\xff\xfb\x01220\xff\xf1 re\xff\xfa\x18\x01\xff\xf0ady\r\n",
    [reply(220, "ready")],
  ],
  ["invalid UTF-8 falls back to latin1", "550 caf\xe9: no\r\n", [reply(550, "caf\u00e9: no")]],
  ["6yz protected reply (RFC 2228)", "631 base64data\r\n", [reply(631, "base64data")]],
];

describe("ReplyParser: RFC 959 §4.2 shapes", () => {
  test.each(shapes)("%s", (_name, wire, expected) => {
    const data = wire.includes("\xff") || /[\x80-\xff]/.test(wire) ? rawBytes(wire) : bytes(wire);
    expect(parseAll([data])).toEqual(expected);
  });

  test.each(shapes)("%s: split at every byte", (_name, wire, expected) => {
    const data = rawBytes(wire);
    for (let cut = 0; cut <= data.length; cut++) {
      expect(parseAll(splitAt(data, [cut]))).toEqual(expected);
    }
    const single = Array.from(data, (b) => new Uint8Array([b]));
    expect(parseAll(single)).toEqual(expected);
  });

  test("UTF-8 text is decoded", () => {
    expect(parseAll([bytes('257 "/naïve 日本" created\r\n')])).toEqual([
      reply(257, '"/naïve 日本" created'),
    ]);
  });

  test("UTF-8 split inside a code point decodes per line", () => {
    const data = bytes("550 日本\r\n");
    for (let cut = 0; cut <= data.length; cut++) {
      expect(parseAll(splitAt(data, [cut]))).toEqual([reply(550, "日本")]);
    }
  });

  test("returns replies as they complete", () => {
    const parser = new ReplyParser();
    expect(parser.push(bytes("150-Accepted data connection\r\n"))).toEqual([]);
    expect(parser.idle).toBe(false);
    expect(parser.push(bytes("150 6 bytes to download\r\n226 Tra"))).toEqual([
      reply(150, "Accepted data connection", "6 bytes to download"),
    ]);
    expect(parser.push(bytes("nsfer complete\r\n"))).toEqual([reply(226, "Transfer complete")]);
    expect(parser.idle).toBe(true);
    parser.end();
  });
});

describe("ReplyParser: stray lines", () => {
  test("GridFTP's echoed CR LF leaves a stray line that is skipped and reported", () => {
    const seen: [string, number | undefined][] = [];
    const parser = new ReplyParser({ onStrayLine: (line, prev) => seen.push([line, prev?.code]) });
    const out = parser.push(
      bytes("501 'TYPE L 8\r\n' unrecognized type.\r\n200 NOOP command successful.\r\n"),
    );
    expect(out).toEqual([reply(501, "'TYPE L 8"), reply(200, "NOOP command successful.")]);
    expect(seen).toEqual([["' unrecognized type.", 501]]);
  });

  test("a stray line split anywhere gives the same replies", () => {
    const data = bytes("220 hi\r\n501 'TYPE E\r\n' unrecognized type.\r\n200 ok\r\n");
    for (let cut = 0; cut <= data.length; cut++) {
      expect(parseAll(splitAt(data, [cut]))).toEqual([
        reply(220, "hi"),
        reply(501, "'TYPE E"),
        reply(200, "ok"),
      ]);
    }
  });

  test("a first line that is not a reply is an error (not an FTP server)", () => {
    const parser = new ReplyParser();
    expect(() => parser.push(bytes("SSH-2.0-OpenSSH_9.2p1\r\n"))).toThrow(FtpProtocolError);
    expect(() => parser.push(bytes("220 hi\r\n"))).toThrow(/not an FTP reply/);
  });

  test("blank lines before the greeting are skipped", () => {
    expect(parseAll([bytes("\r\n\n220 hi\r\n")])).toEqual([reply(220, "hi")]);
  });
});

describe("ReplyParser: limits and end", () => {
  test("a long line throws as soon as it passes the limit", () => {
    const parser = new ReplyParser({ maxLineLength: 100 });
    parser.push(bytes("220 "));
    parser.push(new Uint8Array(96).fill(0x61));
    expect(() => parser.push(new Uint8Array(2).fill(0x61))).toThrow(FtpProtocolError);
    expect(() => parser.push(bytes("\r\n"))).toThrow(/longer than the limit of 100 bytes/);
  });

  test("a line of exactly the limit is accepted, with CR LF or LF", () => {
    const text = "a".repeat(96);
    expect(parseAll([bytes(`220 ${text}\r\n`)], { maxLineLength: 100 })).toEqual([
      reply(220, text),
    ]);
    const split = bytes(`220 ${text}\r\n`);
    for (let cut = 0; cut <= split.length; cut++) {
      expect(parseAll(splitAt(split, [cut]), { maxLineLength: 100 })).toEqual([reply(220, text)]);
    }
    expect(() => parseAll([bytes(`220 ${text}a\n`)], { maxLineLength: 100 })).toThrow(
      FtpProtocolError,
    );
  });

  test("a reply with too many lines throws", () => {
    const parser = new ReplyParser({ maxReplyLines: 3 });
    expect(parser.push(bytes("220-a\r\n220-b\r\n220 c\r\n"))).toEqual([reply(220, "a", "b", "c")]);
    expect(() => parser.push(bytes("220-a\r\nb\r\nc\r\nd\r\n"))).toThrow(
      /more than the limit of 3 lines/,
    );
  });

  test("an unterminated multi-line banner fed line by line is parsed once (no re-parse)", () => {
    // basic-ftp CVE-2026-44240: the banner was re-parsed on every chunk (quadratic).
    // 100,000 one-line chunks would take minutes if each re-read the banner so far.
    const parser = new ReplyParser({ maxReplyLines: 1_000_000 });
    parser.push(bytes("220-start\r\n"));
    const chunk = bytes("x\r\n");
    let replies = 0;
    for (let i = 0; i < 100_000; i++) replies += parser.push(chunk).length;
    expect(replies).toBe(0);
    expect(() => parser.end()).toThrow(/closed inside the multi-line reply 220 after 100001 lines/);
  });

  test("end() throws on a cut-off line and on an open reply, passes when idle", () => {
    const a = new ReplyParser();
    a.push(bytes("220 rea"));
    expect(() => a.end()).toThrow(FtpProtocolError);
    const b = new ReplyParser();
    b.push(bytes("220-one\r\n"));
    expect(() => b.end()).toThrow(FtpProtocolError);
    const c = new ReplyParser();
    c.push(bytes("220 ok\r\n"));
    expect(() => c.end()).not.toThrow();
  });

  test("maxReplyBytes: an unterminated banner of 8000-byte lines errors after 1 MiB, not 80 MB", () => {
    expect(DEFAULT_MAX_REPLY_BYTES).toBe(1024 * 1024);
    const parser = new ReplyParser();
    parser.push(bytes("220-Welcome\r\n"));
    const line = bytes(`${"a".repeat(8000)}\r\n`);
    let fed = 0;
    let error: unknown;
    try {
      for (; fed < 10_000; fed++) parser.push(line);
    } catch (e) {
      error = e;
    }
    expect(FtpProtocolError.isInstance(error)).toBe(true);
    expect((error as FtpProtocolError).code).toBe(220);
    expect((error as Error).message).toMatch(/reply 220 is longer than the limit of 1048576 bytes/);
    // The line that passed the limit threw: 11 + 132 × 8000 > 1 MiB.
    expect(fed).toBe(131);
    expect(() => parser.push(bytes("220 End\r\n"))).toThrow(FtpProtocolError);
  });

  test("maxReplyBytes counts the bytes of the lines without line ends; exactly the limit passes", () => {
    // "211-a" + "b" + "211 c" = 11 bytes.
    const wire = bytes("211-a\r\nb\n211 c\r\n");
    expect(parseAll([wire], { maxReplyBytes: 11 })).toEqual([reply(211, "a", "b", "c")]);
    for (let cut = 0; cut <= wire.length; cut++) {
      expect(() => parseAll(splitAt(wire, [cut]), { maxReplyBytes: 10 })).toThrow(
        /longer than the limit of 10 bytes/,
      );
    }
    expect(() => parseAll([bytes("200 0123456789\r\n")], { maxReplyBytes: 10 })).toThrow(
      FtpProtocolError,
    );
    // Each reply has its own count.
    const many = bytes("200 0123456\r\n".repeat(1000));
    expect(parseAll([many], { maxReplyBytes: 11 })).toHaveLength(1000);
  });

  test("maxReplyBytes: the default takes big real-world replies (FEAT, HELP, a STAT listing)", () => {
    const feat = `211-Features:\r\n${" MLST type*;size*;modify*;perm*;unique*;UNIX.mode*;\r\n".repeat(500)}211 End\r\n`;
    const stat = `213-Status of /:\r\n${"-rw-r--r--    1 ftp      ftp          1234 Jan 02  2020 a file name.txt\r\n".repeat(9000)}213 End of status\r\n`;
    const replies = parseAll([bytes(feat + stat)]);
    expect(replies.map((r) => [r.code, r.lines.length])).toEqual([
      [211, 502],
      [213, 9002],
    ]);
  });

  test("rejects nonsense limits", () => {
    expect(() => new ReplyParser({ maxLineLength: 0 })).toThrow(RangeError);
    expect(() => new ReplyParser({ maxReplyLines: -1 })).toThrow(RangeError);
    expect(() => new ReplyParser({ maxReplyBytes: 0 })).toThrow(RangeError);
    expect(() => new ReplyParser({ maxReplyBytes: 1.5 })).toThrow(RangeError);
  });
});

describe("ReplyParser: properties", () => {
  const line = fc.stringMatching(/^[ -~\u00e9\u65e5]{0,40}$/);
  const replyArb = fc
    .tuple(fc.integer({ min: 100, max: 599 }), fc.array(line, { minLength: 1, maxLength: 5 }))
    .map(([code, lines]) => ({ code, lines }));

  function wireOf(r: { code: number; lines: string[] }, lf: string): string {
    if (r.lines.length === 1) return `${r.code} ${r.lines[0]}${lf}`;
    const last = r.lines.length - 1;
    return r.lines
      .map((l, i) => {
        if (i === 0) return `${r.code}-${l}${lf}`;
        if (i === last) return `${r.code} ${l}${lf}`;
        // Inner lines: either repeat the code with "-" or are indented (RFC 959 §4.2).
        return i % 2 === 0 ? `${r.code}-${l}${lf}` : ` ${l}${lf}`;
      })
      .join("");
  }

  function expectedOf(r: { code: number; lines: string[] }): Reply {
    const last = r.lines.length - 1;
    const lines = r.lines.map((l, i) => (i === 0 || i === last || i % 2 === 0 ? l : ` ${l}`));
    return reply(r.code, ...lines);
  }

  test("any sequence of replies split at any boundaries parses the same", () => {
    fc.assert(
      fc.property(
        fc.array(replyArb, { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 8 }),
        (replies, bareLf, rawCuts) => {
          const data = bytes(replies.map((r) => wireOf(r, bareLf ? "\n" : "\r\n")).join(""));
          const cuts = [...new Set(rawCuts.map((c) => c % (data.length + 1)))].sort(
            (a, b) => a - b,
          );
          expect(parseAll(splitAt(data, cuts))).toEqual(replies.map(expectedOf));
        },
      ),
      { numRuns: 300 },
    );
  });

  test("random bytes throw nothing but FtpProtocolError, in bounded time and memory", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc.constantFrom(
              ...["220-", "220 ", "\r\n", "\n", "\xff", "\xff\xff", "\xff\xfa", "331 x\r\n"].map(
                rawBytes,
              ),
            ),
          ),
          { maxLength: 30 },
        ),
        (chunks) => {
          const parser = new ReplyParser({ maxLineLength: 64, maxReplyLines: 8 });
          try {
            for (const c of chunks) parser.push(c);
            parser.end();
          } catch (error) {
            expect(error).toBeInstanceOf(FtpProtocolError);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  test("arbitrary bytes: any split gives the same replies, or both throw", () => {
    const token = fc.oneof(
      fc.uint8Array({ maxLength: 12 }),
      fc.constantFrom(
        ...[
          "220-",
          "220 ",
          "221 ",
          "\r\n",
          "\n",
          "\r",
          " ",
          "x",
          "\xff",
          "\xff\xff",
          "\xff\xfa",
          "\xff\xf0",
          "\xff\xfd",
          "\xe9",
          "\xc3\xa9",
        ].map(rawBytes),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(token, { maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (tokens, rawCuts) => {
          const data = new Uint8Array(tokens.reduce((n, t) => n + t.length, 0));
          let o = 0;
          for (const t of tokens) {
            data.set(t, o);
            o += t.length;
          }
          const run = (chunks: Uint8Array[]): { replies: Reply[]; threw: boolean } => {
            const parser = new ReplyParser({ maxLineLength: 48, maxReplyLines: 6 });
            const replies: Reply[] = [];
            try {
              for (const c of chunks) replies.push(...parser.push(c));
              parser.end();
              return { replies, threw: false };
            } catch (error) {
              expect(FtpProtocolError.isInstance(error)).toBe(true);
              return { replies, threw: true };
            }
          };
          const whole = run([data]);
          const cuts = [...new Set(rawCuts.map((c) => c % (data.length + 1)))].sort(
            (a, b) => a - b,
          );
          const split = run(splitAt(data, cuts));
          expect(split.threw).toBe(whole.threw);
          if (!whole.threw) expect(split.replies).toEqual(whole.replies);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test("an endless line stays within the limit's memory", () => {
    const parser = new ReplyParser({ maxLineLength: 1024 });
    const chunk = new Uint8Array(100).fill(0x41);
    let thrown: unknown;
    let pushed = 0;
    try {
      for (let i = 0; i < 1000; i++) {
        parser.push(chunk);
        pushed += chunk.length;
      }
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FtpProtocolError);
    // It threw at the first chunk past 1024 + 1 (CR) bytes: nothing beyond was buffered.
    expect(pushed).toBe(1000);
  });
});
