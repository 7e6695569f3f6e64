#!/usr/bin/env node
/**
 * The `ftpkit` binary: {@link main} on the process's arguments and streams. Ctrl-C
 * aborts the command (a transfer in flight is aborted cleanly); a second Ctrl-C exits
 * at once.
 *
 * @module
 */

import process from "node:process";
import { FtpAbortError } from "@ftpkit/errors";
import { EXIT } from "./exit-codes.ts";
import { main } from "./main.ts";

const controller = new AbortController();
process.on("SIGINT", () => {
  if (controller.signal.aborted) process.exit(EXIT.interrupted);
  controller.abort(new FtpAbortError("Interrupted"));
});
process.once("SIGTERM", () => controller.abort(new FtpAbortError("Terminated")));

process.exitCode = await main(process.argv.slice(2), {
  stdout: {
    write: (chunk) => void process.stdout.write(chunk),
    isTTY: process.stdout.isTTY === true,
    columns: process.stdout.columns,
  },
  stderr: {
    write: (chunk) => void process.stderr.write(chunk),
    isTTY: process.stderr.isTTY === true,
    get columns() {
      return process.stderr.columns;
    },
  },
  signal: controller.signal,
  writeStdout: (chunk) =>
    new Promise<void>((resolve, reject) => {
      // Resolves once the chunk is flushed, so a slow reader slows the download.
      process.stdout.write(chunk, (error) => (error ? reject(error) : resolve()));
    }),
});
