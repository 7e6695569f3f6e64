/**
 * Transfer parameters (RFC 959 §4.1.2): TYPE MODE STRU REST ALLO, and the data
 * connection's address: PASV PORT (RFC 959), EPSV EPRT (RFC 2428).
 *
 * @module
 */

import { FtpProtocolError, formatAddress } from "@ftpkit/errors";
import {
  formatEpsvReplyText,
  formatPasvReplyText,
  type HostPort,
  isIpv4,
  parseEprtArgument,
  parsePortArgument,
} from "@ftpkit/reply";
import { canonicalHost, ipv4Of } from "../data-address.ts";
import { DataConnectionError } from "../data-channel.ts";
import type { Session } from "../session.ts";
import type { CommandSpec } from "./command-spec.ts";

const TYPE_NAMES: Record<string, string> = { A: "ASCII", I: "BINARY", L: "BINARY" };

/** PASV/EPSV: a new listener; a failure to listen is a 425. */
async function listen(s: Session): Promise<number | undefined> {
  try {
    const address = await s.data.listenPassive(s.state.protection === "P");
    return address.port;
  } catch (error) {
    const code = error instanceof DataConnectionError ? (error.code ?? 425) : 425;
    await s.reply(code, `Cannot open passive connection: ${(error as Error).message}`);
    return undefined;
  }
}

/** The address a PORT/EPRT argument names, or undefined when it is malformed. */
function parseAddress(
  parse: (argument: string) => HostPort,
  argument: string,
): HostPort | undefined {
  try {
    return parse(argument);
  } catch (error) {
    if (FtpProtocolError.isInstance(error)) return undefined;
    throw error;
  }
}

/**
 * PORT/EPRT: only to the client's own address and an unprivileged port (RFC 2577 §3:
 * otherwise this server could be used to attack a third host, the "FTP bounce").
 */
async function active(s: Session, address: HostPort | undefined, verb: string): Promise<void> {
  if (s.state.epsvAll) return s.reply(503, `${verb} refused after EPSV ALL`);
  if (address === undefined) return s.reply(501, `Malformed ${verb} argument`);
  const shown = formatAddress(address.host, address.port);
  const refusal =
    canonicalHost(address.host) !== canonicalHost(s.info.remoteAddress.hostname)
      ? "data connections go only to the client's own address (FTP bounce, RFC 2577)"
      : address.port < 1024
        ? "privileged port (RFC 2577)"
        : undefined;
  if (refusal !== undefined) {
    s.record({
      kind: "fault",
      session: s.id,
      fault: "bounce",
      detail: `${verb} to "${shown}" refused`,
    });
    return s.reply(504, `${verb} to "${shown}" refused: ${refusal}`);
  }
  if (s.state.protection === "P") {
    return s.reply(
      534,
      `${verb} refused: TLS data connections need passive mode (PASV or EPSV) here`,
    );
  }
  await s.data.setActive(address, false);
  await s.reply(200, `${verb} command successful`);
}

