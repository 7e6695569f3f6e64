/**
 * The socket adapter of the runtime the CLI runs on: Node, Deno or Bun.
 *
 * @module
 */

import type { SocketAdapter } from "@ftpkit/socket";

/** Loads the adapter for this runtime (only that one is imported). */
export async function runtimeSockets(): Promise<SocketAdapter> {
  const g = globalThis as { Deno?: unknown; Bun?: unknown };
  if (g.Deno !== undefined) return (await import("@ftpkit/socket-deno")).denoSockets();
  if (g.Bun !== undefined) return (await import("@ftpkit/socket-bun")).bunSockets();
  return (await import("@ftpkit/socket-node")).nodeSockets();
}
