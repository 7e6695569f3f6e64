/**
 * `ExtendedBlockReassembler`: the files of a parallel MODE E transfer put back together from
 * up to four data connections.
 *
 * Inputs: files dealt block by block (shuffled offsets) over the connections, each connection
 * ending every file with an EOD and one of them with EOF|EOD carrying the EOD count, as
 * globus-gridftp-server sends them; the chunks of the connections interleaved at random; then
 * often mutated (per connection). Also GridFTP's real four-connection capture.
 *
 * Checks: typed errors only; every file rebuilt from its data events (placed by offset) has no
 * overlap and no gap; in ordered mode data comes in offset order; an EOF event carries a
 * positive EOD count; unmutated transfers give exactly the files sent, in either mode and in
 * any interleaving (all chunks of one connection, then the next, give the same files).
 *
 * Config: bit 0 ordered mode, bit 1 a small buffer limit (4096 bytes), bits 2-3 the
 * connection count minus one (for generation).
 *
 * @module
 */

import { ExtendedBlockEncoder, ExtendedBlockReassembler, type ModeEvent } from "@ftpkit/modes";
import { concatBytes, hashBytes } from "../bytes.ts";
import { interleave, splitIntoChunks } from "../chunking.ts";
import { caseBytes, type FuzzCase, type FuzzChunk } from "../fuzz-case.ts";
import { fileContent } from "../mode-plans.ts";
import { mutate } from "../mutate.ts";
import type { Prng } from "../prng.ts";
import type { SeedCorpus } from "../seeds.ts";
import { attempt, check, configBit, type SizeProfile, type Target } from "../target.ts";
import { BINARY_TOKENS } from "./mode-decoders.ts";

const MAX_CONNECTIONS = 4;

/** Places data events of one file by offset and checks that they tile [0, size). */
class FileImage {
  readonly #parts: { offset: number; data: Uint8Array }[] = [];
  #delivered = 0;

  add(offset: number, data: Uint8Array, ordered: boolean): void {
    if (ordered)
      check(
        offset === this.#delivered,
        () => `ordered data at offset ${offset}, expected ${this.#delivered}`,
      );
    this.#parts.push({ offset, data: data.slice() });
    this.#delivered += data.length;
  }

