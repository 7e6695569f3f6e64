/**
 * A complete FTP reply (RFC 959 §4.2).
 *
 * @example
 * ```ts
 * // "211-Features:\r\n MDTM\r\n211 End\r\n" gives
 * const reply: Reply = { code: 211, lines: ["Features:", " MDTM", "End"], message: "Features:\n MDTM\nEnd" };
 * ```
 */
export interface Reply {
  /** The three-digit reply code, e.g. 227. */
  code: number;
  /**
   * The text lines without CR LF. The code and its separator are removed from the first
   * and the last line, and from inner lines that repeat `123-`; other inner lines are
   * kept verbatim (leading spaces included: FEAT and MLST lines start with one).
   */
  lines: string[];
  /** `lines` joined with "\n". */
  message: string;
}

/** Whether the code is a positive preliminary reply (1yz): more replies follow. */
export function isPreliminary(reply: Reply): boolean {
  return reply.code >= 100 && reply.code < 200;
}

/** Whether the code is a positive completion (2yz) or intermediate (3yz) reply. */
export function isPositive(reply: Reply): boolean {
  return reply.code >= 100 && reply.code < 400;
}

/** Whether the code is a transient (4yz) or permanent (5yz or 6yz) negative reply. */
export function isNegative(reply: Reply): boolean {
  return reply.code >= 400;
}

/** The reply as it would look on the wire, one line per text line, for messages and logs. */
export function formatReply(reply: Reply): string {
  const { code, lines } = reply;
  if (lines.length <= 1) return `${code} ${lines[0] ?? ""}`;
  const last = lines.length - 1;
  return lines
    .map((line, i) => (i === 0 ? `${code}-${line}` : i === last ? `${code} ${line}` : line))
    .join("\n");
}
