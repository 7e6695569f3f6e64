/**
 * Host address checks shared by the PASV/PORT/EPRT codecs.
 *
 * @module
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a dotted-quad IPv4 address such as `127.0.0.1`. */
export function isIpv4(host: string): boolean {
  return IPV4.test(host);
}

/**
 * True for an IPv6 literal (no brackets, no zone): eight groups, `::` once, and an
 * optional dotted IPv4 tail (`::ffff:127.0.0.1`).
 */
export function isIpv6(host: string): boolean {
  if (host.length < 2 || host.length > 45 || !/^[0-9A-Fa-f:.]+$/.test(host)) return false;
  let groups = host.split(":");
  const last = groups[groups.length - 1]!;
  if (last.includes(".")) {
    if (!isIpv4(last)) return false;
    groups = groups.slice(0, -1);
    // The dotted tail stands for two groups.
    groups.push("0", "0");
  }
  const doubled = host.indexOf("::");
  if (doubled !== -1 && host.indexOf("::", doubled + 1) !== -1) return false;
  if (doubled === -1) {
    return groups.length === 8 && groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g));
  }
  // With "::", empty groups appear at the gap (and at an edge when it starts/ends there).
  const filled = groups.filter((g) => g !== "");
  if (!filled.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  if (host.startsWith(":") && !host.startsWith("::")) return false;
  if (host.endsWith(":") && !host.endsWith("::")) return false;
  return filled.length <= 7;
}

/** Checks a TCP port number: an integer 1-65535. */
export function isPort(port: number): boolean {
  return Number.isInteger(port) && port >= 1 && port <= 65535;
}
