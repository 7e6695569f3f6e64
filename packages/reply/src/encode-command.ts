/**
 * Encoding of commands for the control connection.
 *
 * @module
 */

import { FtpUsageError } from "@ftpkit/errors";

/** Options of {@link encodeCommand}. */
export interface EncodeCommandOptions {
  /**
   * `"utf-8"` (default, RFC 2640) or `"latin1"` for servers whose names are not UTF-8
   * (a name the reply parser decoded as latin1 is sent back as the same bytes).
   */
  encoding?: "utf-8" | "latin1";
}

const utf8 = new TextEncoder();

/**
 * Encodes one command line: `VERB argument\r\n`.
 *
 * Refuses CR, LF and NUL anywhere in the verb or the argument: a name such as
 * `"a.txt\r\nDELE b"` would otherwise smuggle a second command onto the wire
 * (command injection; advisories against basic-ftp, curl, aioftp, GVfs, Python
 * ftplib). A 0xFF byte is doubled, because on the Telnet control connection it is
 * the IAC escape (RFC 959 §4.1.3, RFC 854); UTF-8 never produces one, latin1 `ÿ` does.
 *
 * @param verb the command, e.g. `"RETR"`; sent as given
 * @param argument the argument; omitted (no space) when `undefined`
 * @throws {FtpUsageError} for an empty verb, CR/LF/NUL, or a character latin1 cannot hold
 *
 * @example
 * ```ts
 * encodeCommand("RETR", "dir/naïve.txt"); // bytes of "RETR dir/naïve.txt\r\n"
 * encodeCommand("PASV");                  // bytes of "PASV\r\n"
 * encodeCommand("RETR", "a\r\nDELE b");   // throws FtpUsageError
 * ```
 */
export function encodeCommand(
  verb: string,
  argument?: string,
  options: EncodeCommandOptions = {},
): Uint8Array {
  if (verb.length === 0) {
    throw new FtpUsageError("Cannot send a command with an empty verb");
  }
  checkLine(verb, "verb", verb);
  if (argument !== undefined) checkLine(argument, "argument", verb);
  const line = argument === undefined ? `${verb}\r\n` : `${verb} ${argument}\r\n`;
  // Most lines are ASCII: the same bytes in UTF-8 and latin1, and no 0xFF to double.
  const ascii = encodeAscii(line);
  if (ascii !== undefined) return ascii;
  const bytes = options.encoding === "latin1" ? encodeLatin1(line, verb) : utf8.encode(line);
  return doubleIac(bytes);
}

/** The bytes of an all-ASCII line; undefined as soon as a character is not. */
function encodeAscii(line: string): Uint8Array | undefined {
  const out = new Uint8Array(line.length);
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c > 0x7f) return undefined;
    out[i] = c;
  }
  return out;
}

function checkLine(text: string, part: string, verb: string): void {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0) {
      const name =
        c === 0x0d ? "a carriage return (CR)" : c === 0x0a ? "a line feed (LF)" : "a NUL byte";
      // The argument itself is not quoted: it may be a password.
      throw new FtpUsageError(
        `Refusing to send ${JSON.stringify(commandName(verb))}: its ${part} contains ${name} at index ${i}, which would end the command line`,
        { command: commandName(verb) },
      );
    }
  }
}

/** The verb for messages, limited in length and never anything after a line break. */
function commandName(verb: string): string {
  const cut = verb.search(/[\r\n\0]/);
  const v = cut === -1 ? verb : verb.slice(0, cut);
  return v.length > 32 ? `${v.slice(0, 32)}…` : v;
}

function encodeLatin1(line: string, verb: string): Uint8Array {
  const out = new Uint8Array(line.length);
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c > 0xff) {
      throw new FtpUsageError(
        `Cannot send ${JSON.stringify(commandName(verb))} in latin1: ${JSON.stringify(line[i])} (U+${c.toString(16).toUpperCase().padStart(4, "0")}) at index ${i} has no latin1 byte`,
        { command: commandName(verb) },
      );
    }
    out[i] = c;
  }
  return out;
}

/** Doubles every 0xFF byte (Telnet IAC). Returns the input when there is none. */
export function doubleIac(bytes: Uint8Array): Uint8Array {
  let count = 0;
  for (let i = bytes.indexOf(0xff); i !== -1; i = bytes.indexOf(0xff, i + 1)) count++;
  if (count === 0) return bytes;
  const out = new Uint8Array(bytes.length + count);
  let o = 0;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    out[o++] = b;
    if (b === 0xff) out[o++] = 0xff;
  }
  return out;
}
