/**
 * `ftpkit get URL... [-o DIR|-]`: downloads files, one session per server, in the
 * order given.
 *
 * @module
 */

import type { Session } from "@ftpkit/client";
import type { SocketAdapter } from "@ftpkit/socket";
import type { GetCommand } from "../args.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import type { CliIo } from "../io.ts";
import { localTarget, saveBody } from "../local-files.ts";
import { createProgress, retrieveReporting, totalsOf } from "../progress.ts";
import { locate, openSession } from "../remote-session.ts";

interface Wanted {
  path: string;
  size: number | undefined;
}

/** The files a group of URLs on one server names: files as given, folders listed. */
async function filesOf(
  session: Session,
  paths: { path: string; folder: boolean }[],
  signal?: AbortSignal,
): Promise<Wanted[]> {
  const wanted: Wanted[] = [];
  for (const p of paths) {
    if (!p.folder) {
      wanted.push({ path: p.path, size: undefined });
      continue;
    }
    const entries = await session.list(p.path, signal === undefined ? {} : { signal });
    for (const entry of entries
      .filter((e) => e.kind === "file")
      .sort((a, b) => (a.name < b.name ? -1 : 1))) {
      wanted.push({ path: `${p.path}${entry.name}`, size: entry.size });
    }
  }
  return wanted;
}

/** Runs `get`; resolves with the exit code. */
export async function runGet(
  command: GetCommand,
  io: CliIo,
  sockets: SocketAdapter,
): Promise<ExitCode> {
  const toStdout = command.out === "-";
  // One session per login URL, in the order the URLs first name it.
  const groups = new Map<string, { path: string; folder: boolean }[]>();
  for (const url of command.urls) {
    const location = locate(url);
    const group = groups.get(location.loginUrl) ?? [];
    group.push({ path: location.path, folder: location.folder });
    groups.set(location.loginUrl, group);
  }
  let failures = 0;
  for (const [loginUrl, paths] of groups) {
    await using session = await openSession(loginUrl, sockets, command, io.signal);
    const wanted = await filesOf(session, paths, io.signal);
    const progress = createProgress({
      bar: io.stderr,
      lines: toStdout ? io.stderr : io.stdout,
      errors: io.stderr,
      quiet: command.quiet,
      totals: totalsOf(wanted.map((w) => w.size)),
    });
    const files = retrieveReporting(
      session,
      wanted.map((w) => w.path),
      command,
      progress,
      io.signal,
    );
    for await (const file of files) {
      if (!file.ok) {
        failures++;
        progress.fileFailed(file.path, file.error?.message ?? "failed");
        continue;
      }
      try {
        if (toStdout) {
          let bytes = 0;
          for await (const chunk of file.body) {
            await io.writeStdout?.(chunk);
            bytes += chunk.length;
          }
          progress.fileDone(file.path, bytes);
        } else {
          // `get` saves under the base name, as curl -O and wget do.
          const name = file.path.split("/").filter(Boolean).pop() ?? file.path;
          const target = localTarget(command.out, name);
          const bytes = await saveBody(file.body, target);
          progress.fileDone(file.path, bytes, target);
        }
      } catch (error) {
        if (io.signal?.aborted) throw error;
        failures++;
        progress.fileFailed(file.path, (error as Error).message);
      }
    }
    progress.finish(`mode ${session.autoMode ?? command.mode}`);
  }
  return failures === 0 ? EXIT.ok : EXIT.failed;
}
