/**
 * Async-iterable wrappers over the decoders and encoders.
 *
 * @module
 */

import { type ByteSource, pullChunks } from "./byte-source.ts";
import { createDecoder, createEncoder } from "./codec-factory.ts";
import { applyEncoderInput, type EncoderInput } from "./encoder-input.ts";
import type { DecoderOptions, EncoderOptions, ModeEvent, TransferMode } from "./types.ts";

/**
 * Decodes chunks from a stream or (async) iterable into {@link ModeEvent}s. The end of the
 * source is the connection closing (a truncated file throws `TruncatedTransferError`);
 * leaving the loop early cancels the source.
 *
 * @example
 * ```ts
 * for await (const ev of decodeIterable("Z", socket.readable)) {
 *   if (ev.type === "data") await sink.write(ev.data);
 * }
 * ```
 */
export async function* decodeIterable(
  mode: TransferMode,
  source: ByteSource,
  options: DecoderOptions = {},
): AsyncGenerator<ModeEvent, void, undefined> {
  const decoder = createDecoder(mode, options);
  const puller = pullChunks(source);
  let done = false;
  try {
    for (;;) {
      const chunk = await puller.read();
      if (chunk === undefined) {
        done = true;
        yield* decoder.end();
        return;
      }
      yield* decoder.push(chunk);
    }
  } finally {
    if (!done) await puller.cancel();
  }
}

/**
 * Encodes bytes and commands from an (async) iterable into data-connection chunks; adds
 * `eof()` at the end unless the last input was `{ type: "eof" }`.
 *
 * @example
 * ```ts
 * for await (const chunk of encodeIterable("B", fileChunks)) await socket.write(chunk);
 * ```
 */
export async function* encodeIterable(
  mode: TransferMode,
  source: AsyncIterable<EncoderInput> | Iterable<EncoderInput>,
  options: EncoderOptions = {},
): AsyncGenerator<Uint8Array, void, undefined> {
  const encoder = createEncoder(mode, options);
  let endedWithEof = false;
  for await (const input of source) {
    const { chunks, eof } = applyEncoderInput(encoder, input);
    endedWithEof = eof;
    yield* chunks;
  }
  if (!endedWithEof) yield* encoder.eof();
}
