/**
 * Generators of FTP-shaped text: reply lines, codes, odd whitespace, Unicode.
 *
 * @module
 */

import { latin1, utf8 } from "./bytes.ts";
import type { Prng } from "./prng.ts";

/** Printable ASCII, space included. */
export const PRINTABLE = latin1(
  " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
);

/** Bytes that FTP text is made of, with line ends, tabs, NUL, IAC and high bytes thrown in. */
export const TEXT_ALPHABET = (() => {
  const out: number[] = [
    ...PRINTABLE,
    ...PRINTABLE,
    0x0d,
    0x0a,
    0x0a,
    0x09,
    0x00,
    0xff,
    0xe9,
    0xc3,
    0xa9,
  ];
  return Uint8Array.from(out);
})();

const WORDS = [
  "Welcome",
  "ready",
  "Entering",
  "Passive",
  "Mode",
  "End",
  "Features:",
  "MDTM",
  "SIZE",
  "UTF8",
  "REST STREAM",
  "MLST type*;size*;",
  "(127,0,0,1,82,241)",
  "(|||6446|)",
  '"/dir"',
  "20200102030405",
  "naïve",
  "日本語",
  "",
];

const CHARS = [
  ..."abcXYZ019 -_.,;:=|()\"'\t",
  "é",
  "ß",
  "ı",
  "\u00a0",
  "\u2028",
  "😀",
  "\ud800",
  "\uffff",
];

/** A random reply code: mostly valid ones, sometimes 000, 099, 700 or 999. */
export function replyCode(rng: Prng): number {
  if (rng.chance(0.1)) return rng.pick([0, 99, 700, 999, 100, 699]);
  return rng.between(100, 699);
}

/** A random line of text (no line end), as a string. */
export function textLine(rng: Prng, maxWords = 6): string {
  const parts: string[] = [];
  const n = rng.below(maxWords + 1);
  for (let i = 0; i < n; i++) {
    if (rng.chance(0.7)) parts.push(rng.pick(WORDS));
    else {
      let w = "";
      const len = 1 + rng.length(11);
      for (let k = 0; k < len; k++) w += rng.pick(CHARS);
      parts.push(w);
    }
  }
  return parts.join(rng.chance(0.9) ? " " : "  ");
}

/** A line end as servers send them: CR LF mostly, bare LF, or CR CR LF. */
export function lineEnd(rng: Prng): string {
  const r = rng.below(10);
  return r < 7 ? "\r\n" : r < 9 ? "\n" : "\r\r\n";
}

/**
 * A plausible (not always valid) stream of replies: single- and multi-line, inner lines that
 * look like other codes, blank lines, stray lines, Telnet commands.
 */
export function replyStream(rng: Prng): Uint8Array {
  let s = "";
  const replies = 1 + rng.below(4);
  for (let r = 0; r < replies; r++) {
    const code = String(replyCode(rng)).padStart(3, "0");
    if (rng.chance(0.6)) {
      s += `${code}${rng.chance(0.95) ? " " : ""}${textLine(rng)}${lineEnd(rng)}`;
    } else {
      s += `${code}-${textLine(rng)}${lineEnd(rng)}`;
      const inner = rng.length(8);
      for (let i = 0; i < inner; i++) {
        const k = rng.below(7);
        const line =
          k === 0
            ? ""
            : k === 1
              ? ` ${textLine(rng)}`
              : k === 2
                ? `${code}-${textLine(rng)}`
                : k === 3
                  ? `${replyCode(rng)} ${textLine(rng)}`
                  : k === 4
                    ? `${code}${textLine(rng, 1)}`
                    : textLine(rng);
        s += line + lineEnd(rng);
      }
      s += `${code} ${textLine(rng)}${rng.chance(0.9) ? lineEnd(rng) : ""}`;
    }
    if (rng.chance(0.1)) s += `${textLine(rng)}${lineEnd(rng)}`;
    if (rng.chance(0.05))
      s += rng.pick(["\xff\xf4\xff\xf2", "\xff\xfb\x01", "\xff\xfa\x18\x01\xff\xf0", "\xff\xff"]);
  }
  return encodeText(s);
}

/** UTF-8 for strings with characters above U+00FF; one byte per character otherwise. */
export function encodeText(s: string): Uint8Array {
  return /[^\x00-\xff]/.test(s) ? utf8(s) : latin1(s);
}
