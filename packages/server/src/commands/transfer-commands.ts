/**
 * The commands that move data over a data connection: RETR STOR STOU APPE LIST NLST
 * MLSD (RFC 959 §4.1.3, RFC 3659 §7), and ABOR.
 *
 * @module
 */

import { DataConnectionError } from "../data-channel.ts";
import type { DataConnection } from "../data-connection.ts";
import { formatListLine, formatMlsxLine } from "../listing-format.ts";
import type { Session } from "../session.ts";
import {
  OPEN_FOR_READ,
  OPEN_NOW,
  type OpenedFile,
  opensForRead,
} from "../storage/open-for-read.ts";
import type { StorageEntry } from "../storage/types.ts";
import {
  encodesWholeFiles,
  encodeWholeFile,
  keepsConnection,
  receiveData,
  sendData,
  TransferError,
  type TransferSettings,
  type WholeFileSettings,
} from "../transfer.ts";
import { TransferStop } from "../transfer-stop.ts";
import { baseName, parentPath } from "../virtual-path.ts";
import {
  type CommandSpec,
  isStorageError,
  replyStorageError,
  sessionPath,
} from "./command-spec.ts";
import { typeName } from "./parameter-commands.ts";

function settingsFor(s: Session, verb: string, path: string, stop: TransferStop): TransferSettings {
  const faults = s.host.faultState;
  const cc = faults.closeControl(verb, "transfer", path);
  const drop = faults.dropData(verb, path);
  return {
    mode: s.state.mode,
    type: s.state.type,
    structure: s.state.structure,
    level: s.state.zLevel,
    offset: s.state.restartOffset,
    stop,
    dataTimeout: s.host.limits.dataTimeout,
    sleep: s.host.sleep,
    drop,
    onDrop: () =>
      s.record({
        kind: "fault",
        session: s.id,
        fault: "drop-data",
        detail: `${verb} ${path} cut after ${drop?.afterBytes} bytes`,
      }),
    slow: faults.options.slowData,
    closeControl:
      cc === undefined
        ? undefined
        : {
            afterBytes: cc.afterBytes ?? 0,
            fire: () => s.closeByFault(`during ${verb}`),
          },
  };
}

/** A transfer in the session's log; the connection counts it. */
function recordTransferOn(
  s: Session,
  used: DataConnection,
  verb: string,
  path: string,
  bytes: number,
  ok: boolean,
  reused: boolean,
): void {
  used.transfers++;
  s.record({
    kind: "transfer",
    session: s.id,
    connection: used.id,
    verb,
    path,
    mode: s.state.mode,
    bytes,
    ok,
    reused,
  });
}

/** The 125 of a transfer over the kept connection. */
function keptStartText(what: string): string {
  return `Data connection already open; transfer starting for ${what}`;
}

/** The 250 of a transfer over a connection that stays open. */
function keptDoneText(bytes: number): string {
  return `Transfer complete (${bytes} bytes); data connection stays open`;
}

/**
 * Runs one transfer: gets the data connection (125 when a kept B/C connection carries
 * it, 150 otherwise), runs `move`, and answers 226 (connection closed: S, Z), 250
 * (connection kept: B, C) or the failure's code.
 */
