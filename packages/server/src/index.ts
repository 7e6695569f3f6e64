/**
 * `@ftpkit/server`: a real FTP server for tests, demos and users. Every transfer mode
 * (S, B, C, Z, and E on one connection), FTPS, in-memory or folder storage, fault injection and a log tests
 * can read.
 *
 * @module
 */

export {
  FtpError,
  FtpProtocolError,
  FtpUsageError,
} from "@ftpkit/errors";
export type {
  Authenticate,
  AuthenticateResult,
  LoginAttempt,
  LoginGrant,
  UserEntry,
} from "./auth.ts";
export type {
  CloseControlFault,
  DelayFault,
  DropDataFault,
  FaultOptions,
  ReplyFault,
  SlowDataFault,
} from "./faults.ts";
export { HASH_ALGORITHMS, type HashAlgorithm } from "./hash.ts";
export { formatListLine, formatMlsxLine } from "./listing-format.ts";
export type { PassiveOptions, ServerLimits, ServerOptions, ServerTlsOptions } from "./options.ts";
export { createServer, type FtpServer, type ServerListenOptions } from "./server.ts";
export {
  type CommandEntry,
  type ConnectEntry,
  type DataCloseEntry,
  type DataOpenEntry,
  type DisconnectEntry,
  type FaultEntry,
  formatLogEntry,
  type LogEntry,
  type LogQuery,
  type ReplyEntry,
  ServerLog,
  type SessionStats,
  type TransferEntry,
} from "./server-log.ts";
export { folderStorage } from "./storage/folder-storage.ts";
export {
  type MemoryFileSeed,
  type MemorySeed,
  type MemoryStorage,
  memoryStorage,
} from "./storage/memory-storage.ts";
export {
  type Storage,
  type StorageEntry,
  StorageError,
  type StorageErrorReason,
  type StorageWriteOptions,
  type StorageWriter,
} from "./storage/types.ts";
