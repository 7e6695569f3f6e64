/**
 * The command line of `ftpkit`, parsed into one {@link Command}.
 *
 * @module
 */

import { parseArgs } from "node:util";
import type { ModeChoice } from "@ftpkit/client";
import { FtpUsageError } from "@ftpkit/errors";

/** The usage text. */
export const USAGE: string = `Usage: ftpkit <command> [options]

Commands:
  get URL... [-o DIR|-] [--mode M] [--concurrency N]
        Download files into DIR (default: the current folder; "-" writes them to
        standard output). A URL ending in "/" means every file in that folder.
  ls URL [-l]
        List a folder (-l: kind, size, date).
  mirror URL DIR [--mode M] [--concurrency N] [--force]
        Copy the folder tree at URL into DIR; files whose local copy has the same
        size and is not older are skipped unless --force.
  serve DIR [--host H] [--port N] [--user NAME --password PASS] [--read-only]
            [--passive-ports FROM-TO]
        Serve DIR over FTP with @ftpkit/server (default 127.0.0.1:2121; anonymous
        read-only when no user is given). Stops on Ctrl-C.

Options:
  --mode M          auto (default), S, B, C, Z or E
  --concurrency N   control connections to use (default 1)
  --insecure        accept any TLS certificate (ftpes://, ftps://)
  -q, --quiet       no progress bar and no per-file lines
  -h, --help        this text
  -V, --version     the version

URLs: ftp://user:password@host:port/path, ftpes:// (explicit TLS), ftps:// (implicit TLS).
Exit codes: 0 done, 1 some files failed, 2 bad command line, 3 cannot connect or
log in, 130 interrupted.`;

/** Options every command takes. */
export interface CommonOptions {
  quiet: boolean;
  insecure: boolean;
}

/** `ftpkit get`. */
export interface GetCommand extends CommonOptions {
  name: "get";
  urls: string[];
  /** Folder to save into, or "-" for standard output. */
  out: string;
  mode: ModeChoice;
  concurrency: number;
}

/** `ftpkit ls`. */
export interface LsCommand extends CommonOptions {
  name: "ls";
  url: string;
  long: boolean;
}

/** `ftpkit mirror`. */
export interface MirrorCommand extends CommonOptions {
  name: "mirror";
  url: string;
  dir: string;
  mode: ModeChoice;
  concurrency: number;
  force: boolean;
}

/** `ftpkit serve`. */
export interface ServeCommand extends CommonOptions {
  name: "serve";
  dir: string;
  host: string;
  port: number;
  user: string | undefined;
  password: string | undefined;
  readOnly: boolean;
  passivePorts: { from: number; to: number } | undefined;
}

/** `ftpkit --help`, `ftpkit --version`. */
export interface InfoCommand {
  name: "help" | "version";
}

/** What the command line asks for. */
export type Command = GetCommand | LsCommand | MirrorCommand | ServeCommand | InfoCommand;

const MODES: readonly ModeChoice[] = ["auto", "S", "B", "C", "Z", "E"];

type OptionSpec = { type: "string" | "boolean"; short?: string };

const COMMON: Record<string, OptionSpec> = {
  quiet: { type: "boolean", short: "q" },
  insecure: { type: "boolean" },
  help: { type: "boolean", short: "h" },
};

const TRANSFER: Record<string, OptionSpec> = {
  mode: { type: "string" },
  concurrency: { type: "string" },
};

const OPTIONS: Record<string, Record<string, OptionSpec>> = {
  get: { ...COMMON, ...TRANSFER, out: { type: "string", short: "o" } },
  ls: { ...COMMON, long: { type: "boolean", short: "l" } },
  mirror: { ...COMMON, ...TRANSFER, force: { type: "boolean" } },
  serve: {
    ...COMMON,
    host: { type: "string" },
    port: { type: "string" },
    user: { type: "string" },
    password: { type: "string" },
    "read-only": { type: "boolean" },
    "passive-ports": { type: "string" },
  },
};