async function withData(
  s: Session,
  verb: string,
  path: string,
  what: string,
  move: (connection: DataConnection, settings: TransferSettings) => Promise<number>,
  preliminary?: string,
): Promise<void> {
  const tls = s.host.options.tls;
  if (tls?.require && s.state.protection !== "P") {
    return s.reply(522, "Data connections must be encrypted: send PROT P first");
  }
  const reused = s.data.hasKeptConnection;
  if (!reused && !s.data.isPrepared) return s.reply(425, "Use PORT, PASV, EPRT or EPSV first");
  const recordTransfer = (used: DataConnection, bytes: number, ok: boolean): void =>
    recordTransferOn(s, used, verb, path, bytes, ok, reused);
  const abort = new TransferStop();
  s.transfer = abort;
  s.abortedByAbor = false;
  let connection: DataConnection | undefined;
  try {
    const announce = preliminary ?? `Opening ${typeName(s)} mode data connection for ${what}`;
    if (reused) await s.reply(125, preliminary ?? keptStartText(what));
    else if (s.data.preparedDirection === "passive") await s.reply(150, announce);
    const opened = await s.data.connection(abort);
    connection = opened.connection;
    if (!reused && opened.connection.direction === "active") await s.reply(150, announce);
    const settings = settingsFor(s, verb, path, abort);
    const bytes = await move(connection, settings);
    recordTransfer(connection, bytes, true);
    if (keepsConnection(s.state.mode) && !connection.closed) {
      s.data.keep(connection);
      await s.reply(250, keptDoneText(bytes));
    } else {
      await s.reply(226, `Transfer complete (${bytes} bytes)`);
    }
  } catch (error) {
    if (error instanceof TransferError) {
      if (connection !== undefined) recordTransfer(connection, error.bytes, false);
      return s.reply(error.code ?? 426, error.message);
    }
    if (error instanceof DataConnectionError) return s.reply(error.code ?? 425, error.message);
    await connection?.close();
    if (isStorageError(error)) return s.reply(451, `Local error: ${error.message}`);
    throw error;
  } finally {
    s.transfer = undefined;
    s.state.restartOffset = 0;
  }
}

/**
 * The file RETR sends: the one opened ahead for it if that still fits (same storage,
 * path and offset), else opened now where the storage can, else undefined (then `stat`
 * and `read` as any storage can).
 */
async function openedFor(
  s: Session,
  path: string,
  offset: number,
): Promise<OpenedFile | undefined> {
  const storage = s.state.storage;
  const ahead = s.takeOpenedAhead();
  if (ahead !== undefined) {
    // Opened ahead or found not directly openable ahead: either way that is the answer.
    if (ahead.storage === storage && ahead.path === path && ahead.offset === offset) {
      return ahead.file;
    }
    void s.releaseOpenedAhead(ahead);
  }
  return opensForRead(storage)
    ? storage[OPEN_FOR_READ](path, offset, s.host.fileOpener)
    : undefined;
}

/** What RETR's transfer settings say of how a file is encoded. */
function wholeFileSettings(s: Session): WholeFileSettings {
  const { mode, type, structure, zLevel } = s.state;
  return { mode, type, structure, level: zLevel };
}

/**
 * RETR of a small file over the kept connection, all at once: the file read whole, its
 * bytes gathered with the files around it, its 125 and 250 held for the end of the
 * tick, as {@link withData} and `sendData` would do it, but without a wait, a promise or
 * the data timeout (nothing waits). Only where nothing could make that transfer wait or
 * differ: no REST, no fault on transfers, no PROT P wanted, the replies held anyway
 * (commands queued behind), the file read whole ahead or now (the storage reading without
 * a wait).
 * True: the file went; else the file if it was opened (for the usual way), or undefined.
 */
function sendWholeNow(s: Session, path: string): true | OpenedFile | undefined {
  const storage = s.state.storage;
  const settings = wholeFileSettings(s);
  const connection = s.data.kept;
  if (connection === undefined || !encodesWholeFiles(settings) || !s.holdsFileReplies) return;
  if (s.state.restartOffset !== 0 || s.host.faultState.touchesTransfers) return;
  if (s.host.options.tls?.require && s.state.protection !== "P") return;
  let opened: OpenedFile | undefined;
  const ahead = s.openedAhead;
  if (ahead !== undefined) {
    // Read whole ahead for this very RETR, or left to the usual way.
    opened = ahead.opened;
    if (opened?.whole === undefined || ahead.storage !== storage || ahead.path !== path) return;
    s.takeOpenedAhead();
  } else {
    const openNow = opensForRead(storage) ? storage[OPEN_NOW] : undefined;
    opened = openNow?.(path, s.host.fileOpener);
  }
  const file = opened?.whole;
  if (file === undefined) return opened;
  const pieces = encodeWholeFile(file.chunk, settings, markerInterval(s));
  if (pieces === undefined || !connection.gatherNow(pieces)) return opened;
  s.abortedByAbor = false;
  const bytes = file.chunk.length;
  s.holdReply(125, keptStartText(`${path} (${file.entry.size} bytes)`));
  recordTransferOn(s, connection, "RETR", path, bytes, true, true);
  s.holdReply(250, keptDoneText(bytes));
  return true;
}

