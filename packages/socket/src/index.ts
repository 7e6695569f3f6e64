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
