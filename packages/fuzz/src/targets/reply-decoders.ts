/**
 * The typed reply decoders: FEAT (211), PASV (227), EPSV (229), PWD/MKD (257), MDTM, SIZE and
 * HASH (213), and the server-side PORT/EPRT argument parsers.
 *
 * Input: the reply text (the lines after the code, joined with LF). Each decoder gets it as a
 * string and as a `Reply` with the right code, and must give the same result both ways;
 * with a wrong code it must throw `FtpReplyError`. Results are checked for range (ports
 * 1-65535, bytes 0-255, safe integers, valid dates); formatter output (`formatPasvReplyText`,
 * `quotePath`, `formatFtpTime`, …) must decode back to its input.
 *
 * Config: bit 0 decodes the bytes as UTF-8 (else latin1).
 *
 * @module
 */

import { FtpReplyError } from "@ftpkit/errors";
import {
  decodeText,
  encodeEprtArgument,
  encodePortArgument,
  formatEpsvReplyText,
  formatFtpTime,
  formatPasvReplyText,
  parseEprtArgument,
  parseEpsvReply,
  parseFeatReply,
  parseHashReply,
  parseMdtmReply,
  parsePasvReply,
  parsePathReply,
  parsePortArgument,
  parseSizeReply,
  quotePath,
  type Reply,
} from "@ftpkit/reply";
import { bytesToLatin1, utf8 } from "../bytes.ts";
import { caseBytes, type FuzzCase, singleChunkCase } from "../fuzz-case.ts";
import { COMMON_TEXT_TOKENS, mutate, randomBytes } from "../mutate.ts";
import type { Prng } from "../prng.ts";
import { repliesWithCode, type SeedCorpus } from "../seeds.ts";
import { attempt, check, configBit, type SizeProfile, type Target } from "../target.ts";
import { encodeText, TEXT_ALPHABET, textLine } from "../text-gen.ts";

interface DecoderSpec {
  name: string;
  description: string;
  /** The reply code the decoder wants; undefined for PORT/EPRT arguments (no reply). */
  code: number | undefined;
  /** Seeds: replies starting with this code. */
  seedCode: string;
  tokens: readonly string[];
  /** Decodes and validates; returns a comparable text of the result. */
  decode(input: Reply | string): string;
  /** Must throw FtpReplyError for a reply with another code (default: {@link decode}). */
  strict?(input: Reply): void;
  /** A formatter's output and what it must decode to. */
  roundTrip(rng: Prng): { text: string; expected: string };
}

function replyOf(code: number, text: string): Reply {
  return { code, lines: text.split("\n"), message: text };
}

/** The text of a seed reply: its lines without codes and line ends, joined with LF. */
function seedText(bytes: Uint8Array): Uint8Array {
  const text = bytesToLatin1(bytes);
  const lines = text.split(/\r?\n/).filter((l, i, all) => l !== "" || i < all.length - 1);
  const body = lines.map((l, i) =>
    i === 0 || i === lines.length - 1 ? l.replace(/^\d{3}[ -]?/, "") : l,
  );
  return Uint8Array.from(body.join("\n"), (c) => c.charCodeAt(0));
}

