/**
 * Shared pieces of the tests that drive real FTP clients (curl, lftp, Python's ftplib,
 * basic-ftp) against @ftpkit/server.
 */

import { execFile, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createServer, type FtpServer, type ServerOptions } from "@ftpkit/server";
import { nodeSockets } from "@ftpkit/socket-node";
import { inCi, recordSkip } from "../src/index.ts";

/** Whether a client program is installed; outside CI a missing one skips, in CI it fails. */
export function requireClient(command: string, install: string): { skip: boolean } {
  const found = spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
  if (found) return { skip: false };
  const reason = `"${command}" is not installed; install it with: ${install}`;
  if (inCi()) throw new Error(`${command} is required in CI: ${reason}`);
  recordSkip(`${command} against @ftpkit/server`, reason);
  return { skip: true };
}

/** Starts @ftpkit/server on 127.0.0.1, port 0. */
export async function startServer(
  options: Omit<ServerOptions, "sockets">,
): Promise<{ server: FtpServer; port: number }> {
  const server = createServer({ sockets: nodeSockets(), sleep: async () => {}, ...options });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  return { server, port };
}

/** Runs a program to its end; rejects with its output when it fails. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; input?: string; timeout?: number } = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      command,
      args,
      { cwd: options.cwd, timeout: options.timeout ?? 30_000, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${command} failed: ${error.message}\n${stdout}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Deterministic pseudo-random bytes. */
export function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}
