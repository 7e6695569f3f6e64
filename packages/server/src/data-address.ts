/**
 * The address arguments and replies of the data-connection commands: PORT and 227
 * (RFC 959 §4.1.2), EPRT and 229 (RFC 2428).
 *
 * @module
 */

/** A host and port named by PORT or EPRT. */
export interface DataAddress {
  host: string;
  port: number;
  family: "IPv4" | "IPv6";
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isIpv4(host: string): boolean {
  const m = IPV4.exec(host);
  if (m === null) return false;
  return m.slice(1).every((p) => Number(p) <= 255);
}

/** `h1,h2,h3,h4,p1,p2` → address; undefined when malformed. */
export function parsePortArgument(argument: string): DataAddress | undefined {
  const parts = argument.trim().split(",");
  if (parts.length !== 6 || !parts.every((p) => /^\d{1,3}$/.test(p.trim()))) return undefined;
  const n = parts.map((p) => Number(p.trim()));
  if (n.some((x) => x > 255)) return undefined;
  return { host: n.slice(0, 4).join("."), port: n[4]! * 256 + n[5]!, family: "IPv4" };
}

/** `|1|132.235.1.2|6275|` or `|2|::1|6275|` (any delimiter) → address; undefined when malformed. */
export function parseEprtArgument(argument: string): DataAddress | undefined {
  const text = argument.trim();
  const d = text[0];
  if (d === undefined || d.charCodeAt(0) < 33 || d.charCodeAt(0) > 126) return undefined;
  const parts = text.split(d);
  if (parts.length !== 5 || parts[0] !== "" || parts[4] !== "") return undefined;
  const [, proto, host = "", portText = ""] = parts;
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port > 65535) return undefined;
  if (proto === "1" && isIpv4(host)) return { host, port, family: "IPv4" };
  if (proto === "2" && host.includes(":") && /^[0-9a-fA-F:.]+$/.test(host)) {
    return { host, port, family: "IPv6" };
  }
  return undefined;
}

/** The 227 text: `Entering Passive Mode (127,0,0,1,195,80).` */
export function formatPasvText(host: string, port: number): string {
  return `Entering Passive Mode (${host.split(".").join(",")},${port >> 8},${port & 255}).`;
}

/** The 229 text: `Entering Extended Passive Mode (|||50000|)`. */
export function formatEpsvText(port: number): string {
  return `Entering Extended Passive Mode (|||${port}|)`;
}

/**
 * The IPv4 form of an address when it is IPv4 or IPv4-mapped IPv6 (`::ffff:1.2.3.4`),
 * else undefined.
 */
export function ipv4Of(host: string): string | undefined {
  if (isIpv4(host)) return host;
  const m = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(host);
  return m !== null && isIpv4(m[1]!) ? m[1] : undefined;
}

/** Canonical text of an IP address for comparison (IPv4-mapped → IPv4, IPv6 lowercased and expanded). */
export function canonicalHost(host: string): string {
  const v4 = ipv4Of(host);
  if (v4 !== undefined) return v4;
  const bare = host
    .replace(/^\[|\]$/g, "")
    .replace(/%.*$/, "")
    .toLowerCase();
  if (!bare.includes(":")) return bare;
  const [head = "", tail = ""] = bare.split("::");
  const h = head === "" ? [] : head.split(":");
  const t = bare.includes("::") ? (tail === "" ? [] : tail.split(":")) : [];
  const fill = bare.includes("::") ? Array(Math.max(0, 8 - h.length - t.length)).fill("0") : [];
  return [...h, ...fill, ...t].map((g) => g.replace(/^0+(?=.)/, "")).join(":");
}
