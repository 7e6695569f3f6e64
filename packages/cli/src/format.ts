/**
 * Human-readable sizes, rates and durations.
 *
 * @module
 */

const UNITS = ["B", "kB", "MB", "GB", "TB"];

/** `1234567` → `"1.2 MB"` (powers of 1000, as transfer rates are counted). */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return unit === 0
    ? `${value} B`
    : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${UNITS[unit]}`;
}

/** Bytes over milliseconds as `"12.3 MB/s"`. */
export function formatRate(bytes: number, ms: number): string {
  if (ms <= 0) return "-";
  return `${formatBytes((bytes * 1000) / ms)}/s`;
}

/** Milliseconds as `"850 ms"`, `"12.3 s"` or `"4 min 05 s"`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
}
