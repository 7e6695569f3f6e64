/**
 * The reply code at the start of a line: three digits, the first 1-6 (RFC 959 §4.2
 * uses 1-5; RFC 2228 adds 6yz protected replies), then a space, a hyphen or the end of
 * the line.
 *
 * @returns the code, or -1 when the line does not start a reply
 */
export function leadingCode(line: string): number {
  if (line.length < 3) return -1;
  const a = line.charCodeAt(0) - 48;
  const b = line.charCodeAt(1) - 48;
  const c = line.charCodeAt(2) - 48;
  if (a < 1 || a > 6 || b < 0 || b > 9 || c < 0 || c > 9) return -1;
  if (line.length > 3) {
    const sep = line.charCodeAt(3);
    if (sep !== 0x20 && sep !== 0x2d) return -1;
  }
  return a * 100 + b * 10 + c;
}
