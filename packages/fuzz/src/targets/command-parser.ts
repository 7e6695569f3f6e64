/**
 * `CommandParser` (server side of the control connection).
 *
 * Checks: typed errors only; verbs carry no lowercase ASCII letter and no space; every line
 * within the configured length; the same commands however the bytes are chunked;
 * `encodeCommand` output parses back to its verb and argument.
 *
 * Config: bit 0 picks the line limit (8192 or 24 bytes).
 *
 * @module
 */

import { type Command, CommandParser, encodeCommand } from "@ftpkit/reply";
import { concatBytes } from "../bytes.ts";
import { splitIntoChunks } from "../chunking.ts";
import { caseBytes, type FuzzCase } from "../fuzz-case.ts";
import { COMMON_TEXT_TOKENS, mutate, randomBytes } from "../mutate.ts";
import type { Prng } from "../prng.ts";
import type { SeedCorpus } from "../seeds.ts";
import { attempt, check, configBit, type SizeProfile, type Target } from "../target.ts";
import { TEXT_ALPHABET, textLine } from "../text-gen.ts";

const TOKENS = [
  ...COMMON_TEXT_TOKENS,
  ...["RETR ", "PORT ", "EPRT |", "\xff\xf4\xff\xf2", "ABOR\r\n", "\r\n\r\n"].map((t) =>
    Uint8Array.from(t, (c) => c.charCodeAt(0)),
  ),
];

const VERBS = [
  "USER",
  "pass",
  "RETR",
  "Stor",
  "PORT",
  "EPRT",
  "EPSV",
  "ABOR",
  "OPTS",
  "SITE",
  "X",
  "ÿ",
];

function transcriptOf(commands: readonly Command[]): string {
  return commands.map((c) => `${c.verb}|${JSON.stringify(c.argument)}`).join("\n");
}

function parse(chunks: readonly Uint8Array[], config: number): string {
  const maxLineLength = configBit(config, 0) ? 24 : 8192;
  const parser = new CommandParser({ maxLineLength });
  const commands: Command[] = [];
  for (const chunk of chunks) {
    for (const command of parser.push(chunk)) {
      check(
        !/[a-z ]/.test(command.verb),
        () => `verb ${JSON.stringify(command.verb)} has lowercase ASCII or a space`,
      );
      const length =
        command.verb.length + (command.argument === "" ? 0 : 1 + command.argument.length);
      check(
        length <= maxLineLength,
        () => `a command of ${length} characters passed the limit ${maxLineLength}`,
      );
      commands.push(command);
    }
  }
  parser.end();
  check(parser.idle, "end() accepted a parser that is not idle");
  return transcriptOf(commands);
}

/** Drops lone surrogates, which UTF-8 cannot carry. */
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "");
}

function upperAscii(s: string): string {
  return s.replace(/[a-z]/g, (c) => c.toUpperCase());
}

function generate(rng: Prng, seeds: SeedCorpus, profile: SizeProfile): FuzzCase {
  const kind = rng.below(10);
  let config = rng.below(256);
  let bytes: Uint8Array;
  let expected: string | undefined;
  if (kind === 0) {
    bytes = randomBytes(
      rng,
      rng.length(profile.maxText),
      rng.chance(0.5) ? TEXT_ALPHABET : undefined,
    );
  } else if (kind < 3) {
    const parts: Uint8Array[] = [];
    const commands: Command[] = [];
    const n = 1 + rng.length(5);
    for (let i = 0; i < n; i++) {
      const verb = rng.pick(VERBS).replace("ÿ", "");
      if (verb === "") continue;
      const argument = rng.chance(0.2)
        ? undefined
        : wellFormed(textLine(rng).replace(/[\r\n\0]/g, ""));
      parts.push(encodeCommand(verb, argument));
      commands.push({ verb: upperAscii(verb), argument: argument ?? "" });
    }
    bytes = concatBytes(parts);
    config &= ~1;
    expected = transcriptOf(commands);
  } else {
    const parts: Uint8Array[] = [];
    const count = 1 + rng.length(7);
    for (let i = 0; i < count; i++) parts.push(rng.pick(seeds.commands));
    bytes = mutate(rng, concatBytes(parts), {
      tokens: TOKENS,
      maxSize: profile.maxText,
      maxRun: profile.maxRun,
      donors: seeds.commands,
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
  if (chunked.ok && whole.ok) check(chunked.value === whole.value, "chunking changed the commands");
  else check(chunked.ok === whole.ok, "chunking changed the outcome");
  if (input.expected !== undefined) {
    check(
      chunked.ok,
      () => `encodeCommand output did not parse: ${chunked.ok ? "" : chunked.error.message}`,
    );
    check(
      chunked.value === input.expected,
      () => `encodeCommand output parsed to\n${chunked.value}\nexpected\n${input.expected}`,
    );
  }
}

/** The command parser target. */
export const commandParserTarget: Target = {
  name: "command-parser",
  description: "CommandParser: random and mutated real commands, encodeCommand round trips",
  generate,
  run,
};
