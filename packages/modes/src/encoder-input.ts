/**
 * What encoder wrappers take: bytes, or a command for one of the encoder's methods.
 *
 * @module
 */

import type { ModeEncoder } from "./types.ts";

/** A command for an encoder wrapper; a bare `Uint8Array` means `{ type: "data", data }`. */
export type EncoderCommand =
  | { type: "data"; data: Uint8Array; offset?: number }
  | { type: "record" }
  | { type: "restart"; marker: string }
  | { type: "eof" };

/** One input of an encoder wrapper. */
export type EncoderInput = Uint8Array | EncoderCommand;

/** Runs one input through an encoder; tells whether it was an EOF. */
export function applyEncoderInput(
  encoder: ModeEncoder,
  input: EncoderInput,
): { chunks: Uint8Array[]; eof: boolean } {
  if (input instanceof Uint8Array) return { chunks: encoder.data(input), eof: false };
  switch (input.type) {
    case "data":
      return { chunks: encoder.data(input.data, input.offset), eof: false };
    case "record":
      return { chunks: encoder.record(), eof: false };
    case "restart":
      return { chunks: encoder.restart(input.marker), eof: false };
    case "eof":
      return { chunks: encoder.eof(), eof: true };
  }
}
