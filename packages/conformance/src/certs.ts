/**
 * A test certificate for TLS on loopback: a leaf for `localhost` (SAN DNS:localhost,
 * IP:127.0.0.1, IP:::1) issued by a small test CA, both valid for 100 years.
 *
 * A CA plus a leaf, rather than one self-signed certificate, because rustls (Deno's TLS)
 * rejects a self-signed CA certificate used as the server's own certificate
 * (`CaUsedAsEndEntity`), and OpenSSL (Node, Bun) does not trust a bare leaf given as `ca`.
 * Trust `testCertificate.ca`; serve `testCertificate.cert` with `testCertificate.key`.
 *
 * Generated once with OpenSSL (EC P-256) and committed; the private key is public on
 * purpose and must never protect anything.
 *
 * @module
 */

/** A certificate chain and key to serve, and the CA that clients trust. */
export interface TestCertificate {
  /** The server certificate (PEM), CN=localhost. */
  readonly cert: string;
  /** The server's private key (PEM, PKCS#8). */
  readonly key: string;
  /** The CA certificate (PEM) that issued `cert`: pass it as the client's `ca`. */
  readonly ca: string;
}

const CA = `-----BEGIN CERTIFICATE-----
MIIBmDCCAT+gAwIBAgIUaLAHxZG8yjplJdNn33kk7WIo+N0wCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOZnRwa2l0IHRlc3QgQ0EwIBcNMjYxMjAxMDcyNjU3WhgPMjEy
NjExMDcwNzI2NTdaMBkxFzAVBgNVBAMMDmZ0cGtpdCB0ZXN0IENBMFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAEFu+p6kEL6JvCXeBfo/Km6Jzi/X3X3pJAHzx8+QOA
WM+XUTE/OsfTiH3L7FEUtSooJ9DBBh3dkvW6IRWj8GA/taNjMGEwHQYDVR0OBBYE
FNjRWCSOsm5Q7w9TEsFoxO9HorqHMB8GA1UdIwQYMBaAFNjRWCSOsm5Q7w9TEsFo
xO9HorqHMA8GA1UdEwEB/wQFMAMBAf8wDgYDVR0PAQH/BAQDAgEGMAoGCCqGSM49
BAMCA0cAMEQCIEX1CBzfpstDKuLbmXGGJc1ZoBGbANVZBO/QROp59DhUAiBKyzZ9
99WglVVweaq0s9XKLtEtYPXXbSXdD5aSNosR+A==
-----END CERTIFICATE-----`;

const CERT = `-----BEGIN CERTIFICATE-----
MIIB1TCCAXygAwIBAgIUMnGxDDWWQmysC7CNI5wwrwZLIU0wCgYIKoZIzj0EAwIw
GTEXMBUGA1UEAwwOZnRwa2l0IHRlc3QgQ0EwIBcNMjYxMjAxMDcyNjU3WhgPMjEy
NjExMDcwNzI2NTdaMBQxEjAQBgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEG
CCqGSM49AwEHA0IABFCGoXQQEfzWR5m8+76AvFI6AVZsL+xakKv9yiVPTq/Y+AXY
xtg5zoTAxFWT59f/l5GT6FClIoGA6UYwj7Ts3JyjgaQwgaEwLAYDVR0RBCUwI4IJ
bG9jYWxob3N0hwR/AAABhxAAAAAAAAAAAAAAAAAAAAABMAwGA1UdEwEB/wQCMAAw
DgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMB8GA1UdIwQYMBaA
FNjRWCSOsm5Q7w9TEsFoxO9HorqHMB0GA1UdDgQWBBQMNMUrLfOJhyTf/Itb71YM
3SKiRjAKBggqhkjOPQQDAgNHADBEAiBW7Vnc7e0K5+fTkpPBNIcrU7uQ9Lhg4NUn
qm4n/rkbLAIgGC51GNqOlZ5X/rzgtXLXIAgvfVU5hhdRnuDRHEe9cX4=
-----END CERTIFICATE-----`;

const KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgcPaJwuB+PLf2OQBo
cNlHYpfZ0rpsI0qhXQRvEklQRgWhRANCAARQhqF0EBH81keZvPu+gLxSOgFWbC/s
WpCr/colT06v2PgF2MbYOc6EwMRVk+fX/5eRk+hQpSKBgOlGMI+07Nyc
-----END PRIVATE KEY-----`;

/**
 * The loopback test certificate.
 *
 * @example
 * ```ts
 * import { testCertificate } from "@ftpkit/conformance";
 * const listener = await sockets.listen({
 *   host: "127.0.0.1",
 *   tls: { cert: testCertificate.cert, key: testCertificate.key },
 *   implicitTls: true,
 * });
 * const socket = await sockets.connect({
 *   host: "127.0.0.1",
 *   port: listener.address.port,
 *   tls: { ca: testCertificate.ca, servername: "localhost" },
 * });
 * ```
 */
export const testCertificate: TestCertificate = Object.freeze({
  cert: `${CERT}\n`,
  key: `${KEY}\n`,
  ca: `${CA}\n`,
});