export const PARAMETER_COMMANDS: Record<string, CommandSpec> = {
  TYPE: {
    help: "TYPE A|I|L 8",
    run: async (s, argument) => {
      const [code = "", param] = argument.trim().toUpperCase().split(/\s+/);
      if (code === "A" && (param === undefined || param === "N")) s.state.type = "A";
      else if (code === "I" && param === undefined) s.state.type = "I";
      else if (code === "L" && param === "8") s.state.type = "L";
      else return s.reply(504, `TYPE ${argument.trim()} not supported`);
      await s.reply(200, `Type set to ${s.state.type}`);
    },
  },
  MODE: {
    help: "MODE S|B|C|Z|E",
    run: async (s, argument) => {
      const mode = argument.trim().toUpperCase();
      if (mode !== "S" && mode !== "B" && mode !== "C" && mode !== "Z" && mode !== "E") {
        return s.reply(504, `MODE ${argument.trim()} not supported`);
      }
      if (mode === "Z" && s.state.structure === "R")
        return s.reply(504, "MODE Z has no record structure");
      // A kept B/C connection carries one mode's framing; another mode starts afresh.
      if (mode !== s.state.mode && s.data.hasKeptConnection) await s.data.reset();
      s.state.mode = mode;
      await s.reply(200, `Mode set to ${mode}`);
    },
  },
  STRU: {
    help: "STRU F|R",
    run: async (s, argument) => {
      const structure = argument.trim().toUpperCase();
      if (structure !== "F" && structure !== "R") {
        return s.reply(504, `STRU ${argument.trim()} not supported`);
      }
      if (structure === "R" && s.state.mode === "Z")
        return s.reply(504, "MODE Z has no record structure");
      s.state.structure = structure;
      await s.reply(200, `Structure set to ${structure}`);
    },
  },
  REST: {
    help: "REST <offset or marker>",
    run: async (s, argument) => {
      const marker = argument.trim();
      if (s.state.mode === "B" || s.state.mode === "C") {
        // RFC 959 §3.5: in block and compressed mode REST takes a marker the server sent.
        const offset =
          s.state.markers.get(marker) ?? (/^\d+$/.test(marker) ? Number(marker) : undefined);
        if (offset === undefined) return s.reply(501, `Unknown restart marker "${marker}"`);
        s.state.restartOffset = offset;
        return s.reply(
          350,
          `Restarting at marker ${marker}. Send STORE or RETRIEVE to initiate transfer`,
        );
      }
      if (!/^\d+$/.test(marker) || !Number.isSafeInteger(Number(marker))) {
        return s.reply(501, `REST needs a byte offset, got "${marker}"`);
      }
      s.state.restartOffset = Number(marker);
      await s.reply(350, `Restarting at ${marker}. Send STORE or RETRIEVE to initiate transfer`);
    },
  },
  ALLO: {
    help: "ALLO <size>",
    run: async (s, argument) => {
      const size = Number(argument.trim().split(/\s+/)[0]);
      if (Number.isFinite(size) && size > s.host.limits.maxUploadSize) {
        return s.reply(
          552,
          `ALLO ${size} exceeds the upload limit of ${s.host.limits.maxUploadSize} bytes`,
        );
      }
      await s.reply(202, "ALLO not needed");
    },
  },
  PASV: {
    help: "PASV",
    run: async (s) => {
      if (s.state.epsvAll) return s.reply(503, "PASV refused after EPSV ALL");
      const announced = s.host.options.passive?.address ?? ipv4Of(s.info.localAddress.hostname);
      if (announced === undefined) {
        return s.reply(425, "PASV cannot name an IPv6 address: use EPSV");
      }
      // Checked before listening: the 227 text can only carry an IPv4 address.
      if (!isIpv4(announced)) {
        return s.reply(425, `PASV cannot announce "${announced}": passive.address must be IPv4`);
      }
      const port = await listen(s);
      if (port !== undefined) await s.reply(227, formatPasvReplyText(announced, port));
    },
  },
  EPSV: {
    help: "EPSV [1|2|ALL]",
    run: async (s, argument) => {
      const arg = argument.trim().toUpperCase();
      if (arg === "ALL") {
        s.state.epsvAll = true;
        return s.reply(200, "EPSV ALL accepted");
      }
      const family =
        s.info.localAddress.family === "IPv6" && ipv4Of(s.info.localAddress.hostname) === undefined
          ? "2"
          : "1";
      if (arg !== "" && arg !== family) {
        return s.reply(522, `Network protocol not supported, use (${family})`);
      }
      const port = await listen(s);
      if (port !== undefined) await s.reply(229, formatEpsvReplyText(port));
    },
  },
  PORT: {
    help: "PORT h1,h2,h3,h4,p1,p2",
    run: (s, argument) => active(s, parseAddress(parsePortArgument, argument), "PORT"),
  },
  EPRT: {
    help: "EPRT |proto|address|port|",
    run: async (s, argument) => {
      const address = parseAddress(parseEprtArgument, argument);
      if (address === undefined && /^(.)[^1-2]/.test(argument.trim())) {
        return s.reply(522, "Network protocol not supported, use (1,2)");
      }
      await active(s, address, "EPRT");
    },
  },
};

/** The word the 150 reply uses for the current type. */
export function typeName(s: Session): string {
  return TYPE_NAMES[s.state.type] ?? "BINARY";
}
