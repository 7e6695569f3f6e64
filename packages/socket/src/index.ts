export {
  ConnectionRefusedError,
  ConnectionResetError,
  formatAddress,
  SocketAbortedError,
  SocketError,
  type SocketErrorReason,
  SocketTimeoutError,
  TlsError,
} from "@ftpkit/errors";
// For adapter authors (@ftpkit/socket-node, -deno, -bun and third-party adapters):
// runtime-neutral building blocks of listeners and of error mapping.
export { AcceptQueue, acceptIterator } from "./accept-queue.ts";
export {
  closedError,
  connectAbortedError,
  connectTimeoutError,
  ERRNO_REASONS,
  type ErrorReasonTable,
  reasonOf,
  type SocketPhase,
  toSocketError,
} from "./adapter-errors.ts";
export { MEMORY_CAPABILITIES, type MemorySocketsOptions, memorySockets } from "./memory-network.ts";
export {
  createSocketPair,
  DEFAULT_MEMORY_HIGH_WATER_MARK,
  type SocketPairOptions,
} from "./memory-socket.ts";
export type {
  ConnectOptions,
  Listener,
  ListenOptions,
  Socket,
  SocketAdapter,
  SocketAddress,
  SocketCapabilities,
  SocketInfo,
  TlsClientOptions,
  TlsInfo,
  TlsServerOptions,
  TlsSession,
} from "./types.ts";
