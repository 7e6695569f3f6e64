/**
 * `ftpkit mirror URL DIR`: copies a remote folder tree into a local folder. Files whose
 * local copy has the same size and is not older than the remote one are skipped
 * (`--force` fetches everything); saved files get the remote modification time, so the
 * next mirror skips them. Symlinks are not followed.
 *
 * @module
 */

import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { Session } from "@ftpkit/client";
import type { SocketAdapter } from "@ftpkit/socket";
import type { MirrorCommand } from "../args.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import type { CliIo } from "../io.ts";
import { localFile, localTarget, saveBody } from "../local-files.ts";
import { createProgress, retrieveReporting, totalsOf } from "../progress.ts";
import { locate, openSession } from "../remote-session.ts";

/** A remote file found by the walk. */
interface RemoteFile {
  /** Path relative to the mirrored folder. */
  relative: string;
  size: number | undefined;
  modifiedAt: Date | undefined;
}

/** Bounds of the walk: a hostile or looping server cannot make it run forever. */
const MAX_DEPTH = 64;
const MAX_ENTRIES = 1_000_000;

/** Lists `base` recursively; returns files and folders relative to it. */
async function walk(
  session: Session,
  base: string,
  signal: AbortSignal | undefined,
): Promise<{ files: RemoteFile[]; folders: string[] }> {
  const files: RemoteFile[] = [];
  const folders: string[] = [];
  const queue: { relative: string; depth: number }[] = [{ relative: "", depth: 0 }];
  let seen = 0;
  while (queue.length > 0) {
    const { relative, depth } = queue.shift()!;
    const entries = await session.list(
      `${base}${relative}`,
      signal === undefined ? {} : { signal },
    );
    for (const entry of entries) {
      if (++seen > MAX_ENTRIES)
        throw new Error(`More than ${MAX_ENTRIES} entries under "${base}": giving up`);
      if (entry.name === "." || entry.name === ".." || entry.name.includes("/")) continue;
      const path = `${relative}${entry.name}`;
      if (entry.kind === "directory" && depth < MAX_DEPTH) {
        folders.push(path);
        queue.push({ relative: `${path}/`, depth: depth + 1 });
      } else if (entry.kind === "file") {
        files.push({ relative: path, size: entry.size, modifiedAt: entry.modifiedAt });
      }
    }
  }
  return { files, folders };
}

/** Runs `mirror`; resolves with the exit code. */
export async function runMirror(
  command: MirrorCommand,
  io: CliIo,
  sockets: SocketAdapter,
): Promise<ExitCode> {
  const location = locate(command.url);
  const base = location.path === "" ? "" : location.path.replace(/\/*$/, "/");
  await using session = await openSession(location.loginUrl, sockets, command, io.signal);
  const { files, folders } = await walk(session, base, io.signal);

  let failures = 0;
  const report = (path: string, message: string): void => {
    failures++;
    io.stderr.write(`ftpkit: ${path}: ${message}\n`);
  };
  const wanted: { remote: string; target: string; file: RemoteFile }[] = [];
  let upToDate = 0;
  for (const folder of folders) {
    try {
      await mkdir(localTarget(command.dir, folder), { recursive: true });
    } catch (error) {
      report(`${base}${folder}/`, (error as Error).message);
    }
  }
  for (const file of files) {
    let target: string;
    try {
      target = localTarget(command.dir, file.relative);
    } catch (error) {
      report(`${base}${file.relative}`, (error as Error).message);
      continue;
    }
    const local = command.force ? undefined : await localFile(target);
    const current =
      local !== undefined &&
      local.size === file.size &&
      (file.modifiedAt === undefined || local.modified.getTime() >= file.modifiedAt.getTime());
    if (current) upToDate++;
    else wanted.push({ remote: `${base}${file.relative}`, target, file });
  }
  await mkdir(command.dir, { recursive: true });
  const progress = createProgress({
    bar: io.stderr,
    lines: io.stdout,
    errors: io.stderr,
    quiet: command.quiet,
    totals: totalsOf(wanted.map((w) => w.file.size)),
  });
  const byRemote = new Map(wanted.map((w) => [w.remote, w]));
  const retrieved = retrieveReporting(
    session,
    wanted.map((w) => w.remote),
    command,
    progress,
    io.signal,
  );
  for await (const file of retrieved) {
    if (!file.ok) {
      failures++;
      progress.fileFailed(file.path, file.error?.message ?? "failed");
      continue;
    }
    const want = byRemote.get(file.path)!;
    try {
      await mkdir(dirname(want.target), { recursive: true });
      const bytes = await saveBody(file.body, want.target, want.file.modifiedAt);
      progress.fileDone(file.path, bytes, want.target);
    } catch (error) {
      if (io.signal?.aborted) throw error;
      failures++;
      progress.fileFailed(file.path, (error as Error).message);
    }
  }
  progress.finish(
    `${upToDate} up to date, ${folders.length} folder${folders.length === 1 ? "" : "s"}`,
  );
  return failures === 0 ? EXIT.ok : EXIT.failed;
}
