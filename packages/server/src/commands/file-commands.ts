/**
 * The file tree: CWD CDUP PWD MKD RMD DELE RNFR RNTO (RFC 959 §4.1.1, §4.1.3) and
 * their X-variants (RFC 775).
 *
 * @module
 */

import { parentPath } from "../virtual-path.ts";
import { type CommandSpec, quotePath, replyStorageError, sessionPath } from "./command-spec.ts";

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

const mkd: CommandSpec = {
  writes: true,
  help: "MKD <directory>",
  run: async (s, argument) => {
    if (argument === "") return s.reply(501, "MKD needs a path");
    const path = sessionPath(s, argument);
    try {
      await s.state.storage.makeDirectory(path);
    } catch (error) {
      return replyStorageError(s, error);
    }
    await s.reply(257, `${quotePath(path)} created`);
  },
};

const rmd: CommandSpec = {
  writes: true,
  help: "RMD <directory>",
  run: async (s, argument) => {
    if (argument === "") return s.reply(501, "RMD needs a path");
    const path = sessionPath(s, argument);
    try {
      await s.state.storage.removeDirectory(path);
    } catch (error) {
      return replyStorageError(s, error);
    }
    await s.reply(250, `Directory removed: "${path}"`);
  },
};

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
  DELE: {
    writes: true,
    help: "DELE <file>",
    run: async (s, argument) => {
      if (argument === "") return s.reply(501, "DELE needs a path");
      const path = sessionPath(s, argument);
      try {
        await s.state.storage.remove(path);
      } catch (error) {
        return replyStorageError(s, error);
      }
      await s.reply(250, `Deleted "${path}"`);
    },
  },
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
