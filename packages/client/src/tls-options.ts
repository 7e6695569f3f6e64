/**
 * The TLS options of the control and data connections of one session.
 *
 * @module
 */

import type { TlsClientOptions } from "@ftpkit/socket";
import type { ClientTlsOptions } from "./options.ts";

/** The TLS options of a connection to `host`. */
export function clientTlsOptions(
  tls: ClientTlsOptions | undefined,
  host: string,
): TlsClientOptions {
  const options: TlsClientOptions = {};
  // SNI carries names only (RFC 6066 §3); for an IP address the adapter checks the
  // certificate against the address it connected to.
  const servername = tls?.servername ?? (isIpLiteral(host) ? undefined : host);
  if (servername !== undefined) options.servername = servername;
  if (tls?.ca !== undefined) options.ca = tls.ca;
  if (tls?.rejectUnauthorized !== undefined) options.rejectUnauthorized = tls.rejectUnauthorized;
  if (tls?.minVersion !== undefined) options.minVersion = tls.minVersion;
  if (tls?.maxVersion !== undefined) options.maxVersion = tls.maxVersion;
  return options;
}

/** True for an IPv4 or IPv6 literal. */
export function isIpLiteral(host: string): boolean {
  return host.includes(":") || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host);
}
