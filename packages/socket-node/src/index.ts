export {
  ConnectionRefusedError,
  ConnectionResetError,
  FtpUsageError,
  SocketAbortedError,
  SocketError,
  SocketTimeoutError,
  TlsError,
} from "@ftpkit/errors";
export { NODE_CAPABILITIES, type NodeSocketsOptions, nodeSockets } from "./node-sockets.ts";