function decoderTarget(spec: DecoderSpec): Target {
  const tokens = [...COMMON_TEXT_TOKENS, ...spec.tokens.map(encodeText)];
  return {
    name: spec.name,
    description: spec.description,
    generate(rng: Prng, seeds: SeedCorpus, profile: SizeProfile): FuzzCase {
      const kind = rng.below(10);
      const config = rng.below(256);
      if (kind < 2) {
        const { text, expected } = spec.roundTrip(rng);
        return singleChunkCase(config | 1, utf8(text), expected);
      }
      let bytes: Uint8Array;
      if (kind === 2)
        bytes = randomBytes(rng, rng.length(Math.min(512, profile.maxText)), TEXT_ALPHABET);
      else if (kind < 5)
        bytes = encodeText(`${rng.pick(spec.tokens)}${textLine(rng, 2)}${rng.pick(spec.tokens)}`);
      else if (kind < 7) bytes = utf8(spec.roundTrip(rng).text);
      else bytes = seedText(rng.pick(repliesWithCode(seeds, spec.seedCode)));
      bytes = mutate(rng, bytes, { tokens, maxSize: profile.maxText, maxRun: profile.maxRun });
      return singleChunkCase(config, bytes);
    },
    run(input: FuzzCase): void {
      const bytes = caseBytes(input);
      const text = configBit(input.config, 0) ? decodeText(bytes) : bytesToLatin1(bytes);
      const fromText = attempt(() => spec.decode(text));
      if (spec.code !== undefined) {
        const code = spec.code;
        const fromReply = attempt(() => spec.decode(replyOf(code, text)));
        check(
          fromText.ok === fromReply.ok &&
            (!fromText.ok || !fromReply.ok || fromText.value === fromReply.value),
          "the decoder gives a string and the same text as a Reply different results",
        );
        const wrongReply = replyOf(code === 500 ? 501 : 500, text);
        const wrong = attempt(() => (spec.strict ?? spec.decode)(wrongReply));
        check(
          !wrong.ok && FtpReplyError.isInstance(wrong.error),
          "a reply with the wrong code did not throw FtpReplyError",
        );
      }
      if (input.expected !== undefined) {
        check(
          fromText.ok,
          () =>
            `formatter output ${JSON.stringify(text)} did not decode: ${fromText.ok ? "" : fromText.error.message}`,
        );
        check(
          fromText.value === input.expected,
          () => `formatter output decoded to ${fromText.value}, expected ${input.expected}`,
        );
      }
    },
  };
}

const IPV4_PART = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

function checkPort(port: number): void {
  check(Number.isInteger(port) && port >= 1 && port <= 65535, () => `port ${port} is not 1-65535`);
}

function checkIpv4(host: string): void {
  const parts = host.split(".");
  check(
    parts.length === 4 && parts.every((p) => IPV4_PART.test(p)),
    () => `host ${JSON.stringify(host)} is not a dotted quad`,
  );
}

function randomIpv4(rng: Prng): string {
  return [0, 0, 0, 0].map(() => String(rng.below(256))).join(".");
}

function randomPort(rng: Prng): number {
  return rng.chance(0.2) ? rng.pick([1, 255, 256, 65535, 21, 1024]) : rng.between(1, 65535);
}

/** The FEAT decoder. */
export const featTarget: Target = decoderTarget({
  name: "feat",
  description: "parseFeatReply: FEAT replies from real servers, mutated",
  code: 211,
  seedCode: "211-",
  tokens: [
    "\n ",
    " MLST type*;size*;",
    " REST STREAM",
    " UTF8",
    "Features:",
    "\nEnd",
    "211-",
    "\t",
  ],
  decode(input): string {
    const features = parseFeatReply(typeof input === "string" ? input.split("\n") : input);
    for (const [name, params] of features) {
      check(
        name === name.toUpperCase() && name !== "" && !/\s/.test(name),
        () => `feature name ${JSON.stringify(name)}`,
      );
      check(
        params === params.trim(),
        () => `feature parameters ${JSON.stringify(params)} are not trimmed`,
      );
    }
    return JSON.stringify([...features]);
  },
  roundTrip(rng): { text: string; expected: string } {
    const features = new Map<string, string>();
    const lines = [rng.pick(["Features:", "Extensions supported:", " Supported extensions:"])];
    const n = rng.length(8);
    for (let i = 0; i < n; i++) {
      const name = rng.pick([
        "MDTM",
        "SIZE",
        "REST",
        "MLST",
        "UTF8",
        "EPSV",
        "HASH",
        "TVFS",
        "LANG",
      ]);
      const params = rng.pick(["", "STREAM", "type*;size*;modify*;", "SHA-256;SHA-1*;MD5", "EN*"]);
      if (!features.has(name)) features.set(name, params);
      lines.push(` ${name}${params === "" ? "" : ` ${params}`}`);
    }
    lines.push(rng.pick(["End", "End.", "End FEAT."]));
    return { text: lines.join("\n"), expected: JSON.stringify([...features]) };
  },
});