/** The restart-marker interval of downloads in B and C. */
function markerInterval(s: Session): number {
  return s.host.options.restartMarkerInterval ?? 1024 * 1024;
}

const retr: CommandSpec = {
  help: "RETR <file>",
  run: async (s, argument) => {
    if (argument === "") return s.reply(501, "RETR needs a path");
    const path = sessionPath(s, argument);
    const now = sendWholeNow(s, path);
    s.readsWholeFiles = now === true || now?.whole !== undefined;
    if (now === true) return;
    const offset = s.state.restartOffset;
    let opened: OpenedFile | undefined;
    try {
      opened = now ?? (await openedFor(s, path, offset));
      let entry: StorageEntry | undefined = opened?.entry;
      if (opened === undefined) {
        try {
          entry = await s.state.storage.stat(path);
        } catch (error) {
          return await replyStorageError(s, error);
        }
      }
      if (entry === undefined) return await s.reply(550, `No such file: "${path}"`);
      if (entry.kind === "directory") return await s.reply(550, `Not a plain file: "${path}"`);
      const file = opened;
      await withData(s, "RETR", path, `${path} (${entry.size} bytes)`, (connection, settings) =>
        sendData(
          connection,
          file === undefined ? s.state.storage.read(path, offset) : file.chunks(),
          settings,
          {
            raw: false,
            restartInterval: markerInterval(s),
            onMarker: (marker, at) => {
              s.state.markers.set(marker, at);
            },
          },
        ),
      );
    } finally {
      // Not sent (no data connection, a failure): the file is closed all the same.
      await opened?.release();
    }
  },
};

async function store(
  s: Session,
  verb: string,
  path: string,
  append: boolean,
  preliminary?: string,
): Promise<void> {
  const offset = s.state.restartOffset;
  await withData(
    s,
    verb,
    path,
    path,
    async (connection, settings) => {
      const writer = await s.state.storage.write(
        path,
        append ? { append: true } : offset > 0 ? { offset } : {},
      );
      try {
        const bytes = await receiveData(connection, writer, {
          ...settings,
          maxUploadSize: s.host.limits.maxUploadSize,
          onMarker: async (marker, at) => {
            // RFC 959 §4.2: "110 MARK yyyy = mmmm", the sender's marker and ours.
            s.state.markers.set(String(at), at);
            await s.reply(110, `MARK ${marker} = ${at}`);
          },
        });
        await writer.close();
        return bytes;
      } catch (error) {
        await writer.abort();
        throw error;
      }
    },
    preliminary,
  );
}

async function storable(s: Session, path: string): Promise<boolean> {
  try {
    const entry = await s.state.storage.stat(path);
    if (entry?.kind === "directory") {
      await s.reply(553, `Is a directory: "${path}"`);
      return false;
    }
    const parent = await s.state.storage.stat(parentPath(path));
    if (parent?.kind !== "directory") {
      await s.reply(553, `No such directory: "${parentPath(path)}"`);
      return false;
    }
    return true;
  } catch (error) {
    await replyStorageError(s, error);
    return false;
  }
}

/** STOR and APPE: the file at the path given is replaced, or appended to. */
function upload(verb: "STOR" | "APPE"): CommandSpec {
  return {
    writes: true,
    help: `${verb} <file>`,
    run: async (s, argument) => {
      if (argument === "") return s.reply(501, `${verb} needs a path`);
      const path = sessionPath(s, argument);
      if (await storable(s, path)) await store(s, verb, path, verb === "APPE");
    },
  };
}

