import fc from "fast-check";
import { describe, expect, test } from "vitest";
import {
  type Command,
  CommandParser,
  encodeCommand,
  encodeReply,
  FtpError,
  FtpProtocolError,
  FtpUsageError,
  ReplyParser,
} from "../src/index.ts";
import { bytes, rawBytes, splitAt } from "./helpers.ts";

const decoder = new TextDecoder();

function commandsOf(chunks: readonly Uint8Array[]): Command[] {
  const parser = new CommandParser();
  const out = chunks.flatMap((c) => parser.push(c));
  parser.end();
  return out;
}

describe("encodeCommand", () => {
  test("verb and argument, CR LF", () => {
    expect(decoder.decode(encodeCommand("RETR", "a b.txt"))).toBe("RETR a b.txt\r\n");
    expect(decoder.decode(encodeCommand("PASV"))).toBe("PASV\r\n");
    expect(decoder.decode(encodeCommand("CWD", ""))).toBe("CWD \r\n");
  });

  test("UTF-8 (RFC 2640)", () => {
    expect([...encodeCommand("MKD", "é")]).toEqual([...bytes("MKD é\r\n")]);
  });

  test("latin1 on request, 0xFF doubled (Telnet IAC)", () => {
    expect([...encodeCommand("RETR", "\u00ffa\u00e9", { encoding: "latin1" })]).toEqual([
      ...rawBytes("RETR \xff\xffa\xe9\r\n"),
    ]);
    expect(() => encodeCommand("RETR", "日本", { encoding: "latin1" })).toThrow(FtpUsageError);
  });

  test.each([
    ["CR", "a\rDELE b"],
    ["LF", "a\nDELE b"],
    ["CR LF", "a.txt\r\nDELE b"],
    ["NUL", "a\0b"],
  ])("refuses %s in the argument", (_name, argument) => {
    expect(() => encodeCommand("RETR", argument)).toThrow(FtpUsageError);
    try {
      encodeCommand("PASS", argument);
    } catch (error) {
      expect(FtpError.isInstance(error)).toBe(true);
      // The argument may be a password: the message names the verb only.
      expect((error as Error).message).not.toContain("DELE");
      expect((error as FtpUsageError).command).toBe("PASS");
    }
  });

  test("refuses CR/LF/NUL in the verb and an empty verb", () => {
    expect(() => encodeCommand("NOOP\r\nDELE x")).toThrow(/its verb contains a carriage return/);
    expect(() => encodeCommand("")).toThrow(FtpUsageError);
  });

  test("property: an encoded command round-trips through the CommandParser", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z]{3,4}$/),
        fc.string({ unit: "grapheme", maxLength: 30 }).filter((s) => !/[\r\n\0]/.test(s)),
        (verb, argument) => {
          const cmds = commandsOf([encodeCommand(verb, argument)]);
          expect(cmds).toEqual([{ verb: verb.toUpperCase(), argument }]);
        },
      ),
    );
  });
});