function modeOf(text: string | undefined): ModeChoice {
  if (text === undefined) return "auto";
  const mode = text === "auto" ? "auto" : text.toUpperCase();
  if (!MODES.includes(mode as ModeChoice)) {
    throw new FtpUsageError(`--mode must be one of ${MODES.join(", ")}, got "${text}"`);
  }
  return mode as ModeChoice;
}

function positiveInt(
  text: string | undefined,
  what: string,
  fallback: number,
  max: number,
): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > max) {
    throw new FtpUsageError(`${what} must be a whole number from 1 to ${max}, got "${text}"`);
  }
  return n;
}

function portOf(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535)
    throw new FtpUsageError(`${what} must be a port 0-65535, got "${text}"`);
  return n;
}

function portRangeOf(text: string | undefined): { from: number; to: number } | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)-(\d+)$/.exec(text);
  const from = m ? portOf(m[1]!, "--passive-ports") : Number.NaN;
  const to = m ? portOf(m[2]!, "--passive-ports") : Number.NaN;
  if (!m || from < 1 || to < from) {
    throw new FtpUsageError(`--passive-ports must look like 50000-50100, got "${text}"`);
  }
  return { from, to };
}

function checkUrl(text: string): string {
  if (!/^(ftp|ftpes|ftps):\/\//i.test(text)) {
    throw new FtpUsageError(`"${text}" is not an FTP URL (ftp://, ftpes:// or ftps://)`);
  }
  return text;
}

/**
 * Parses `ftpkit`'s arguments (without the program name).
 *
 * @throws {FtpUsageError} naming what is wrong
 *
 * @example
 * ```ts
 * parseCommand(["get", "ftp://h/a.txt", "-o", "out"]); // { name: "get", urls: [...], out: "out", ... }
 * ```
 */
export function parseCommand(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === "-h" || first === "--help" || first === "help")
    return { name: "help" };
  if (first === "-V" || first === "--version") return { name: "version" };
  const spec = OPTIONS[first];
  if (spec === undefined)
    throw new FtpUsageError(`Unknown command "${first}" (commands: get, ls, mirror, serve)`);
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      options: spec,
      allowPositionals: true,
      strict: true,
    }));
  } catch (cause) {
    throw new FtpUsageError(`${first}: ${(cause as Error).message}`, { cause });
  }
  if (values.help === true) return { name: "help" };
  const common: CommonOptions = {
    quiet: values.quiet === true,
    insecure: values.insecure === true,
  };
  const str = (key: string): string | undefined => values[key] as string | undefined;
  switch (first) {
    case "get":
      if (positionals.length === 0) throw new FtpUsageError("get needs at least one URL");
      return {
        name: "get",
        ...common,
        urls: positionals.map(checkUrl),
        out: str("out") ?? ".",
        mode: modeOf(str("mode")),
        concurrency: positiveInt(str("concurrency"), "--concurrency", 1, 64),
      };
    case "ls":
      if (positionals.length !== 1) throw new FtpUsageError("ls needs exactly one URL");
      return { name: "ls", ...common, url: checkUrl(positionals[0]!), long: values.long === true };
    case "mirror":
      if (positionals.length !== 2)
        throw new FtpUsageError("mirror needs a URL and a folder: mirror URL DIR");
      return {
        name: "mirror",
        ...common,
        url: checkUrl(positionals[0]!),
        dir: positionals[1]!,
        mode: modeOf(str("mode")),
        concurrency: positiveInt(str("concurrency"), "--concurrency", 1, 64),
        force: values.force === true,
      };
    default: {
      if (positionals.length !== 1)
        throw new FtpUsageError("serve needs exactly one folder: serve DIR");
      const user = str("user");
      const password = str("password");
      if ((user === undefined) !== (password === undefined)) {
        throw new FtpUsageError("serve: give --user and --password together");
      }
      return {
        name: "serve",
        ...common,
        dir: positionals[0]!,
        host: str("host") ?? "127.0.0.1",
        port: str("port") === undefined ? 2121 : portOf(str("port")!, "--port"),
        user,
        password,
        readOnly: values["read-only"] === true,
        passivePorts: portRangeOf(str("passive-ports")),
      };
    }
  }
}