/** The PASV decoder. */
export const pasvTarget: Target = decoderTarget({
  name: "pasv",
  description: "parsePasvReply: 227 texts, formatPasvReplyText round trips, mutated",
  code: 227,
  seedCode: "227",
  tokens: [
    "(",
    ")",
    ",",
    "127,0,0,1,82,241",
    "255,255,255,255,255,255",
    "256",
    "=",
    "Entering Passive Mode ",
  ],
  decode(input): string {
    const { host, port } = parsePasvReply(input);
    checkIpv4(host);
    checkPort(port);
    return `${host}:${port}`;
  },
  roundTrip(rng): { text: string; expected: string } {
    const host = randomIpv4(rng);
    const port = randomPort(rng);
    return { text: formatPasvReplyText(host, port), expected: `${host}:${port}` };
  },
});

/** The EPSV decoder. */
export const epsvTarget: Target = decoderTarget({
  name: "epsv",
  description: "parseEpsvReply: 229 texts with any delimiter, formatEpsvReplyText round trips",
  code: 229,
  seedCode: "229",
  tokens: ["(|||", "|)", "(!!!", "!)", "|||", "(", ")", "65535", "0", "(|1|2|3|)"],
  decode(input): string {
    const port = parseEpsvReply(input);
    checkPort(port);
    return String(port);
  },
  roundTrip(rng): { text: string; expected: string } {
    const port = randomPort(rng);
    return { text: formatEpsvReplyText(port), expected: String(port) };
  },
});

/** The PWD/MKD decoder. */
export const pathTarget: Target = decoderTarget({
  name: "path-257",
  description: "parsePathReply: 257 texts with doubled quotes, quotePath round trips",
  code: 257,
  seedCode: "257",
  tokens: ['"', '""', '"/"', " is current directory", "/dir", '"""'],
  decode(input): string {
    const path = parsePathReply(input);
    check(typeof path === "string", "path is not a string");
    const text = typeof input === "string" ? input : input.message;
    if (!text.includes('"'))
      check(
        path !== "" && !/\s/.test(path),
        () => `unquoted path ${JSON.stringify(path)} is not one word`,
      );
    return JSON.stringify(path);
  },
  roundTrip(rng): { text: string; expected: string } {
    let path = rng.pick(["/", '/a "quoted" dir', "", '"', "/日本/naïve", "/x y/z"]);
    if (rng.chance(0.5)) path += textLine(rng, 2).replace(/[\n]/g, "");
    path = path.replace(/[\ud800-\udfff]/g, "");
    return {
      text: `${quotePath(path)} ${textLine(rng, 3).replace(/\n/g, "")}`,
      expected: JSON.stringify(path),
    };
  },
});

