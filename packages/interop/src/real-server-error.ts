import { FtpError } from "@ftpkit/errors";

/**
 * A real FTP server used by the interop tests could not be started, stopped or found.
 *
 * @example
 * ```ts
 * try { await startRealServer("vsftpd", { root, portBase: 21600 }); }
 * catch (e) { if (RealServerError.isInstance(e)) console.error(e.message); }
 * ```
 */
export class RealServerError extends FtpError {
  static override readonly errorName: string = "RealServerError";
}
