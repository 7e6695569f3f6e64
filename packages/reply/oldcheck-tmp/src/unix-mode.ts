/**
 * Conversions between `ls -l` permission strings and mode bits.
 *
 * @module
 */

/**
 * Mode bits from the nine permission letters of `ls -l` (`"rwsr-x--T"`): `s`/`S` set
 * setuid/setgid (lowercase: with execute), `t`/`T` the sticky bit.
 *
 * @returns the bits, or `undefined` when the string is not nine valid letters
 */
export function modeFromPermissions(perms: string): number | undefined {
  if (perms.length !== 9) return undefined;
  let mode = 0;
  for (let i = 0; i < 9; i++) {
    const c = perms[i]!;
    const bit = 1 << (8 - i);
    const slot = i % 3;
    if (c === "-") continue;
    if (slot === 0 && c === "r") mode |= bit;
    else if (slot === 1 && c === "w") mode |= bit;
    else if (slot === 2 && c === "x") mode |= bit;
    else if (slot === 2 && (c === "s" || c === "S") && i < 6)
      mode |= (c === "s" ? bit : 0) | (i === 2 ? 0o4000 : 0o2000);
    else if (slot === 2 && (c === "t" || c === "T") && i === 8)
      mode |= (c === "t" ? bit : 0) | 0o1000;
    else return undefined;
  }
  return mode;
}

const PERMISSIONS: string[] = [];

/** The nine permission letters of `ls -l` for mode bits (`0o644` → `"rw-r--r--"`). */
export function permissionsFromMode(mode: number): string {
  const bits = mode & 0o7777;
  let s = PERMISSIONS[bits];
  if (s === undefined) {
    s = lettersOf(bits);
    PERMISSIONS[bits] = s;
  }
  return s;
}

function lettersOf(mode: number): string {
  let s = "";
  for (let i = 0; i < 9; i++) {
    const bit = 1 << (8 - i);
    const on = (mode & bit) !== 0;
    const slot = i % 3;
    if (slot === 2) {
      const special = i === 2 ? mode & 0o4000 : i === 5 ? mode & 0o2000 : mode & 0o1000;
      if (special) {
        const letter = i === 8 ? "t" : "s";
        s += on ? letter : letter.toUpperCase();
        continue;
      }
    }
    s += on ? "rwx"[slot] : "-";
  }
  return s;
}