  finish(tiled: boolean): string {
    const parts = [...this.#parts].sort((a, b) => a.offset - b.offset);
    let at = 0;
    for (const p of parts) {
      if (tiled)
        check(
          p.offset === at,
          () =>
            `file rebuilt from its blocks has ${p.offset < at ? "an overlap" : "a gap"} at ${at}`,
        );
      at = Math.max(at, p.offset + p.data.length);
    }
    return `${hashBytes(concatBytes(parts.map((p) => p.data)))}:${at}`;
  }
}

/**
 * Rebuilds the files; `valid` says the input is an unmutated transfer, whose blocks must tile
 * each file (ordered mode promises that for any input: a gap or an overlap is an error).
 */
function reassemble(
  config: number,
  chunks: readonly FuzzChunk[],
  connections: number,
  valid: boolean,
): string {
  const ordered = configBit(config, 0);
  const r = new ExtendedBlockReassembler({
    ordered,
    maxBufferedBytes: configBit(config, 1) ? 4096 : 64 * 1024 * 1024,
  });
  const ids: number[] = [];
  for (let c = 0; c < connections; c++) ids.push(r.addConnection());
  const files: string[] = [];
  let image = new FileImage();
  const onEvent = (ev: ModeEvent): void => {
    if (ev.type === "data") {
      check(
        ev.offset !== undefined && Number.isSafeInteger(ev.offset) && ev.offset >= 0,
        "data event without a safe offset",
      );
      image.add(ev.offset, ev.data, ordered);
    } else if (ev.type === "eof") {
      check(
        ev.eodCount !== undefined && ev.eodCount >= 1,
        () => `EOF with EOD count ${ev.eodCount}`,
      );
      files.push(`${image.finish(valid || ordered)}/${ev.eodCount}`);
      image = new FileImage();
    } else {
      check(ev.type !== "eod", "the reassembler passed an EOD event through");
    }
  };
  for (const chunk of chunks) {
    const id = ids[chunk.connection % connections]!;
    for (const ev of r.push(id, chunk.bytes)) onEvent(ev);
    check(r.filesCompleted === files.length, "filesCompleted disagrees with the EOF events");
  }
  for (const id of ids) for (const ev of r.endConnection(id)) onEvent(ev);
  for (const ev of r.end()) onEvent(ev);
  return files.join(" ");
}

function connectionsOf(input: FuzzCase): number {
  let max = 0;
  for (const c of input.chunks) max = Math.max(max, c.connection);
  return Math.min(MAX_CONNECTIONS, Math.max(max + 1, ((input.config >> 2) & 3) + 1));
}

function generate(rng: Prng, seeds: SeedCorpus, profile: SizeProfile): FuzzCase {
  let config = rng.below(256);
  const connections = ((config >> 2) & 3) + 1;
  if (rng.chance(0.1) && seeds.modeE.length >= 4) {
    // GridFTP's 4-connection capture (the first of the modeE seeds is the 1-connection one).
    config = (config & ~0x0c) | (3 << 2);
    const lists = seeds.modeE.slice(-4).map((bytes, c) =>
      splitIntoChunks(
        rng,
        mutate(rng, bytes, {
          tokens: BINARY_TOKENS,
          maxSize: profile.maxBinary,
          maxRun: profile.maxRun,
        }),
        c,
      ),
    );
    return { config, chunks: interleave(rng, lists) };
  }
  const encoders = Array.from(
    { length: connections },
    () =>
      new ExtendedBlockEncoder({
        eodCount: connections,
        maxBlockSize: rng.pick([1, 100, 4096, 65536]),
      }),
  );
  const streams: Uint8Array[][] = Array.from({ length: connections }, () => []);
  const expected: string[] = [];
  const fileCount = 1 + rng.length(3);
  for (let f = 0; f < fileCount; f++) {
    const content = fileContent(rng, Math.floor(profile.maxBinary / 8 / fileCount));
    const blocks: { offset: number; bytes: Uint8Array }[] = [];
    for (let i = 0; i < content.length; ) {
      const n =
        1 + rng.length(Math.max(rng.pick([16, 4096, 70000]), Math.ceil(content.length / 256)));
      blocks.push({ offset: i, bytes: content.subarray(i, i + n) });
      i += n;
    }
    for (let i = blocks.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [blocks[i], blocks[j]] = [blocks[j]!, blocks[i]!];
    }
    for (const b of blocks) {
      const c = rng.below(connections);
      streams[c]!.push(...encoders[c]!.data(b.bytes, b.offset));
    }
    const eofOn = rng.below(connections);
    for (let c = 0; c < connections; c++)
      streams[c]!.push(...(c === eofOn ? encoders[c]!.eof() : encoders[c]!.eod()));
    expected.push(`${hashBytes(content)}:${content.length}/${connections}`);
  }
  const mutated = rng.chance(0.6);
  const lists = streams.map((parts, c) => {
    let bytes = concatBytes(parts);
    if (mutated && rng.chance(0.7))
      bytes = mutate(rng, bytes, {
        tokens: BINARY_TOKENS,
        maxSize: profile.maxBinary,
        maxRun: profile.maxRun,
      });
    return splitIntoChunks(rng, bytes, c);
  });
  const chunks = interleave(rng, lists);
  if (mutated) return { config, chunks };
  return { config: config & ~2, chunks, expected: expected.join(" ") };
}

function run(input: FuzzCase): void {
  const connections = connectionsOf(input);
  const given = attempt(() =>
    reassemble(input.config, input.chunks, connections, input.expected !== undefined),
  );
  if (input.expected === undefined) return;
  check(
    given.ok,
    () =>
      `a valid transfer did not reassemble: ${given.ok ? "" : `${given.error.name}: ${given.error.message}`}`,
  );
  check(
    given.value === input.expected,
    () => `a valid transfer reassembled to ${given.value}, expected ${input.expected}`,
  );
  const serial: FuzzChunk[] = [];
  for (let c = 0; c < connections; c++) serial.push({ connection: c, bytes: caseBytes(input, c) });
  const other = attempt(() => reassemble(input.config, serial, connections, true));
  check(
    other.ok && other.value === input.expected,
    "another interleaving of the same connections gave other files",
  );
}

/** The MODE E reassembler target. */
export const extendedReassemblerTarget: Target = {
  name: "e-reassembler",
  description: "ExtendedBlockReassembler: parallel MODE E over 1-4 connections, ordered and not",
  generate,
  run,
};
