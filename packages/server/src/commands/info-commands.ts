/**
 * Questions about the server and its files: NOOP SYST FEAT OPTS HELP STAT SITE
 * (RFC 959, RFC 2389), SIZE MDTM MLST (RFC 3659), MFMT (draft-somers-ftp-mfxx), HASH
 * (draft-bryan-ftpext-hash).
 *
 * @module
 */

import { parseFtpTime } from "@ftpkit/reply";
import { createDigest, HASH_ALGORITHMS, hashAlgorithmNamed, hashFeature } from "../hash.ts";
import { formatListLine, formatMlsxLine, formatTimeVal, MLST_FACTS } from "../listing-format.ts";
import type { Session } from "../session.ts";
import { type CommandSpec, replyStorageError, sessionPath } from "./command-spec.ts";
import { COMMANDS } from "./table.ts";

const MODE_NAMES: Record<string, string> = {
  S: "Stream",
  B: "Block",
  C: "Compressed",
  Z: "Deflate",
};

function features(s: Session): string[] {
  const lines = ["Features:"];
  if (s.host.options.tls !== undefined) lines.push(" AUTH TLS", " PBSZ", " PROT");
  lines.push(
    " EPRT",
    " EPSV",
    ` ${hashFeature(s.state.hashAlgorithm)}`,
    " MDTM",
    " MFMT",
    ` MLST ${MLST_FACTS.map((f) => (s.state.mlstFacts.includes(f) ? `${f}*;` : `${f};`)).join("")}`,
    " MODE Z",
    " REST STREAM",
    " SIZE",
    " TVFS",
    " UTF8",
    "End",
  );
  return lines;
}

async function opts(s: Session, argument: string): Promise<void> {
  const [name = "", ...rest] = argument.trim().split(/\s+/);
  const value = rest.join(" ");
  switch (name.toUpperCase()) {
    case "UTF8":
    case "UTF-8": {
      const on = value.toUpperCase();
      if (on !== "ON" && on !== "OFF" && on !== "")
        return s.reply(501, `OPTS UTF8 takes ON or OFF`);
      s.state.utf8 = on !== "OFF";
      return s.reply(200, `UTF8 set to ${s.state.utf8 ? "on" : "off"}`);
    }
    case "MODE": {
      // OPTS MODE Z LEVEL n (draft-preston-ftpext-deflate §4), as proftpd takes it.
      const [mode = "", ...pairs] = rest;
      if (mode.toUpperCase() !== "Z") return s.reply(501, `OPTS MODE ${mode} not understood`);
      let level = s.state.zLevel;
      for (let i = 0; i < pairs.length; i += 2) {
        const key = pairs[i]!.toUpperCase();
        const v = pairs[i + 1];
        if (key !== "LEVEL") return s.reply(501, `Unsupported MODE Z option "${pairs[i]}"`);
        if (v === undefined || !/^\d$/.test(v))
          return s.reply(501, `Bad MODE Z LEVEL "${v ?? ""}" (0-9)`);
        level = Number(v);
      }
      s.state.zLevel = level;
      return s.reply(200, `MODE Z LEVEL set to ${level}`);
    }
    case "MLST": {
      const wanted = value
        .split(";")
        .map((f) => f.trim().toLowerCase())
        .filter((f) => MLST_FACTS.includes(f));
      s.state.mlstFacts = MLST_FACTS.filter((f) => wanted.includes(f));
      return s.reply(200, `MLST OPTS ${s.state.mlstFacts.map((f) => `${f};`).join("")}`);
    }
    case "RETR":
    case "STOR": {
      // GridFTP: OPTS RETR Parallelism=n,n,n; — this server moves MODE E over one connection.
      const m = /^Parallelism=(\d+),(\d+),(\d+);?$/i.exec(value);
      if (m === null) return s.reply(501, `OPTS ${name} ${value} not understood`);
      if (m.slice(1).some((n) => n !== "1")) {
        return s.reply(
          501,
          "Only Parallelism=1,1,1 is offered: MODE E here uses one data connection",
        );
      }
      return s.reply(200, "OPTS Command Successful.");
    }
    case "HASH": {
      if (value === "") return s.reply(200, s.state.hashAlgorithm);
      const algorithm = hashAlgorithmNamed(value);
      if (algorithm === undefined) {
        return s.reply(501, `Unknown algorithm "${value}"; offered: ${HASH_ALGORITHMS.join(", ")}`);
      }
      s.state.hashAlgorithm = algorithm;
      return s.reply(200, algorithm);
    }
    default:
      return s.reply(501, `OPTS ${name} not understood`);
  }
}

async function statusLines(s: Session): Promise<string[]> {
  const st = s.state;
  return [
    "ftpkit server status:",
    ` Connected from ${s.remote}`,
    st.loggedIn ? ` Logged in as ${st.user}` : " Not logged in",
    ` TYPE: ${st.type === "A" ? "ASCII" : st.type === "I" ? "BINARY" : "L 8"}, STRUcture: ${st.structure === "F" ? "File" : "Record"}, Mode: ${MODE_NAMES[st.mode]}`,
    ` Control connection: ${s.secure ? "TLS" : "clear"}; data: PROT ${st.protection}`,
    s.data.hasKeptConnection ? " Data connection open" : " No data connection",
    "End of status",
  ];
}

