/**
 * Web-stream wrappers over the decoders and encoders.
 *
 * @module
 */

import { createDecoder, createEncoder } from "./codec-factory.ts";
import { applyEncoderInput, type EncoderInput } from "./encoder-input.ts";
import type { DecoderOptions, EncoderOptions, ModeEvent, TransferMode } from "./types.ts";

/**
 * A `TransformStream` from data-connection bytes to {@link ModeEvent}s. Closing the writable
 * side is the connection closing: a truncated file errors the stream with
 * `TruncatedTransferError`.
 *
 * @example
 * ```ts
 * const events = socket.readable.pipeThrough(createDecoderStream("B"));
 * for await (const ev of events) if (ev.type === "data") write(ev.data);
 * ```
 */
export function createDecoderStream(
  mode: TransferMode,
  options: DecoderOptions = {},
): TransformStream<Uint8Array, ModeEvent> {
  const decoder = createDecoder(mode, options);
  return new TransformStream<Uint8Array, ModeEvent>({
    transform(chunk, controller) {
      for (const ev of decoder.push(chunk)) controller.enqueue(ev);
    },
    flush(controller) {
      for (const ev of decoder.end()) controller.enqueue(ev);
    },
  });
}

/**
 * A `TransformStream` from file bytes and commands to data-connection bytes. When the input
 * closes without a final `{ type: "eof" }`, the encoder's `eof()` is added, so piping a
 * file's bytes through it gives a complete transfer.
 *
 * @example
 * ```ts
 * await file.readable.pipeThrough(createEncoderStream("Z")).pipeTo(socket.writable);
 * ```
 */
export function createEncoderStream(
  mode: TransferMode,
  options: EncoderOptions = {},
): TransformStream<EncoderInput, Uint8Array> {
  const encoder = createEncoder(mode, options);
  let endedWithEof = false;
  return new TransformStream<EncoderInput, Uint8Array>({
    transform(input, controller) {
      const { chunks, eof } = applyEncoderInput(encoder, input);
      endedWithEof = eof;
      for (const c of chunks) controller.enqueue(c);
    },
    flush(controller) {
      if (endedWithEof) return;
      for (const c of encoder.eof()) controller.enqueue(c);
    },
  });
}

/** Decodes a byte stream into a stream of {@link ModeEvent}s; see {@link createDecoderStream}. */
export function decodeStream(
  mode: TransferMode,
  source: ReadableStream<Uint8Array>,
  options: DecoderOptions = {},
): ReadableStream<ModeEvent> {
  return source.pipeThrough(createDecoderStream(mode, options));
}

/** Encodes a stream of bytes and commands; see {@link createEncoderStream}. */
export function encodeStream(
  mode: TransferMode,
  source: ReadableStream<EncoderInput>,
  options: EncoderOptions = {},
): ReadableStream<Uint8Array> {
  return source.pipeThrough(createEncoderStream(mode, options));
}
