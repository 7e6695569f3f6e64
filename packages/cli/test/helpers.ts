import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer, type FtpServer, type MemorySeed, memoryStorage } from "@ftpkit/server";
import { nodeSockets } from "@ftpkit/socket-node";
import type { CliIo } from "../src/io.ts";
import { main } from "../src/main.ts";

export const sockets = nodeSockets();

/** An in-memory server on loopback with user "u" / password "p". */
export async function startServer(seed: MemorySeed): Promise<{ server: FtpServer; url: string }> {
  const server = createServer({ sockets, storage: memoryStorage(seed), users: { u: "p" } });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  return { server, url: `ftp://u:p@127.0.0.1:${port}/` };
}

/** What a run of the CLI printed, and its exit code. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Bytes given to `writeStdout` (get -o -). */
  data: Uint8Array[];
}

/** Runs `main()` in-process with string streams. */
export async function runCli(
  argv: string[],
  extra: Partial<CliIo> & { tty?: boolean } = {},
): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const data: Uint8Array[] = [];
  const decoder = new TextDecoder();
  const text = (chunk: string | Uint8Array): string =>
    typeof chunk === "string" ? chunk : decoder.decode(chunk);
  const code = await main(argv, {
    stdout: {
      write: (c) => {
        stdout += text(c);
      },
    },
    stderr: {
      write: (c) => {
        stderr += text(c);
      },
      isTTY: extra.tty === true,
      columns: 100,
    },
    sockets,
    writeStdout: async (chunk) => {
      data.push(chunk.slice());
    },
    ...extra,
  });
  return { code, stdout, stderr, data };
}

/** A temporary folder, removed by the returned function. */
export async function tempDir(): Promise<{ path: string; remove: () => Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), "ftpkit-cli-test-"));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
