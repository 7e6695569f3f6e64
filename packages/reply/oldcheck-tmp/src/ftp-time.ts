/**
 * The `time-val` of RFC 3659 §2.3: `YYYYMMDDHHMMSS[.sss…]`, always UTC. Used by MDTM
 * replies and the MLSx `modify`/`create` facts.
 *
 * @module
 */

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
  const ms = parseFtpTimeMs(text);
  return ms === undefined ? undefined : new Date(ms);
}

/** {@link parseFtpTime} as milliseconds since the epoch (no Date allocated when invalid). */
export function parseFtpTimeMs(text: string): number | undefined {
  const n = text.length;
  if (n < 14 || (n > 14 && (n === 15 || text.charCodeAt(14) !== 0x2e))) return undefined;
  const y = num(text, 0, 4);
  const mo = num(text, 4, 6);
  const d = num(text, 6, 8);
  const h = num(text, 8, 10);
  const mi = num(text, 10, 12);
  const s = num(text, 12, 14);
  let ms = 0;
  if (n > 15) {
    // Any number of fraction digits; the first three are the milliseconds.
    if (num(text, 15, n) < 0) return undefined;
    ms = num(text, 15, Math.min(n, 18)) * (n >= 18 ? 1 : n === 17 ? 10 : 100);
  }
  // RFC 3659 allows a leap second (60); Date cannot hold one, so it becomes :59.
  const sec = s === 60 ? 59 : s;
  if (
    y < 0 ||
    mo < 1 ||
    mo > 12 ||
    d < 1 ||
    h < 0 ||
    h > 23 ||
    mi < 0 ||
    mi > 59 ||
    sec < 0 ||
    sec > 59
  ) {
    return undefined;
  }
  if (d > daysInMonth(y, mo - 1)) return undefined;
  return utcMs(y, mo - 1, d, h, mi, sec, ms);
}

/** Date.UTC, also for years 0-99 (which Date.UTC maps to 1900-1999). */
export function utcMs(
  y: number,
  mo: number,
  d: number,
  h: number,
  mi: number,
  s: number,
  ms: number,
): number {
  if (y >= 100) return Date.UTC(y, mo, d, h, mi, s, ms);
  // 400 Gregorian years are exactly 146097 days.
  return Date.UTC(y + 400, mo, d, h, mi, s, ms) - 146_097 * 86_400_000;
}

/** Days in a month (0-11) of the proleptic Gregorian calendar. */
export function daysInMonth(year: number, month: number): number {
  if (month === 1) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 3 || month === 5 || month === 8 || month === 10 ? 30 : 31;
}

/** The decimal number in text[s, e), or -1 if a character is not a digit. */
function num(text: string, s: number, e: number): number {
  let v = 0;
  for (let k = s; k < e; k++) {
    const c = text.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
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
