/**
 * The 211 reply to FEAT (RFC 2389 §3.2).
 *
 * @module
 */

import type { Reply } from "./reply.ts";
import { replyText } from "./reply-text.ts";

/**
 * Decodes a FEAT reply into a map of feature name (uppercased) to its parameters
 * (`""` when none): `MLST type*;size*;` gives `"MLST" → "type*;size*;"`.
 *
 * The first line (the header: `Features:`, `Extensions supported:`, ` Supported
 * extensions:`, `Features supported:`) and the last (`End`, `End.`, `End FEAT.`) are
 * not features, whatever they say; every line between is one, with or without its
 * leading space or a repeated `211-`. A single-line 211 (`211 No features`) gives an
 * empty map. The parameters keep their case (`MLST` facts, `HASH` algorithms).
 *
 * @param reply the reply (code 211), or its lines
 * @throws {FtpReplyError} when the reply's code is not 211 (a 500/502 means no FEAT:
 *   check the code before calling)
 *
 * @example
 * ```ts
 * const features = parseFeatReply({ code: 211, lines: ["Features:", " MDTM", " REST STREAM", "End"], message: "…" });
 * features.get("REST"); // "STREAM"
 * features.has("MDTM"); // true
 * ```
 */
export function parseFeatReply(reply: Reply | readonly string[]): Map<string, string> {
  let lines: readonly string[];
  if (Array.isArray(reply)) {
    lines = reply;
  } else {
    const r = reply as Reply;
    replyText(r, [211], "FEAT");
    lines = r.lines;
  }
  const features = new Map<string, string>();
  for (let i = 1; i < lines.length - 1; i++) {
    const line = lines[i]!.trim();
    if (line === "") continue;
    const space = line.search(/\s/);
    const name = (space === -1 ? line : line.slice(0, space)).toUpperCase();
    const params = space === -1 ? "" : line.slice(space + 1).trim();
    // A server listing a feature twice: keep the first, as clients read them in order.
    if (!features.has(name)) features.set(name, params);
  }
  return features;
}