let uniqueCounter = 0;

/** Lines of a listing as CR LF text, in chunks, for the data connection. */
async function* listingBytes(lines: string[]): AsyncIterable<Uint8Array> {
  const encoder = new TextEncoder();
  for (let i = 0; i < lines.length; i += 512) {
    yield encoder.encode(
      lines
        .slice(i, i + 512)
        .map((l) => `${l}\r\n`)
        .join(""),
    );
  }
}

/** LIST and NLST take ls-style options first (`-la`); they are ignored. */
function listTarget(argument: string): string {
  const rest = argument.replace(/^\s*(-[A-Za-z]+\s*)+/, "").trim();
  return rest === "" ? "." : rest;
}

async function listing(
  s: Session,
  verb: string,
  path: string,
  lines: (entries: StorageEntry[], isDirectory: boolean) => string[],
  directoryOnly: boolean,
): Promise<void> {
  let entries: StorageEntry[];
  let isDirectory: boolean;
  try {
    const entry = await s.state.storage.stat(path);
    if (entry === undefined) return s.reply(550, `No such file or directory: "${path}"`);
    isDirectory = entry.kind === "directory";
    if (directoryOnly && !isDirectory) return s.reply(501, `Not a directory: "${path}"`);
    entries = isDirectory ? await s.state.storage.list(path) : [entry];
  } catch (error) {
    return replyStorageError(s, error);
  }
  const text = lines(entries, isDirectory);
  await withData(s, verb, path, path, (connection, settings) =>
    sendData(connection, listingBytes(text), settings, {
      raw: true,
      restartInterval: 0,
      onMarker: () => {},
    }),
  );
}

export const TRANSFER_COMMANDS: Record<string, CommandSpec> = {
  RETR: retr,
  STOR: upload("STOR"),
  APPE: upload("APPE"),
  STOU: {
    writes: true,
    help: "STOU [<name>]",
    run: async (s, argument) => {
      const base = sessionPath(s, argument === "" ? "ftpkit" : argument);
      let path = base;
      while ((await s.state.storage.stat(path)) !== undefined) path = `${base}.${++uniqueCounter}`;
      if (!(await storable(s, path))) return;
      // RFC 1123 §4.1.2.9: the preliminary reply names the file as "FILE: name".
      s.state.restartOffset = 0;
      await store(s, "STOU", path, false, `FILE: ${baseName(path)}`);
    },
  },
  LIST: {
    help: "LIST [<path>]",
    run: async (s, argument) => {
      const now = new Date();
      await listing(
        s,
        "LIST",
        sessionPath(s, listTarget(argument)),
        (entries) => entries.map((e) => formatListLine(e, now)),
        false,
      );
    },
  },
  NLST: {
    help: "NLST [<path>]",
    run: async (s, argument) => {
      const target = listTarget(argument);
      const path = sessionPath(s, target);
      await listing(
        s,
        "NLST",
        path,
        (entries, isDirectory) => (isDirectory ? entries.map((e) => e.name) : [target]),
        false,
      );
    },
  },
  MLSD: {
    help: "MLSD [<directory>]",
    run: async (s, argument) => {
      const path = sessionPath(s, argument === "" ? "." : argument);
      await listing(
        s,
        "MLSD",
        path,
        (entries) =>
          entries.map((e) => formatMlsxLine(e, s.state.mlstFacts, e.name, s.state.readOnly)),
        true,
      );
    },
  },
  ABOR: {
    login: false,
    help: "ABOR",
    run: async (s) => {
      // The transfer, if any, was stopped when ABOR arrived and has answered 426.
      if (s.abortedByAbor) {
        s.abortedByAbor = false;
        await s.data.reset();
        return s.reply(226, "ABOR successful");
      }
      const hadConnection = s.data.hasKeptConnection || s.data.isPrepared;
      await s.data.reset();
      await s.reply(
        hadConnection ? 226 : 225,
        hadConnection ? "Data connection closed" : "No transfer to abort",
      );
    },
  },
};