describe("CommandParser", () => {
  test("verb uppercased, argument verbatim, bare LF, empty lines skipped", () => {
    expect(commandsOf([bytes("user anna\r\nRETR  two spaces \nnoop\r\n\r\nstor x\r\n")])).toEqual([
      { verb: "USER", argument: "anna" },
      { verb: "RETR", argument: " two spaces " },
      { verb: "NOOP", argument: "" },
      { verb: "STOR", argument: "x" },
    ]);
  });

  test("Telnet IP and synch (IAC IP IAC DM) before ABOR are removed", () => {
    const wire = rawBytes("\xff\xf4\xff\xf2ABOR\r\n");
    for (let cut = 0; cut <= wire.length; cut++) {
      expect(commandsOf(splitAt(wire, [cut]))).toEqual([{ verb: "ABOR", argument: "" }]);
    }
  });

  test("IAC IAC in a path is one 0xFF byte; option negotiation is dropped", () => {
    expect(commandsOf([rawBytes("\xff\xfd\x03RETR \xc3\xbf\xff\xff\r\n")])).toEqual([
      // 0xC3 0xFF is not UTF-8: latin1 fallback keeps every byte.
      { verb: "RETR", argument: "\u00c3\u00bf\u00ff" },
    ]);
    expect(commandsOf([bytes("RETR ÿ.txt\r\n")])).toEqual([{ verb: "RETR", argument: "ÿ.txt" }]);
  });

  test("uppercases ASCII letters only", () => {
    expect(commandsOf([bytes("straße\r\n")])).toEqual([{ verb: "STRAßE", argument: "" }]);
  });

  test("a line over the limit throws at once and breaks the parser", () => {
    const parser = new CommandParser({ maxLineLength: 16 });
    expect(() => parser.push(bytes("RETR 0123456789abcdef"))).toThrow(FtpProtocolError);
    expect(() => parser.push(bytes("\r\nNOOP\r\n"))).toThrow(FtpProtocolError);
  });

  test("an endless command line throws once past the limit, buffering no more", () => {
    const parser = new CommandParser({ maxLineLength: 512 });
    const chunk = new Uint8Array(64).fill(0x41);
    let pushed = 0;
    expect(() => {
      for (let i = 0; i < 10_000; i++) {
        parser.push(chunk);
        pushed += chunk.length;
      }
    }).toThrow(FtpProtocolError);
    expect(pushed).toBe(512);
  });

  test("end() throws on a cut-off command", () => {
    const parser = new CommandParser();
    expect(parser.push(bytes("NOOP\r\nQU"))).toEqual([{ verb: "NOOP", argument: "" }]);
    expect(parser.idle).toBe(false);
    expect(() => parser.end()).toThrow(/inside a command line/);
  });

  test("property: random bytes throw only FtpProtocolError", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 20 }), (chunks) => {
        const parser = new CommandParser({ maxLineLength: 32 });
        try {
          for (const c of chunks) parser.push(c);
          parser.end();
        } catch (error) {
          expect(error).toBeInstanceOf(FtpProtocolError);
        }
      }),
    );
  });
});

describe("encodeReply", () => {
  test("single line", () => {
    expect(decoder.decode(encodeReply(200, "Type set to I"))).toBe("200 Type set to I\r\n");
    expect(decoder.decode(encodeReply(200, ["one"]))).toBe("200 one\r\n");
    expect(decoder.decode(encodeReply(200, []))).toBe("200 \r\n");
  });

  test("multi-line with FEAT lines verbatim", () => {
    expect(decoder.decode(encodeReply(211, ["Features:", " MDTM", " SIZE", "End"]))).toBe(
      "211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n",
    );
  });

  test("inner lines starting with a digit are indented", () => {
    expect(decoder.decode(encodeReply(250, ["Listing", "250 files", "3", "End"]))).toBe(
      "250-Listing\r\n 250 files\r\n 3\r\n250 End\r\n",
    );
  });

  test("line breaks in text split lines; NUL dropped; no line can be forged", () => {
    expect(decoder.decode(encodeReply(501, "'TYPE L 8\r\n' unrecognized\r200 forged\0"))).toBe(
      "501-'TYPE L 8\r\n' unrecognized\r\n501 200 forged\r\n",
    );
  });

  test("refuses a bad code", () => {
    expect(() => encodeReply(99, "x")).toThrow(FtpUsageError);
    expect(() => encodeReply(700, "x")).toThrow(FtpUsageError);
    expect(() => encodeReply(200.5, "x")).toThrow(FtpUsageError);
  });

  test("property: whatever the text, the ReplyParser reads back one reply with those lines", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 699 }),
        fc.array(fc.string({ unit: "grapheme", maxLength: 20 }), { minLength: 1, maxLength: 6 }),
        (code, lines) => {
          const parser = new ReplyParser();
          const replies = parser.push(encodeReply(code, lines));
          parser.end();
          expect(replies).toHaveLength(1);
          expect(replies[0]!.code).toBe(code);
          const flat = lines
            .flatMap((l) => l.split(/\r\n|\r|\n/))
            .map((l) => l.replaceAll("\0", ""));
          const got = replies[0]!.lines;
          expect(got).toHaveLength(flat.length);
          // Inner lines may have gained one leading space.
          for (const [i, l] of got.entries()) expect([flat[i], ` ${flat[i]}`]).toContain(l);
        },
      ),
    );
  });
});
