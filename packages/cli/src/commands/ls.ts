/**
 * `ftpkit ls URL [-l]`: lists a folder.
 *
 * @module
 */

import type { FileEntry } from "@ftpkit/client";
import type { SocketAdapter } from "@ftpkit/socket";
import type { LsCommand } from "../args.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import type { CliIo } from "../io.ts";
import { locate, openSession } from "../remote-session.ts";

const KIND_LETTER: Record<string, string> = { file: "-", directory: "d", symlink: "l" };

/** One `ls -l` line: kind, size, UTC time to the minute, name (folders end in "/"). */
export function formatEntry(entry: FileEntry, long: boolean): string {
  const name = `${entry.name}${entry.kind === "directory" ? "/" : ""}${entry.target === undefined ? "" : ` -> ${entry.target}`}`;
  if (!long) return name;
  const when =
    entry.modifiedAt === undefined
      ? "-".padEnd(16)
      : entry.modifiedAt.toISOString().slice(0, 16).replace("T", " ");
  const size = entry.kind === "directory" || entry.size === undefined ? "-" : String(entry.size);
  return `${KIND_LETTER[entry.kind] ?? "?"} ${size.padStart(12)}  ${when}  ${name}`;
}

/** Runs `ls`; resolves with the exit code. */
export async function runLs(
  command: LsCommand,
  io: CliIo,
  sockets: SocketAdapter,
): Promise<ExitCode> {
  const location = locate(command.url);
  await using session = await openSession(location.loginUrl, sockets, command, io.signal);
  const entries = await session.list(
    location.path,
    io.signal === undefined ? {} : { signal: io.signal },
  );
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) io.stdout.write(`${formatEntry(entry, command.long)}\n`);
  return EXIT.ok;
}
