/**
 * Where the CLI writes and what it knows about its terminal: the process's streams in
 * the binary, strings in tests.
 *
 * @module
 */

import type { SocketAdapter } from "@ftpkit/socket";

/** A text (or byte) sink. */
export interface CliStream {
  write(chunk: string | Uint8Array): void;
  /** True when the stream is a terminal: progress bars are drawn only then. */
  readonly isTTY?: boolean;
  /** The terminal's width. */
  readonly columns?: number;
}

/** What a command runs with. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** The socket adapter; default: the one of the runtime this runs on. */
  sockets?: SocketAdapter;
  /** Aborts the command (Ctrl-C); `serve` runs until it fires. */
  signal?: AbortSignal;
  /** Called by `serve` once it listens, with the URL clients use. */
  onListening?: (url: string) => void;
  /** Writes file bytes to standard output (`get -o -`); resolves once they are taken. */
  writeStdout?: (chunk: Uint8Array) => Promise<void>;
}
