/**
 * The command line of `ftpkit-server`, parsed into what the server needs.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { FtpUsageError } from "@ftpkit/errors";

/** The usage text. */
export const USAGE: string = `Usage: ftpkit-server --root DIR [--host 127.0.0.1] [--port 2121]
                     [--user NAME --password PASS | --anonymous] [--read-only]
                     [--passive-ports FROM-TO] [--passive-address ADDR]
                     [--tls-cert FILE --tls-key FILE [--implicit] [--require-tls] [--require-session-reuse]]
                     [--max-sessions N] [--max-sessions-per-ip N] [--verbose]

Serves DIR over FTP. Prints "ftpkit-server listening on ftp://HOST:PORT" as its first
line once ready; stops cleanly on SIGINT and SIGTERM. --port 0 picks a free port.`;

/** What the command line asks for. */
export interface CliConfig {
  root: string;
  host: string;
  port: number;
  user: string | undefined;
  password: string | undefined;
  anonymous: boolean;
  readOnly: boolean;
  passivePorts: { from: number; to: number } | undefined;
  passiveAddress: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  implicit: boolean;
  requireTls: boolean;
  requireSessionReuse: boolean;
  maxSessions: number | undefined;
  maxSessionsPerIp: number | undefined;
  verbose: boolean;
  help: boolean;
}

function count(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(text))
    throw new FtpUsageError(`${what} must be a positive number, got "${text}"`);
  return Number(text);
}

function port(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535)
    throw new FtpUsageError(`${what} must be a port 0-65535, got "${text}"`);
  return n;
}

/**
 * Parses `ftpkit-server` arguments. Throws an {@link FtpUsageError} naming the problem.
 *
 * @example
 * ```ts
 * parseCliArgs(["--root", "/srv", "--port", "0", "--anonymous"]).port; // 0
 * ```
 */
export function parseCliArgs(argv: string[]): CliConfig {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        root: { type: "string" },
        host: { type: "string" },
        port: { type: "string" },
        user: { type: "string" },
        password: { type: "string" },
        anonymous: { type: "boolean" },
        "read-only": { type: "boolean" },
        "passive-ports": { type: "string" },
        "passive-address": { type: "string" },
        "tls-cert": { type: "string" },
        "tls-key": { type: "string" },
        implicit: { type: "boolean" },
        "require-tls": { type: "boolean" },
        "require-session-reuse": { type: "boolean" },
        "max-sessions": { type: "string" },
        "max-sessions-per-ip": { type: "string" },
        verbose: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    throw new FtpUsageError((error as Error).message, { cause: error });
  }
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const flag = (k: string): boolean => values[k] === true;
  const config: CliConfig = {
    root: str("root") ?? "",
    host: str("host") ?? "127.0.0.1",
    port: port(str("port") ?? "2121", "--port"),
    user: str("user"),
    password: str("password"),
    anonymous: flag("anonymous"),
    readOnly: flag("read-only"),
    passivePorts: undefined,
    passiveAddress: str("passive-address"),
    tlsCert: str("tls-cert"),
    tlsKey: str("tls-key"),
    implicit: flag("implicit"),
    requireTls: flag("require-tls"),
    requireSessionReuse: flag("require-session-reuse"),
    maxSessions: count(str("max-sessions"), "--max-sessions"),
    maxSessionsPerIp: count(str("max-sessions-per-ip"), "--max-sessions-per-ip"),
    verbose: flag("verbose"),
    help: flag("help"),
  };
  if (config.help) return config;
  if (config.root === "") throw new FtpUsageError("--root DIR is required");
  const range = str("passive-ports");
  if (range !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(range);
    if (m === null) throw new FtpUsageError(`--passive-ports must be FROM-TO, got "${range}"`);
    const from = port(m[1]!, "--passive-ports");
    const to = port(m[2]!, "--passive-ports");
    if (from < 1 || to < from) throw new FtpUsageError(`--passive-ports range "${range}" is empty`);
    config.passivePorts = { from, to };
  }
  if ((config.user === undefined) !== (config.password === undefined)) {
    throw new FtpUsageError("--user and --password go together");
  }
  if (config.user === undefined && !config.anonymous) {
    throw new FtpUsageError("Say who may log in: --user NAME --password PASS, or --anonymous");
  }
  if ((config.tlsCert === undefined) !== (config.tlsKey === undefined)) {
    throw new FtpUsageError("--tls-cert and --tls-key go together");
  }
  if (
    config.tlsCert === undefined &&
    (config.implicit || config.requireTls || config.requireSessionReuse)
  ) {
    throw new FtpUsageError(
      "--implicit, --require-tls and --require-session-reuse need --tls-cert and --tls-key",
    );
  }
  return config;
}
