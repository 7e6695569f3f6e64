/**
 * The few `Deno.*` networking declarations this adapter uses, written out so that `tsc`
 * (which has no Deno types) checks the package, while `deno check` sees the same shapes.
 * The namespace is reached through `globalThis` instead of an ambient `declare namespace
 * Deno`, which would clash with Deno's own `lib.deno.ns` under `deno check`.
 *
 * @module
 */

/** `Deno.NetAddr`. */
export interface DenoNetAddr {
  transport: "tcp" | "udp";
  hostname: string;
  port: number;
}

/** `Deno.TcpConn`, the parts used here. */
export interface DenoTcpConn {
  readonly localAddr: DenoNetAddr;
  readonly remoteAddr: DenoNetAddr;
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  closeWrite(): Promise<void>;
  close(): void;
  setNoDelay(noDelay?: boolean): void;
}

/** `Deno.TcpListener`, the parts used here. */
export interface DenoTcpListener {
  readonly addr: DenoNetAddr;
  accept(): Promise<DenoTcpConn>;
  close(): void;
}

/** The `Deno` namespace, the parts used here. */
export interface DenoNamespace {
  connect(options: {
    hostname: string;
    port: number;
    transport?: "tcp";
    signal?: AbortSignal;
  }): Promise<DenoTcpConn>;
  listen(options: {
    hostname: string;
    port: number;
    transport?: "tcp";
    tcpBacklog?: number;
  }): DenoTcpListener;
}

/** The running Deno's namespace; throws outside Deno. */
export function denoNamespace(): DenoNamespace {
  const deno = (globalThis as { Deno?: DenoNamespace }).Deno;
  if (deno === undefined || typeof deno.connect !== "function") {
    throw new TypeError("denoSockets() needs the Deno runtime (globalThis.Deno is missing)");
  }
  return deno;
}
