#!/usr/bin/env node
/**
 * `ftpkit-server`: serves a folder over FTP from the command line, under Node, Deno
 * or Bun (each with its own socket adapter).
 *
 * @module
 */

import { readFile, stat } from "node:fs/promises";
import process from "node:process";
import { FtpUsageError } from "@ftpkit/errors";
import type { SocketAdapter } from "@ftpkit/socket";
import { type CliConfig, parseCliArgs, USAGE } from "./cli-args.ts";
import type { ServerOptions } from "./options.ts";
import { createServer } from "./server.ts";
import { formatLogEntry } from "./server-log.ts";
import { folderStorage } from "./storage/folder-storage.ts";

/** The socket adapter of the runtime this runs on. */
async function runtimeSockets(): Promise<SocketAdapter> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return (await import("@ftpkit/socket-deno")).denoSockets();
  if (g.Bun !== undefined) return (await import("@ftpkit/socket-bun")).bunSockets();
  return (await import("@ftpkit/socket-node")).nodeSockets();
}

async function serverOptions(config: CliConfig): Promise<ServerOptions> {
  const root = await stat(config.root).catch(() => undefined);
  if (root?.isDirectory() !== true)
    throw new FtpUsageError(`--root "${config.root}" is not a directory`);
  const storage = folderStorage(config.root);
  const options: ServerOptions = {
    sockets: await runtimeSockets(),
    storage,
    anonymous: config.anonymous ? { readOnly: config.readOnly } : false,
    // Nothing reads `server.log.entries` here (--verbose prints each entry as it comes):
    // kept, they would grow the heap by every command a long-running server answers.
    logEntries: 0,
  };
  options.limits = {};
  if (config.maxSessions !== undefined) options.limits.maxSessions = config.maxSessions;
  if (config.maxSessionsPerIp !== undefined)
    options.limits.maxSessionsPerIp = config.maxSessionsPerIp;
  if (config.user !== undefined) {
    options.users = {
      [config.user]: { password: config.password ?? "", readOnly: config.readOnly },
    };
  }
  if (config.passivePorts !== undefined || config.passiveAddress !== undefined) {
    options.passive = {};
    if (config.passivePorts !== undefined) options.passive.ports = config.passivePorts;
    if (config.passiveAddress !== undefined) options.passive.address = config.passiveAddress;
  }
  if (config.tlsCert !== undefined && config.tlsKey !== undefined) {
    options.tls = {
      cert: await readFile(config.tlsCert, "utf8"),
      key: await readFile(config.tlsKey, "utf8"),
      implicit: config.implicit,
      require: config.requireTls,
      requireSessionReuse: config.requireSessionReuse,
    };
  }
  return options;
}

async function main(argv: string[]): Promise<number> {
  let config: CliConfig;
  try {
    config = parseCliArgs(argv);
  } catch (error) {
    process.stderr.write(`ftpkit-server: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (config.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const server = createServer(await serverOptions(config));
  await server.listen({ host: config.host, port: config.port });
  process.stdout.write(`ftpkit-server listening on ${server.url}\n`);
  if (config.verbose)
    server.log.subscribe((entry) => process.stderr.write(`${formatLogEntry(entry)}\n`));
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  process.stdout.write("ftpkit-server stopped\n");
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`ftpkit-server: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
