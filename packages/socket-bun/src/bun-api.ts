/**
 * The few `Bun.connect` / `Bun.listen` declarations this adapter uses, written out so that
 * `tsc` checks the package without `bun-types`. `Bun` is reached through `globalThis`.
 *
 * @module
 */

/** The TLS options of `Bun.connect`, `Bun.listen` and `socket.upgradeTLS`. */
export interface BunTlsOptions {
  ca?: string | string[];
  cert?: string;
  key?: string;
  rejectUnauthorized?: boolean;
  serverName?: string;
  /** OpenSSL's version numbers: 0x0303 is TLS 1.2, 0x0304 TLS 1.3. */
  minVersion?: number;
  maxVersion?: number;
}

/** Callbacks of a Bun socket; `socket.data` carries the per-socket state. */
export interface BunSocketHandler<T> {
  open?(socket: BunNativeSocket<T>): void;
  data?(socket: BunNativeSocket<T>, data: Uint8Array): void;
  drain?(socket: BunNativeSocket<T>): void;
  end?(socket: BunNativeSocket<T>): void;
  close?(socket: BunNativeSocket<T>, error?: Error): void;
  error?(socket: BunNativeSocket<T>, error: Error): void;
  connectError?(socket: BunNativeSocket<T>, error: Error): void;
  handshake?(socket: BunNativeSocket<T>, success: boolean, error: Error | null): void;
  /** A TLS session (ticket) the server issued; not in Bun's typings, but called. */
  session?(socket: BunNativeSocket<T>, session: Uint8Array): void;
}

/** A Bun TCP or TLS socket, the parts used here. */
export interface BunNativeSocket<T = unknown> {
  data: T;
  readonly localAddress: string;
  readonly localPort: number;
  readonly localFamily: "IPv4" | "IPv6";
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteFamily: "IPv4" | "IPv6";
  readonly authorized: boolean;
  /** Bytes the kernel took (may be fewer than given; Bun does not buffer), or -1 when closed. */
  write(data: Uint8Array): number;
  /** Sends FIN (TLS: close_notify first) and keeps reading. */
  shutdown(halfClose?: boolean): void;
  /** Flushes, closes gracefully. */
  end(): void;
  /** Closes at once. */
  terminate(): void;
  pause(): void;
  resume(): void;
  setNoDelay(noDelay?: boolean): boolean;
  setSession(session: Uint8Array): void;
  getSession(): Uint8Array | undefined;
  isSessionReused(): boolean;
  getTLSVersion(): string | null;
  getCipher(): { name: string } | null;
  getAuthorizationError(): Error | null;
  upgradeTLS<U>(options: {
    data: U;
    tls: BunTlsOptions;
    socket: BunSocketHandler<U>;
  }): [BunNativeSocket<T>, BunNativeSocket<U>];
}

/** A Bun TCP listener. */
export interface BunTcpListener {
  readonly hostname: string;
  readonly port: number;
  stop(closeActiveConnections?: boolean): void;
}

/** The `Bun` namespace, the parts used here. */
export interface BunNamespace {
  connect<T>(options: {
    hostname: string;
    port: number;
    data: T;
    tls?: BunTlsOptions;
    allowHalfOpen?: boolean;
    socket: BunSocketHandler<T>;
  }): Promise<BunNativeSocket<T>>;
  listen<T>(options: {
    hostname: string;
    port: number;
    tls?: BunTlsOptions;
    allowHalfOpen?: boolean;
    backlog?: number;
    socket: BunSocketHandler<T>;
  }): BunTcpListener;
}

/** The running Bun's namespace; throws outside Bun. */
export function bunNamespace(): BunNamespace {
  const bun = (globalThis as { Bun?: BunNamespace }).Bun;
  if (bun === undefined || typeof bun.connect !== "function") {
    throw new TypeError("bunSockets() needs the Bun runtime (globalThis.Bun is missing)");
  }
  return bun;
}

/** OpenSSL's number for a TLS version name. */
export function tlsVersionNumber(version: "TLSv1.2" | "TLSv1.3" | undefined): number | undefined {
  if (version === undefined) return undefined;
  return version === "TLSv1.2" ? 0x0303 : 0x0304;
}
