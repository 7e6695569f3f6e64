/**
 * Checks of @ftpkit/reply run under Deno and Bun (runtime/deno.test.ts,
 * runtime/bun.test.ts): the package is sans-I/O, so these prove that it loads and
 * behaves the same on every runtime, TextDecoder/TextEncoder included.
 *
 * @module
 */

import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  CommandParser,
  encodeCommand,
  encodeReply,
  FtpProtocolError,
  FtpUsageError,
  parseEpsvReply,
  parseFeatReply,
  parseHashReply,
  parseListing,
  parseListLine,
  parseMdtmReply,
  parseMlsxLine,
  parsePasvReply,
  ReplyParser,
} from "../src/index.ts";

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A named check. */
export interface RuntimeCase {
  name: string;
  run: () => void;
}

export const cases: RuntimeCase[] = [
  {
    name: "ReplyParser: multi-line reply split at every byte, stray line skipped",
    run: () => {
      const wire = bytes(
        "211-Features:\r\n MDTM\r\n211 End\r\n501 'TYPE L 8\r\n' unrecognized type.\r\n200 ok\n",
      );
      for (let cut = 0; cut <= wire.length; cut++) {
        const parser = new ReplyParser();
        const replies = [...parser.push(wire.subarray(0, cut)), ...parser.push(wire.subarray(cut))];
        parser.end();
        deepStrictEqual(
          replies.map((r) => [r.code, r.lines]),
          [
            [211, ["Features:", " MDTM", "End"]],
            [501, ["'TYPE L 8"]],
            [200, ["ok"]],
          ],
        );
      }
    },
  },
  {
    name: "ReplyParser: latin1 fallback, IAC, limits",
    run: () => {
      const parser = new ReplyParser({ maxLineLength: 32 });
      deepStrictEqual(
        parser.push(new Uint8Array([0x35, 0x35, 0x30, 0x20, 0x63, 0xe9, 0xff, 0xff, 0x0a]))[0]
          ?.message,
        "c\u00e9\u00ff",
      );
      throws(() => parser.push(new Uint8Array(40).fill(0x41)), FtpProtocolError);
    },
  },
  {
    name: "encodeCommand refuses CR LF; CommandParser strips IAC IP/DM",
    run: () => {
      throws(() => encodeCommand("RETR", "a\r\nDELE b"), FtpUsageError);
      const commands = new CommandParser().push(
        new Uint8Array([0xff, 0xf4, 0xff, 0xf2, ...encodeCommand("abor")]),
      );
      deepStrictEqual(commands, [{ verb: "ABOR", argument: "" }]);
      strictEqual(
        new TextDecoder().decode(encodeReply(211, ["Features:", " SIZE", "End"])),
        "211-Features:\r\n SIZE\r\n211 End\r\n",
      );
    },
  },
  {
    name: "decoders",
    run: () => {
      deepStrictEqual(parsePasvReply("Entering Passive Mode (127,0,0,1,82,241)."), {
        host: "127.0.0.1",
        port: 21233,
      });
      strictEqual(parseEpsvReply("Entering Extended Passive Mode (|||21226|)"), 21226);
      strictEqual(parseMdtmReply("20200102030405.5").toISOString(), "2020-01-02T03:04:05.500Z");
      strictEqual(parseFeatReply(["Features:", " REST STREAM", "End"]).get("REST"), "STREAM");
      strictEqual(parseMlsxLine("type=file;size=6; a; b").name, "a; b");
      const entries = parseListing(
        "total 1\r\nlrwxrwxrwx 1 u g 9 Jan  2  2020 l -> hello.txt\r\n",
        { now: new Date("2026-12-01T00:00:00Z") },
      );
      strictEqual(entries.length, 1);
      strictEqual(entries[0]?.target, "hello.txt");
      ok(entries[0]?.modifiedAt instanceof Date);
    },
  },
  {
    name: "hostile input: linear EPSV and DOS scans, out-of-range numbers, maxReplyBytes",
    run: () => {
      throws(() => parseEpsvReply("(".repeat(100_000)), FtpProtocolError);
      const spaces = " ".repeat(10_000);
      strictEqual(parseListLine(`01-01-20 01:00${spaces}1${spaces}x\rx`)?.name, "x\rx");
      strictEqual(parseListLine("+m43635789425969,\tf")?.modifiedAt, undefined);
      strictEqual(parseListLine("+s9007199254740992,\tf")?.size, undefined);
      strictEqual(parseMlsxLine(`size=${"9".repeat(400)}; f`).size, undefined);
      throws(() => parseHashReply(`SHA-1 0-${"9".repeat(400)} ab f`), FtpProtocolError);
      const parser = new ReplyParser({ maxReplyBytes: 10 });
      throws(() => parser.push(bytes("220-0123\r\n220-45678\r\n")), /limit of 10 bytes/);
    },
  },
];
