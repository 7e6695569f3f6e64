/**
 * `@ftpkit/reply`: the FTP control channel as a sans-I/O package. Bytes in, values out:
 * the reply parser and command encoder for clients, the command parser and reply
 * encoder for servers, typed decoders for replies, and LIST/MLSx listing parsers.
 *
 * @module
 */

export { FtpError, FtpProtocolError, FtpReplyError, FtpUsageError } from "@ftpkit/errors";
export { isIpv4 } from "./address.ts";
export { type Command, CommandParser, type CommandParserOptions } from "./command-parser.ts";
export { decodeLatin1, decodeText } from "./decode-text.ts";
export { type EncodeCommandOptions, encodeCommand } from "./encode-command.ts";
export { encodeReply, formatReplyLines } from "./encode-reply.ts";
export { parseFeatReply } from "./feat-reply.ts";
export type { FileEntry, FileKind } from "./file-entry.ts";
export { type HashReply, parseHashReply, parseMdtmReply, parseSizeReply } from "./file-reply.ts";
export {
  type EntryFields,
  type FormatListOptions,
  type FormatMlsxOptions,
  formatListLine,
  formatMlsxLine,
} from "./format-entry.ts";
export { formatFtpTime, parseFtpTime } from "./ftp-time.ts";
export {
  type ListOptions,
  type ParseListingOptions,
  parseListing,
  parseListLine,
} from "./list-line.ts";
export { parseMlsxLine } from "./mlsx-line.ts";
export {
  formatEpsvReplyText,
  formatPasvReplyText,
  type HostPort,
  parseEpsvReply,
  parsePasvReply,
} from "./passive-reply.ts";
export { parsePathReply, quotePath } from "./path-reply.ts";
export {
  type EprtAddress,
  encodeEprtArgument,
  encodePortArgument,
  parseEprtArgument,
  parsePortArgument,
} from "./port-argument.ts";
export { formatReply, isNegative, isPositive, isPreliminary, type Reply } from "./reply.ts";
export {
  DEFAULT_MAX_LINE_LENGTH,
  DEFAULT_MAX_REPLY_BYTES,
  DEFAULT_MAX_REPLY_LINES,
  ReplyParser,
  type ReplyParserOptions,
} from "./reply-parser.ts";
export { modeFromPermissions, permissionsFromMode } from "./unix-mode.ts";
