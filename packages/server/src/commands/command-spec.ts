/**
 * The shape of an entry in the dispatch table, and helpers every command uses.
 *
 * @module
 */

import { FtpError } from "@ftpkit/errors";
import type { Session } from "../session.ts";
import type { StorageError } from "../storage/types.ts";
import { resolvePath } from "../virtual-path.ts";

/** One command of the dispatch table. */
export interface CommandSpec {
  /** Runs the command; it sends its own replies. */
  run: (session: Session, argument: string) => Promise<void>;
  /** Needs a logged-in user. Default true. */
  login?: boolean;
  /** Changes the storage: refused for read-only logins. */
  writes?: boolean;
  /** The syntax HELP shows. */
  help: string;
}

/** The session's path for a client-given one. */
export function sessionPath(session: Session, argument: string): string {
  return resolvePath(session.state.cwd, argument);
}

/** True when `error` is a storage failure (also from another copy of the package). */
export function isStorageError(error: unknown): error is StorageError {
  return FtpError.isInstance(error) && (error as Error).name === "StorageError";
}

/** Replies to a storage failure: 550 with the storage's message, 451 for anything else. */
export async function replyStorageError(session: Session, error: unknown): Promise<void> {
  if (isStorageError(error)) {
    await session.reply(error.reason === "other" ? 451 : 550, error.message);
    return;
  }
  throw error;
}
