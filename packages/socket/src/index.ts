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
