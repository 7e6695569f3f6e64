export {
  FtpAbortError,
  FtpError,
  type FtpErrorOptions,
  FtpProtocolError,
  FtpReplyError,
  FtpTimeoutError,
  FtpUsageError,
  TruncatedTransferError,
  type TruncatedTransferErrorOptions,
} from "./ftp-error.ts";
export {
  ConnectionRefusedError,
  ConnectionResetError,
  formatAddress,
  SocketAbortedError,
  SocketError,
  type SocketErrorOptions,
  type SocketErrorReason,
  SocketTimeoutError,
  TlsError,
} from "./socket-error.ts";
