/**
 * `resumeRetrieve()`: after a {@link RetrieveInterruptedError}, the rest of the list on
 * new sessions.
 *
 * @module
 */

import { FtpError } from "@ftpkit/errors";
import { RetrieveInterruptedError } from "./errors.ts";
import type { RetrieveOptions } from "./options.ts";
import type { RetrievedFile } from "./retrieved-file.ts";
import { continueRetrieve, type Session } from "./session.ts";

/** Options of {@link resumeRetrieve}: those of `retrieve()`, and how often to reconnect. */
export interface ResumeRetrieveOptions extends RetrieveOptions {
  /**
   * New sessions opened at most, one after each interruption. Default 3. When the last
   * one is interrupted too, the error is thrown with everything completed so far.
   */
  sessions?: number;
}

/**
 * Continues an interrupted retrieve: opens a session with `openSession` and yields the
 * files of `error.remaining` (the file that was in flight first, from its start), in
 * order, as `retrieve()` does. When that session ends between two files, another one
 * is opened for what is left, up to `sessions` times. Each session is closed when its
 * part is done, also on `break`. When a session ends while the loop reads a body, the
 * body rejects with a RetrieveInterruptedError that covers the whole list (the files
 * of the first retrieve included): pass it to `resumeRetrieve` again.
 *
 * @throws {RetrieveInterruptedError} when the last session ends early, or a session
 *   cannot be opened (its error is the `cause`); `completed` lists the files of every
 *   session so far, the first one's included, and `remaining` what is still to do
 *
 * @example
 * ```ts
 * import { connect, resumeRetrieve, RetrieveInterruptedError } from "@ftpkit/client";
 *
 * const open = () => connect(url, { sockets });
 * const save = async (file) => { await file.pipeTo(sinkFor(file.path)); };
 * await using session = await open();
 * try {
 *   for await (const file of session.retrieve(paths)) await save(file);
 * } catch (error) {
 *   if (!RetrieveInterruptedError.isInstance(error)) throw error;
 *   for await (const file of resumeRetrieve(error, open)) await save(file);
 * }
 * ```
 */
export async function* resumeRetrieve(
  error: RetrieveInterruptedError,
  openSession: () => Promise<Session>,
  options: ResumeRetrieveOptions = {},
): AsyncGenerator<RetrievedFile, void, undefined> {
  const { sessions = 3, ...retrieveOptions } = options;
  const completed = [...error.completed];
  let remaining = [...error.remaining];
  let last: RetrieveInterruptedError = error;
  for (let attempt = 0; attempt < Math.max(1, sessions) && remaining.length > 0; attempt++) {
    let session: Session;
    try {
      session = await openSession();
    } catch (cause) {
      throw merged(last, completed, remaining, cause, "A new session could not be opened");
    }
    try {
      // Its interruption errors list what earlier sessions completed too: a body that
      // fails in the caller's loop carries the whole picture.
      yield* continueRetrieve(session, remaining, retrieveOptions, completed);
      return;
    } catch (caught) {
      if (!RetrieveInterruptedError.isInstance(caught)) throw caught;
      completed.splice(0, completed.length, ...caught.completed);
      remaining = [...caught.remaining];
      last = caught;
    } finally {
      await session.close();
    }
  }
  if (remaining.length === 0) return;
  throw merged(
    last,
    completed,
    remaining,
    last.cause ?? last,
    "The retrieve was interrupted again",
  );
}

function merged(
  last: RetrieveInterruptedError,
  completed: readonly string[],
  remaining: readonly string[],
  cause: unknown,
  what: string,
): RetrieveInterruptedError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  const ftp = FtpError.isInstance(cause) ? cause : undefined;
  return new RetrieveInterruptedError(
    `${what} after ${completed.length} files (${remaining.length} left): ${reason}`,
    {
      completed,
      remaining,
      cause,
      command: ftp?.command ?? last.command,
      code: ftp?.code ?? last.code,
      replyText: ftp?.replyText ?? last.replyText,
    },
  );
}
