/**
 * `ftpkit`'s entry point as a function: arguments and streams in, exit code out, so
 * that tests run it in-process and the binary is a thin wrapper.
 *
 * @module
 */

import { FtpAbortError } from "@ftpkit/errors";
import { type Command, parseCommand, USAGE } from "./args.ts";
import { runGet } from "./commands/get.ts";
import { runLs } from "./commands/ls.ts";
import { runMirror } from "./commands/mirror.ts";
import { runServe } from "./commands/serve.ts";
import { EXIT, exitCodeFor } from "./exit-codes.ts";
import type { CliIo } from "./io.ts";
import { runtimeSockets } from "./runtime-sockets.ts";
import { VERSION } from "./version.ts";

/**
 * Runs `ftpkit` with `argv` (without the program name) and resolves with the exit code
 * (see `EXIT`). Errors are printed to `io.stderr`, never thrown.
 *
 * @example
 * ```ts
 * const code = await main(["ls", "ftp://127.0.0.1:2121/"], {
 *   stdout: { write: (s) => process.stdout.write(s) },
 *   stderr: { write: (s) => process.stderr.write(s) },
 * });
 * ```
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let command: Command;
  try {
    command = parseCommand(argv);
  } catch (error) {
    io.stderr.write(`ftpkit: ${(error as Error).message}\nRun "ftpkit --help" for the usage.\n`);
    return EXIT.usage;
  }
  if (command.name === "help") {
    io.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  if (command.name === "version") {
    io.stdout.write(`ftpkit ${VERSION}\n`);
    return EXIT.ok;
  }
  try {
    const sockets = io.sockets ?? (await runtimeSockets());
    switch (command.name) {
      case "get":
        return await runGet(command, io, sockets);
      case "ls":
        return await runLs(command, io, sockets);
      case "mirror":
        return await runMirror(command, io, sockets);
      case "serve":
        return await runServe(command, io, sockets);
    }
  } catch (error) {
    if (io.signal?.aborted && !FtpAbortError.isInstance(error)) {
      io.stderr.write("ftpkit: interrupted\n");
      return EXIT.interrupted;
    }
    io.stderr.write(`ftpkit: ${(error as Error).message}\n`);
    return exitCodeFor(error);
  }
}
