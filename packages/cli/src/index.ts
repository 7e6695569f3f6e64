/**
 * `ftpkit` (JSR: `@ftpkit/cli`): the command line — get, ls, mirror, serve — as a
 * function you can call, and the binary `ftpkit`.
 *
 * @example
 * ```ts
 * import { main } from "ftpkit";
 * const code = await main(["get", "ftp://127.0.0.1:2121/a.txt", "-o", "out"], {
 *   stdout: { write: (s) => process.stdout.write(s) },
 *   stderr: { write: (s) => process.stderr.write(s) },
 * });
 * ```
 *
 * @module
 */

export {
  type Command,
  type CommonOptions,
  type GetCommand,
  type InfoCommand,
  type LsCommand,
  type MirrorCommand,
  parseCommand,
  type ServeCommand,
  USAGE,
} from "./args.ts";
export { formatEntry } from "./commands/ls.ts";
export { EXIT, type ExitCode, exitCodeFor } from "./exit-codes.ts";
export type { CliIo, CliStream } from "./io.ts";
export { main } from "./main.ts";
export { ConnectFailedError } from "./remote-session.ts";
export { VERSION } from "./version.ts";
