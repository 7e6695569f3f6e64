/**
 * What the harness knows about each real server: its start script, where its binary
 * lives once `install-servers.sh` ran, and which TLS modes it has.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The real FTP servers the interop tests run against. */
export type RealServerName = "vsftpd" | "proftpd" | "pureftpd" | "pyftpdlib" | "gridftp";

/**
 * How the control connection is secured: `"plain"`, `"ftps"` (explicit, `AUTH TLS`,
 * RFC 4217; TLS then required for login and data) or `"ftps-implicit"` (TLS from the
 * first byte).
 */
export type RealServerTls = "plain" | "ftps" | "ftps-implicit";

/** Every server name, in the order the harness tests them. */
export const REAL_SERVER_NAMES: readonly RealServerName[] = [
  "vsftpd",
  "proftpd",
  "pureftpd",
  "pyftpdlib",
  "gridftp",
];

/** The command that installs every real server (Debian 12, as root), from the repository root. */
export const INSTALL_COMMAND = "sudo packages/interop/servers/install-servers.sh";

/** The folder holding install-servers.sh and the start-*.sh scripts. */
export const SERVERS_DIR: string = fileURLToPath(new URL("../servers/", import.meta.url));

const TLS_MODES: Readonly<Record<RealServerName, readonly RealServerTls[]>> = {
  vsftpd: ["plain", "ftps", "ftps-implicit"],
  proftpd: ["plain", "ftps", "ftps-implicit"],
  pureftpd: ["plain", "ftps"],
  pyftpdlib: ["plain", "ftps"],
  // GridFTP secures sessions with GSI (AUTH GSSAPI), not AUTH TLS.
  gridftp: ["plain"],
};

/**
 * The TLS modes `name` can be started in.
 *
 * @example
 * ```ts
 * for (const tls of tlsModesOf("pureftpd")) console.log(tls); // "plain", "ftps"
 * ```
 */
export function tlsModesOf(name: RealServerName): readonly RealServerTls[] {
  return TLS_MODES[name];
}

/** The start script of `name`. */
export function startScriptOf(name: RealServerName): string {
  return `${SERVERS_DIR}start-${name}.sh`;
}

/** Where install-servers.sh unpacks the servers that conflict with vsftpd. */
export function unpackedServersDir(): string {
  return process.env.FTPD_OPT || "/opt/ftpd";
}

/** A file that must exist for `name` (in `tls` mode) to start, and what it is. */
export interface RequiredFile {
  readonly path: string;
  readonly what: string;
}

/** The files `name` needs, given the current environment (FTPD_OPT). */
export function requiredFilesOf(name: RealServerName, tls: RealServerTls): RequiredFile[] {
  const opt = unpackedServersDir();
  const files: RequiredFile[] = [];
  switch (name) {
    case "vsftpd":
      files.push({ path: process.env.VSFTPD_BIN || "/usr/sbin/vsftpd", what: "vsftpd" });
      break;
    case "proftpd": {
      const dir = process.env.PROFTPD_DIR || `${opt}/proftpd-core`;
      files.push({ path: `${dir}/usr/sbin/proftpd`, what: "proftpd (unpacked proftpd-core)" });
      if (tls !== "plain") {
        files.push({
          path: `${dir}/usr/lib/proftpd/mod_tls.so`,
          what: "proftpd's mod_tls (unpacked proftpd-mod-crypto)",
        });
      }
      break;
    }
    case "pureftpd": {
      const dir = process.env.PUREFTPD_DIR || `${opt}/pure-ftpd`;
      files.push({ path: `${dir}/usr/sbin/pure-ftpd`, what: "pure-ftpd (unpacked)" });
      files.push({ path: `${dir}/usr/bin/pure-pw`, what: "pure-pw (unpacked pure-ftpd)" });
      break;
    }
    case "pyftpdlib":
      files.push({ path: "/usr/lib/python3/dist-packages/pyftpdlib", what: "python3-pyftpdlib" });
      if (tls !== "plain") {
        files.push({ path: "/usr/lib/python3/dist-packages/OpenSSL", what: "python3-openssl" });
      }
      files.push({ path: "/usr/bin/setpriv", what: "setpriv (util-linux)" });
      break;
    case "gridftp":
      files.push({
        path: process.env.GRIDFTP_BIN || "/usr/sbin/globus-gridftp-server",
        what: "globus-gridftp-server (globus-gridftp-server-progs)",
      });
      files.push({ path: "/usr/bin/perl", what: "perl (makes the DES-crypt password file)" });
      break;
  }
  return files;
}
