/**
 * Address comparison for the data connections: the FTP bounce check of PORT/EPRT and
 * the data-theft check of PASV/EPSV (RFC 2577 §3) compare hosts in one canonical form.
 * The PORT/EPRT arguments and 227/229 texts themselves come from `@ftpkit/reply`.
 *
 * @module
 */

import { isIpv4 } from "@ftpkit/reply";

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
