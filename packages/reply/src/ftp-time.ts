/**
 * The `time-val` of RFC 3659 §2.3: `YYYYMMDDHHMMSS[.sss…]`, always UTC. Used by MDTM
 * replies and the MLSx `modify`/`create` facts.
 *
 * @module
 */

const TIME_VAL = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d+))?$/;

/**
 * Parses a time-val to a UTC Date; fractional seconds are kept to the millisecond.
 *
 * @returns the date, or `undefined` when the text is not a valid time-val
 *
 * @example
 * ```ts
 * parseFtpTime("20200102030405.123"); // 2020-01-02T03:04:05.123Z
 * ```
 */
export function parseFtpTime(text: string): Date | undefined {
  const m = TIME_VAL.exec(text);
  if (m === null) return undefined;
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  // RFC 3659 allows a leap second (60); Date cannot hold one, so it becomes :59.
  const sec = s === 60 ? 59 : s;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 59) return undefined;
  const t = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  const date = new Date(t);
  // Date.UTC rolls Feb 30 over into March; reject instead.
  if (date.getUTCDate() !== d || date.getUTCFullYear() !== y) return undefined;
  return date;
}

/**
 * Formats a Date as a time-val, UTC, with milliseconds only when non-zero; for
 * servers (MDTM, MLSx) and clients (MFMT).
 *
 * @example
 * ```ts
 * formatFtpTime(new Date("2020-01-02T03:04:05Z")); // "20200102030405"
 * ```
 */
export function formatFtpTime(date: Date): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, "0");
  const base =
    p(date.getUTCFullYear(), 4) +
    p(date.getUTCMonth() + 1) +
    p(date.getUTCDate()) +
    p(date.getUTCHours()) +
    p(date.getUTCMinutes()) +
    p(date.getUTCSeconds());
  const ms = date.getUTCMilliseconds();
  return ms === 0 ? base : `${base}.${p(ms, 3)}`;
}
