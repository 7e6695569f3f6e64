/**
 * The exit codes of `ftpkit`, and which error maps to which.
 *
 * @module
 */

import { FtpAbortError, FtpUsageError } from "@ftpkit/errors";
import { ConnectFailedError } from "./remote-session.ts";

/** What `ftpkit` exits with. */
export const EXIT = {
  /** Everything asked for was done. */
  ok: 0,
  /** Some files (or the command) failed on the server or in transfer; the rest was done. */
  failed: 1,
  /** The command line was wrong (unknown command or option, bad URL). */
  usage: 2,
  /** The server could not be reached, or refused the login. */
  connect: 3,
  /** Interrupted (Ctrl-C). */
  interrupted: 130,
} as const;

/** One of {@link EXIT}'s values. */
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The exit code for an error that ended a command. */
export function exitCodeFor(error: unknown): ExitCode {
  if (FtpUsageError.isInstance(error)) return EXIT.usage;
  if (FtpAbortError.isInstance(error)) return EXIT.interrupted;
  if (ConnectFailedError.isInstance(error)) return EXIT.connect;
  return EXIT.failed;
}
