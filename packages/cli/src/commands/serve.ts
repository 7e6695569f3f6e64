/**
 * `ftpkit serve DIR`: serves a folder with @ftpkit/server until interrupted.
 *
 * @module
 */

import { stat } from "node:fs/promises";
import { FtpUsageError, formatAddress } from "@ftpkit/errors";
import { createServer, folderStorage, type ServerOptions } from "@ftpkit/server";
import type { SocketAdapter } from "@ftpkit/socket";
import type { ServeCommand } from "../args.ts";
import { EXIT, type ExitCode } from "../exit-codes.ts";
import type { CliIo } from "../io.ts";

/** Runs `serve` until `io.signal` aborts; resolves with the exit code. */
export async function runServe(
  command: ServeCommand,
  io: CliIo,
  sockets: SocketAdapter,
): Promise<ExitCode> {
  const folder = await stat(command.dir).catch(() => undefined);
  if (folder?.isDirectory() !== true)
    throw new FtpUsageError(`serve: "${command.dir}" is not a folder`);
  const options: ServerOptions = { sockets, storage: folderStorage(command.dir) };
  let who: string;
  if (command.user !== undefined) {
    options.users = {
      [command.user]: { password: command.password ?? "", readOnly: command.readOnly },
    };
    options.anonymous = false;
    who = `user "${command.user}"${command.readOnly ? ", read-only" : ""}`;
  } else {
    // Anonymous access never writes: give a user and password for uploads.
    options.anonymous = { readOnly: true };
    who = "anonymous, read-only";
  }
  if (command.passivePorts !== undefined) options.passive = { ports: command.passivePorts };
  await using server = createServer(options);
  const address = await server.listen({ host: command.host, port: command.port });
  const url = `ftp://${formatAddress(address.hostname, address.port)}/`;
  io.stdout.write(`ftpkit: serving "${command.dir}" at ${url} (${who}); Ctrl-C stops\n`);
  io.onListening?.(url);
  await new Promise<void>((resolve) => {
    if (io.signal === undefined) return;
    if (io.signal.aborted) resolve();
    else io.signal.addEventListener("abort", () => resolve(), { once: true });
  });
  const stats = server.log.stats();
  io.stdout.write(
    `ftpkit: stopped after ${server.log.sessions().length} session(s), ${stats.transfers} transfer(s)\n`,
  );
  return EXIT.ok;
}
