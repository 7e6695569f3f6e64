export {
  ConnectionRefusedError,
  ConnectionResetError,
  SocketAbortedError,
  SocketError,
  SocketTimeoutError,
  TlsError,
} from "@ftpkit/errors";
export type { Listener, Socket, SocketAdapter, SocketCapabilities } from "@ftpkit/socket";
export { type DenoSocketsOptions, denoCapabilities, denoSockets } from "./adapter.ts";