/** The 213 decoders: MDTM, SIZE and HASH. */
export const fileReplyTarget: Target = decoderTarget({
  name: "mdtm",
  description:
    "parseMdtmReply, parseSizeReply, parseHashReply: 213 texts, formatFtpTime round trips",
  code: 213,
  seedCode: "213",
  tokens: [
    "20200102030405",
    ".123",
    "99999999999999",
    "16777216",
    "SHA-256 0-6 ",
    "-",
    "\n",
    "Computing digest",
  ],
  decode(input): string {
    const out: string[] = [];
    const mdtm = attempt(() => parseMdtmReply(input));
    if (mdtm.ok) {
      check(Number.isFinite(mdtm.value.getTime()), "MDTM gave an invalid Date");
      const again = parseMdtmReply(formatFtpTime(mdtm.value));
      check(
        again.getTime() === mdtm.value.getTime(),
        "formatFtpTime(parseMdtmReply(x)) does not decode to the same time",
      );
      out.push(mdtm.value.toISOString());
    } else out.push(mdtm.error.name);
    const size = attempt(() => parseSizeReply(input));
    if (size.ok)
      check(Number.isSafeInteger(size.value) && size.value >= 0, () => `SIZE gave ${size.value}`);
    out.push(size.ok ? String(size.value) : size.error.name);
    const hash = attempt(() => parseHashReply(input));
    if (hash.ok) {
      check(/^[0-9a-f]+$/.test(hash.value.hash), "HASH value is not lowercase hex");
      check(
        Number.isFinite(hash.value.start) && Number.isFinite(hash.value.end),
        "HASH range is not numbers",
      );
    }
    out.push(hash.ok ? JSON.stringify(hash.value) : hash.error.name);
    return out.join("|");
  },
  strict(input): void {
    parseMdtmReply(input);
    parseSizeReply(input);
    parseHashReply(input);
  },
  roundTrip(rng): { text: string; expected: string } {
    const ms = rng.chance(0.5) ? 0 : rng.below(1000);
    const time = Date.UTC(
      rng.between(1970, 9999),
      rng.below(12),
      1 + rng.below(28),
      rng.below(24),
      rng.below(60),
      rng.below(60),
      ms,
    );
    const date = new Date(time);
    const text = formatFtpTime(date);
    // Parse the same text here, so that the expected SIZE/HASH parts are what they are.
    const size = attempt(() => parseSizeReply(text));
    const hash = attempt(() => parseHashReply(text));
    return {
      text,
      expected: [
        date.toISOString(),
        size.ok ? String(size.value) : size.error.name,
        hash.ok ? JSON.stringify(hash.value) : hash.error.name,
      ].join("|"),
    };
  },
});

/** The server-side PORT and EPRT argument parsers. */
export const portArgumentTarget: Target = decoderTarget({
  name: "port-eprt",
  description: "parsePortArgument, parseEprtArgument: PORT/EPRT arguments, encode round trips",
  code: undefined,
  seedCode: "PORT",
  tokens: [
    "|1|",
    "|2|",
    "::1",
    "127.0.0.1",
    "|",
    ",",
    "255",
    "65535",
    "::ffff:1.2.3.4",
    "fe80::1%lo",
  ],
  decode(input): string {
    const text = typeof input === "string" ? input : input.message;
    const out: string[] = [];
    const port = attempt(() => parsePortArgument(text));
    if (port.ok) {
      checkIpv4(port.value.host);
      checkPort(port.value.port);
      const again = parsePortArgument(encodePortArgument(port.value.host, port.value.port));
      check(
        again.host === port.value.host && again.port === port.value.port,
        "PORT argument does not round-trip",
      );
      out.push(`${port.value.host}:${port.value.port}`);
    } else out.push(port.error.name);
    const eprt = attempt(() => parseEprtArgument(text));
    if (eprt.ok) {
      checkPort(eprt.value.port);
      check(eprt.value.family === 1 || eprt.value.family === 2, "EPRT family is not 1 or 2");
      if (eprt.value.family === 1) checkIpv4(eprt.value.host);
      const again = parseEprtArgument(encodeEprtArgument(eprt.value.host, eprt.value.port));
      check(
        again.host === eprt.value.host &&
          again.port === eprt.value.port &&
          again.family === eprt.value.family,
        "EPRT argument does not round-trip",
      );
      out.push(`${eprt.value.family}|${eprt.value.host}|${eprt.value.port}`);
    } else out.push(eprt.error.name);
    return out.join(" ");
  },
  roundTrip(rng): { text: string; expected: string } {
    const port = randomPort(rng);
    if (rng.chance(0.5)) {
      const host = randomIpv4(rng);
      return { text: encodePortArgument(host, port), expected: `${host}:${port} FtpProtocolError` };
    }
    const host = rng.pick([
      "::1",
      "fe80::1",
      "2001:db8::ff00:42:8329",
      "::ffff:127.0.0.1",
      "1:2:3:4:5:6:7:8",
      randomIpv4(rng),
    ]);
    const family = host.includes(":") ? 2 : 1;
    return {
      text: encodeEprtArgument(host, port),
      expected: `FtpProtocolError ${family}|${host}|${port}`,
    };
  },
});