export const INFO_COMMANDS: Record<string, CommandSpec> = {
  NOOP: { login: false, help: "NOOP", run: (s) => s.reply(200, "NOOP ok") },
  SYST: { login: false, help: "SYST", run: (s) => s.reply(215, "UNIX Type: L8") },
  FEAT: { login: false, help: "FEAT", run: (s) => s.reply(211, features(s)) },
  OPTS: { login: false, help: "OPTS <feature> [<options>]", run: opts },
  HELP: {
    login: false,
    help: "HELP [<command>]",
    run: async (s, argument) => {
      const verb = argument.trim().toUpperCase();
      if (verb !== "") {
        const spec = COMMANDS.get(verb);
        if (spec === undefined) return s.reply(502, `Unknown command "${verb}"`);
        return s.reply(214, `Syntax: ${spec.help}`);
      }
      const verbs = [...COMMANDS.keys()].sort();
      const rows: string[] = [];
      for (let i = 0; i < verbs.length; i += 8)
        rows.push(
          ` ${verbs
            .slice(i, i + 8)
            .map((v) => v.padEnd(8))
            .join("")}`,
        );
      await s.reply(214, ["The following commands are recognized:", ...rows, "Help ok"]);
    },
  },
  STAT: {
    login: false,
    help: "STAT [<path>]",
    run: async (s, argument) => {
      if (argument.trim() === "") return s.reply(211, await statusLines(s));
      if (!s.state.loggedIn) return s.reply(530, "Please log in with USER and PASS first");
      // STAT <path>: a listing over the control connection (RFC 959 §4.1.3).
      const path = sessionPath(s, argument.replace(/^(-\w+\s*)+/, "") || ".");
      try {
        const entry = await s.state.storage.stat(path);
        if (entry === undefined) return s.reply(550, `No such file or directory: "${path}"`);
        const now = new Date();
        const entries = entry.kind === "directory" ? await s.state.storage.list(path) : [entry];
        await s.reply(213, [
          `Status of ${path}:`,
          ...entries.map((e) => formatListLine(e, now)),
          "End of status",
        ]);
      } catch (error) {
        await replyStorageError(s, error);
      }
    },
  },
  SITE: {
    help: "SITE HELP",
    run: async (s, argument) => {
      const sub = argument.trim().split(/\s+/)[0]?.toUpperCase() ?? "";
      if (sub === "HELP" || sub === "")
        return s.reply(214, ["SITE commands recognized:", " HELP", "Help ok"]);
      await s.reply(504, `SITE ${sub} not supported`);
    },
  },
  SIZE: {
    help: "SIZE <file>",
    run: async (s, argument) => {
      const path = sessionPath(s, argument);
      // Clients ask SIZE right before RETR: its file may be open already (read-ahead).
      const opened = await s.openedAheadFor(path);
      const entry = opened?.entry ?? (await s.state.storage.stat(path));
      if (entry === undefined) return s.reply(550, `No such file: "${path}"`);
      if (entry.kind === "directory") return s.reply(550, `Not a plain file: "${path}"`);
      await s.reply(213, String(s.host.faultState.size(path, entry.size)));
    },
  },
  MDTM: {
    help: "MDTM <file>",
    run: async (s, argument) => {
      const path = sessionPath(s, argument);
      const entry = await s.state.storage.stat(path);
      if (entry === undefined) return s.reply(550, `No such file: "${path}"`);
      await s.reply(213, formatTimeVal(entry.modified));
    },
  },
  MFMT: {
    writes: true,
    help: "MFMT <YYYYMMDDHHMMSS> <path>",
    run: async (s, argument) => {
      const space = argument.indexOf(" ");
      const time = space === -1 ? undefined : parseFtpTime(argument.slice(0, space));
      if (time === undefined) return s.reply(501, "MFMT needs a time YYYYMMDDHHMMSS and a path");
      const path = sessionPath(s, argument.slice(space + 1));
      try {
        await s.state.storage.setModified(path, time);
      } catch (error) {
        return replyStorageError(s, error);
      }
      await s.reply(213, `Modify=${formatTimeVal(time)}; ${argument.slice(space + 1)}`);
    },
  },
  MLST: {
    help: "MLST [<path>]",
    run: async (s, argument) => {
      const path = sessionPath(s, argument === "" ? "." : argument);
      const entry = await s.state.storage.stat(path);
      if (entry === undefined) return s.reply(550, `No such file or directory: "${path}"`);
      const line = formatMlsxLine(entry, s.state.mlstFacts, path, s.state.readOnly);
      await s.reply(250, [`Listing ${path}`, ` ${line}`, "End"]);
    },
  },
  HASH: {
    help: "HASH <file>",
    run: async (s, argument) => {
      const path = sessionPath(s, argument);
      const entry = await s.state.storage.stat(path);
      if (entry === undefined) return s.reply(550, `No such file: "${path}"`);
      if (entry.kind === "directory") return s.reply(553, `Not a plain file: "${path}"`);
      const digest = createDigest(s.state.hashAlgorithm);
      let size = 0;
      try {
        for await (const chunk of s.state.storage.read(path)) {
          digest.update(chunk);
          size += chunk.length;
        }
      } catch (error) {
        return replyStorageError(s, error);
      }
      // Answered as proftpd's mod_digest does: algorithm, byte range, digest, name.
      await s.reply(213, `${s.state.hashAlgorithm} 0-${size} ${digest.hex()} ${argument}`);
    },
  },
};
