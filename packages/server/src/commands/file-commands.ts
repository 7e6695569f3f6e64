/**
 * The file tree: CWD CDUP PWD MKD RMD DELE RNFR RNTO (RFC 959 §4.1.1, §4.1.3) and
 * their X-variants (RFC 775).
 *
 * @module
 */

import { quotePath } from "@ftpkit/reply";
import type { Storage } from "../storage/types.ts";
import { parentPath } from "../virtual-path.ts";
import { type CommandSpec, replyStorageError, sessionPath } from "./command-spec.ts";

/** MKD, RMD, DELE: one change of the storage at the path given; 501 without a path. */
function changeAt(
  verb: string,
  help: string,
  change: (storage: Storage, path: string) => Promise<void>,
  code: number,
  done: (path: string) => string,
): CommandSpec {
  return {
    writes: true,
    help,
    run: async (s, argument) => {
      if (argument === "") return s.reply(501, `${verb} needs a path`);
      const path = sessionPath(s, argument);
      try {
        await change(s.state.storage, path);
      } catch (error) {
        return replyStorageError(s, error);
      }
      await s.reply(code, done(path));
    },
  };
}

const cwd: CommandSpec = {
  help: "CWD <directory>",
  run: async (s, argument) => {
    const path = sessionPath(s, argument === "" ? "/" : argument);
    const entry = await s.state.storage.stat(path);
    if (entry === undefined) return s.reply(550, `No such directory: "${path}"`);
    if (entry.kind !== "directory") return s.reply(550, `Not a directory: "${path}"`);
    s.state.cwd = path;
    await s.reply(250, `Directory changed to ${path}`);
  },
};

const cdup: CommandSpec = {
  help: "CDUP",
  run: async (s) => {
    s.state.cwd = parentPath(s.state.cwd);
    await s.reply(250, `Directory changed to ${s.state.cwd}`);
  },
};

const pwd: CommandSpec = {
  help: "PWD",
  run: (s) => s.reply(257, `${quotePath(s.state.cwd)} is the current directory`),
};

const mkd = changeAt(
  "MKD",
  "MKD <directory>",
  (storage, path) => storage.makeDirectory(path),
  257,
  (path) => `${quotePath(path)} created`,
);

const rmd = changeAt(
  "RMD",
  "RMD <directory>",
  (storage, path) => storage.removeDirectory(path),
  250,
  (path) => `Directory removed: "${path}"`,
);

export const FILE_COMMANDS: Record<string, CommandSpec> = {
  CWD: cwd,
  XCWD: cwd,
  CDUP: cdup,
  XCUP: cdup,
  PWD: pwd,
  XPWD: pwd,
  MKD: mkd,
  XMKD: mkd,
  RMD: rmd,
  XRMD: rmd,
  DELE: changeAt(
    "DELE",
    "DELE <file>",
    (storage, path) => storage.remove(path),
    250,
    (path) => `Deleted "${path}"`,
  ),
  RNFR: {
    writes: true,
    help: "RNFR <path>",
    run: async (s, argument) => {
      if (argument === "") return s.reply(501, "RNFR needs a path");
      const path = sessionPath(s, argument);
      if ((await s.state.storage.stat(path)) === undefined) {
        return s.reply(550, `No such file or directory: "${path}"`);
      }
      s.state.renameFrom = path;
      await s.reply(350, "Ready for RNTO");
    },
  },
  RNTO: {
    writes: true,
    help: "RNTO <path>",
    run: async (s, argument) => {
      const from = s.state.renameFrom;
      s.state.renameFrom = undefined;
      if (from === undefined) return s.reply(503, "RNTO needs RNFR first");
      if (argument === "") return s.reply(501, "RNTO needs a path");
      const to = sessionPath(s, argument);
      try {
        await s.state.storage.rename(from, to);
      } catch (error) {
        return replyStorageError(s, error);
      }
      await s.reply(250, `Renamed "${from}" to "${to}"`);
    },
  },
};
