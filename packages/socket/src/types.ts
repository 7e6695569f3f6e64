/**
 * The one small interface between ftpkit and a runtime's sockets. Everything
 * runtime-specific lives behind it, in `@ftpkit/socket-node`, `-deno` and `-bun`.
 * The shape follows the WinterTC sockets draft (`readable`, `writable`, `opened`,
 * `closed`, `close()`, `startTls()`) where it fits.
 *
 * @module
 */

/** One end of a connection. */
export interface SocketAddress {
  /** The IP address (no brackets for IPv6). */
  hostname: string;
  port: number;
  family: "IPv4" | "IPv6";
}

/** What was negotiated on a TLS connection. */
export interface TlsInfo {
  /** `"TLSv1.2"`, `"TLSv1.3"`, as the runtime reports it. */
  protocol: string;
  /** The cipher suite name, when the runtime reports it. */
  cipher: string | undefined;
  /** True when this handshake resumed an earlier session (abbreviated handshake). */
  resumed: boolean;
  /** True when the peer's certificate was verified against the trusted CAs. */
  authorized: boolean;
}

/** What an open socket knows about itself. */
export interface SocketInfo {
  localAddress: SocketAddress;
  remoteAddress: SocketAddress;
  /** Present once the socket speaks TLS. */
  tls: TlsInfo | undefined;
}

/**
 * An opaque TLS session that a later connection can resume (the data connection of
 * FTPS resumes the control connection's session, RFC 4217 §10.2). Only the adapter that
 * produced it can use it.
 */
export interface TlsSession {
  /** The adapter that issued the session (`"node"`, `"deno"`, `"bun"`). */
  readonly runtime: string;
  /** The runtime's own session value. */
  readonly data: unknown;
}

/** TLS options of a client connection. */
export interface TlsClientOptions {
  /** Trusted CA certificates (PEM). Default: the runtime's store. */
  ca?: string | string[];
  /** Verify the server's certificate and name. Default: true. */
  rejectUnauthorized?: boolean;
  /** The name sent as SNI and checked against the certificate. Default: the host. */
  servername?: string;
  /** A session to resume. */
  session?: TlsSession;
  minVersion?: "TLSv1.2" | "TLSv1.3";
  maxVersion?: "TLSv1.2" | "TLSv1.3";
}

/** TLS options of a listener: the certificate it presents. */
export interface TlsServerOptions {
  /** Certificate chain (PEM). */
  cert: string;
  /** Private key (PEM). */
  key: string;
  minVersion?: "TLSv1.2" | "TLSv1.3";
  maxVersion?: "TLSv1.2" | "TLSv1.3";
}

/** A connected socket. Disposing it closes it; closing twice is harmless. */
export interface Socket extends AsyncDisposable {
  /**
   * Bytes from the peer. Ends when the peer half-closes or closes; errors with a
   * `SocketError` when the connection fails. Cancelling it closes the socket.
   */
  readonly readable: ReadableStream<Uint8Array>;
  /**
   * Bytes to the peer. `writable.close()` half-closes (sends FIN) and the readable
   * keeps working where `capabilities.halfOpen` is true. A write resolves once the socket
   * took the bytes, so a peer that stops reading stalls the writer (backpressure).
   * Aborting it resets the connection.
   */
  readonly writable: WritableStream<Uint8Array>;
  /** Resolves when the connection (and its TLS handshake, if any) is established. */
  readonly opened: Promise<SocketInfo>;
  /** Resolves when the socket is fully closed; never rejects. */
  readonly closed: Promise<void>;
  /**
   * The latest TLS session the peer issued, for resumption by another connection.
   * TLS 1.3 servers issue tickets after the handshake and may renew them, so ask again
   * right before each use.
   */
  tlsSession(): TlsSession | undefined;
  /**
   * Upgrades this plain socket to TLS and returns the TLS socket; this object must not be
   * used afterwards. On a socket accepted by a listener that has `tls`, the upgrade is
   * the server side of the handshake; otherwise it is the client side.
   */
  startTls(options?: TlsClientOptions): Socket;
  /** Closes both directions and releases the socket. Idempotent. */
  close(): Promise<void>;
}

/** Where and how to connect. */
export interface ConnectOptions {
  host: string;
  port: number;
  /** TLS from the first byte (implicit FTPS). */
  tls?: TlsClientOptions | boolean;
  /** Abort the connect. Aborting later does not close an open socket. */
  signal?: AbortSignal;
  /** Give up connecting after this many milliseconds. */
  timeout?: number;
}

/** Where and how to listen. */
export interface ListenOptions {
  host: string;
  /** 0 (the default) picks a free port; `listener.address.port` tells which. */
  port?: number;
  /**
   * The certificate for TLS on accepted sockets. With `implicitTls` every accepted socket
   * speaks TLS at once; without it, accepted sockets are plain until `startTls()`.
   */
  tls?: TlsServerOptions;
  implicitTls?: boolean;
  backlog?: number;
}

/**
 * A listening socket. Iterating it yields accepted sockets until it is closed; leaving
 * the loop early (`break`) closes it.
 */
export interface Listener extends AsyncDisposable, AsyncIterable<Socket> {
  readonly address: SocketAddress;
  /** Waits for the next connection. Rejects with a `SocketError` once closed. */
  accept(): Promise<Socket>;
  /** Stops listening; pending `accept()`s reject; accepted sockets stay open. Idempotent. */
  close(): Promise<void>;
}

/** What an adapter really does on its runtime. `true` means it was tested to work. */
export interface SocketCapabilities {
  /** `listen()` works (active-mode FTP and the server need it). */
  listen: boolean;
  /** A client connection can resume another's TLS session. */
  tlsSessionReuse: { tls12: boolean; tls13: boolean };
  /** `writable.close()` sends FIN while the readable keeps receiving. */
  halfOpen: boolean;
  /** `startTls()` works on a socket accepted by a TLS-configured listener. */
  serverStartTls: boolean;
}

/** The factory of sockets for one runtime. Passed to ftpkit explicitly, never global. */
export interface SocketAdapter {
  /** `"node"`, `"deno"`, `"bun"` or `"memory"`. */
  readonly runtime: string;
  readonly capabilities: SocketCapabilities;
  /** Resolves once connected (TLS handshake included); rejects with a `SocketError`. */
  connect(options: ConnectOptions): Promise<Socket>;
  listen(options: ListenOptions): Promise<Listener>;
}
