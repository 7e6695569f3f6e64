/**
 * `@ftpkit/client`: FTP and FTPS sessions that download many files correctly and fast.
 * A fresh data connection per file in MODE S, or one persistent data connection in
 * MODE B, C (RFC 959 §3.4) and GridFTP's E; pipelined commands; several lanes.
 *
 * @example
 * ```ts
 * import { connect } from "@ftpkit/client";
 * import { nodeSockets } from "@ftpkit/socket-node";
 *
 * await using session = await connect("ftp://anonymous@ftp.example.com/", { sockets: nodeSockets() });
 * for await (const file of session.retrieve(["a.txt", "b.txt"])) console.log(file.path, await file.text());
 * ```
 *
 * @module
 */

export {
  ConnectionRefusedError,
  ConnectionResetError,
  FtpAbortError,
  FtpError,
  type FtpErrorOptions,
  FtpProtocolError,
  FtpReplyError,
  FtpTimeoutError,
  FtpUsageError,
  SocketAbortedError,
  SocketError,
  type SocketErrorOptions,
  type SocketErrorReason,
  SocketTimeoutError,
  TlsError,
  TruncatedTransferError,
  type TruncatedTransferErrorOptions,
} from "@ftpkit/errors";
export type { FileEntry, FileKind, Reply } from "@ftpkit/reply";
export { connect } from "./connect.ts";
export { intervalTimer, type KeepaliveTimer } from "./control-connection.ts";
export type { DownloadResult } from "./download-to.ts";
export { RetrieveInterruptedError, type RetrieveInterruptedErrorOptions } from "./errors.ts";
export { ServerFeatures } from "./features.ts";
export { localParts } from "./local-path.ts";
export type {
  ClientTlsOptions,
  CommandOptions,
  ConnectOptions,
  KeepaliveOptions,
  ListOptions,
  ModeChoice,
  RetrieveOptions,
  RetrieveProgress,
  SecureMode,
  TraceEvent,
  UsedMode,
} from "./options.ts";
export { type ResumeRetrieveOptions, resumeRetrieve } from "./resume-retrieve.ts";
export { type FileBody, RetrievedFile } from "./retrieved-file.ts";
export { Session } from "./session.ts";
export type { SessionStats } from "./stats.ts";
export { type FtpTarget, parseFtpUrl } from "./url.ts";
