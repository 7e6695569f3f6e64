/**
 * Shared checks of the typed reply decoders.
 *
 * @module
 */

import { FtpProtocolError, FtpReplyError } from "@ftpkit/errors";
import type { Reply } from "./reply.ts";

/**
 * The text a decoder reads: a reply's message after checking its code, or a string
 * given as is (the message of a reply checked elsewhere).
 *
 * @throws {FtpReplyError} when the reply's code is not one of `codes`
 */
export function replyText(input: Reply | string, codes: readonly number[], what: string): string {
  if (typeof input === "string") return input;
  if (!codes.includes(input.code)) {
    throw new FtpReplyError(
      `Expected ${codes.join(" or ")} to ${what}, got ${input.code} ${JSON.stringify(input.message)}`,
      { code: input.code, replyText: input.message },
    );
  }
  return input.message;
}

/** A malformed reply error, with the reply attached when there is one. */
export function malformed(input: Reply | string, message: string): FtpProtocolError {
  if (typeof input === "string") return new FtpProtocolError(message, { replyText: input });
  return new FtpProtocolError(message, { code: input.code, replyText: input.message });
}

/** The text for messages: quoted, cut at 120 characters. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 120)}…` : text);
}
