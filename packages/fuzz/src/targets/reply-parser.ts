/**
 * `ReplyParser` (client side of the control connection).
 *
 * Checks: typed errors only; every reply within the configured line length and line count;
 * the same replies (or the same error) however the bytes are chunked; `encodeReply` output
 * parses back to the lines it was made from.
 *
 * Config: bits 0-1 pick the limits (default; 32-byte lines; 4 lines per reply; both tiny).
 *
 * @module
 */

import { encodeReply, formatReplyLines, type Reply, ReplyParser } from "@ftpkit/reply";
import { concatBytes, utf8 } from "../bytes.ts";
import { splitIntoChunks } from "../chunking.ts";
import { caseBytes, type FuzzCase } from "../fuzz-case.ts";
import { COMMON_TEXT_TOKENS, mutate, randomBytes } from "../mutate.ts";
import type { Prng } from "../prng.ts";
import type { SeedCorpus } from "../seeds.ts";
import { attempt, check, configPick, type SizeProfile, type Target } from "../target.ts";
import { replyCode, replyStream, TEXT_ALPHABET, textLine } from "../text-gen.ts";

const LIMITS = [
  { maxLineLength: 8192, maxReplyLines: 10000 },
  { maxLineLength: 32, maxReplyLines: 10000 },
  { maxLineLength: 8192, maxReplyLines: 4 },
  { maxLineLength: 16, maxReplyLines: 3 },
] as const;

const TOKENS = [
  ...COMMON_TEXT_TOKENS,
  ...["220-", "220 ", "211-", "211 End", "\r\n220 ", "\n 220 x", "123-", "550 "].map(utf8),
];

function transcriptOf(replies: readonly Reply[], strays: readonly string[]): string {
  let s = "";
  for (const r of replies) s += `${r.code}|${JSON.stringify(r.lines)}\n`;
  for (const line of strays) s += `stray|${JSON.stringify(line)}\n`;
  return s;
}

/** Parses `chunks` and checks every reply against the limits; returns the transcript. */
function parse(chunks: readonly Uint8Array[], config: number): string {
  const limits = configPick(config, 0, LIMITS);
  const strays: string[] = [];
  const replies: Reply[] = [];
  const parser = new ReplyParser({ ...limits, onStrayLine: (line) => strays.push(line) });
  for (const chunk of chunks) {
    for (const reply of parser.push(chunk)) {
      check(
        Number.isInteger(reply.code) && reply.code >= 100 && reply.code <= 699,
        () => `reply code ${reply.code} is not 100-699`,
      );
      check(
        reply.lines.length >= 1 && reply.lines.length <= limits.maxReplyLines,
        () => `reply ${reply.code} has ${reply.lines.length} lines, limit ${limits.maxReplyLines}`,
      );
      for (const line of reply.lines) {
        check(
          line.length <= limits.maxLineLength,
          () =>
            `a line of reply ${reply.code} has ${line.length} characters, limit ${limits.maxLineLength}`,
        );
      }
      check(reply.message === reply.lines.join("\n"), "message is not the lines joined with LF");
      replies.push(reply);
    }
  }
  parser.end();
  check(parser.idle, "end() accepted a parser that is not idle");
  return transcriptOf(replies, strays);
}

/** The replies a correct parser reads from `encodeReply(code, lines)`. */
function expectedRoundTrip(code: number, lines: readonly string[]): string {
  const wire = formatReplyLines(code, lines);
  // TextEncoder turns lone surrogates into U+FFFD; the parser sees the encoded bytes.
  const decoded = new TextDecoder().decode(utf8(wire));
  const out = decoded.split("\r\n");
  out.pop();
  const parsed = out.map((l, i) => (i === 0 || i === out.length - 1 ? l.slice(4) : l));
  return transcriptOf([{ code, lines: parsed, message: parsed.join("\n") }], []);
}

function generate(rng: Prng, seeds: SeedCorpus, profile: SizeProfile): FuzzCase {
  const kind = rng.below(20);
  let config = rng.below(256);
  let bytes: Uint8Array;
  let expected: string | undefined;
  if (kind === 0) {
    bytes = randomBytes(
      rng,
      rng.length(profile.maxText),
      rng.chance(0.5) ? TEXT_ALPHABET : undefined,
    );
  } else if (kind < 4) {
    bytes = replyStream(rng);
    if (rng.chance(0.5))
      bytes = mutate(rng, bytes, {
        tokens: TOKENS,
        maxSize: profile.maxText,
        maxRun: profile.maxRun,
      });
  } else if (kind < 6) {
    const code = rng.between(100, 699);
    const lines: string[] = [];
    const n = 1 + rng.length(6);
    for (let i = 0; i < n; i++) {
      lines.push(
        rng.chance(0.2)
          ? `${replyCode(rng)}${rng.pick([" ", "-", ""])}${textLine(rng)}`
          : textLine(rng),
      );
      if (rng.chance(0.05)) lines[i] += rng.pick(["\r", "\n", "\r\n", "\0"]) + textLine(rng);
    }
    bytes = encodeReply(code, lines);
    config &= ~3;
    expected = expectedRoundTrip(code, lines);
  } else {
    const pool = rng.chance(0.3) ? seeds.sessions : seeds.replies;
    const parts: Uint8Array[] = [];
    const count = 1 + rng.length(3);
    for (let i = 0; i < count; i++) parts.push(rng.pick(pool));
    bytes = mutate(rng, concatBytes(parts), {
      tokens: TOKENS,
      maxSize: profile.maxText,
      maxRun: profile.maxRun,
      donors: seeds.replies,
    });
  }
  const chunks = splitIntoChunks(rng, bytes);
  return expected === undefined ? { config, chunks } : { config, chunks, expected };
}

function run(input: FuzzCase): void {
  const chunked = attempt(() =>
    parse(
      input.chunks.map((c) => c.bytes),
      input.config,
    ),
  );
  const whole = attempt(() => parse([caseBytes(input)], input.config));
  if (chunked.ok && whole.ok) {
    check(chunked.value === whole.value, "chunking changed the replies");
  } else {
    check(
      chunked.ok === whole.ok,
      () =>
        `chunking changed the outcome: ${chunked.ok ? "ok" : chunked.error.message} / ${whole.ok ? "ok" : whole.error.message}`,
    );
  }
  if (input.expected !== undefined) {
    check(
      chunked.ok,
      () => `encodeReply output did not parse: ${chunked.ok ? "" : chunked.error.message}`,
    );
    check(
      chunked.value === input.expected,
      () =>
        `encodeReply output parsed to other lines:\n${chunked.value}\nexpected\n${input.expected}`,
    );
  }
}

/** The reply parser target. */
export const replyParserTarget: Target = {
  name: "reply-parser",
  description: "ReplyParser: random, grammar-built and mutated real replies, any chunking",
  generate,
  run,
};
