/**
 * What a control session remembers between commands (RFC 959 §5.2 defaults).
 *
 * @module
 */

import type { FileStructure, TransferMode } from "@ftpkit/modes";
import type { HashAlgorithm } from "./hash.ts";
import { MLST_FACTS } from "./listing-format.ts";
import type { Storage } from "./storage/types.ts";
import type { ServerType } from "./transfer.ts";

/** The per-session settings commands read and change. */
export interface SessionState {
  /** The name given by USER, waiting for PASS. */
  user: string | undefined;
  loggedIn: boolean;
  readOnly: boolean;
  /** The storage this session sees (the login grant's or the server's). */
  storage: Storage;
  /** The current directory, normalised. */
  cwd: string;
  type: ServerType;
  mode: TransferMode;
  structure: FileStructure;
  /** MODE Z level (OPTS MODE Z LEVEL n). */
  zLevel: number;
  /** REST: the offset the next transfer starts at. */
  restartOffset: number;
  /** RNFR: the path waiting for RNTO. */
  renameFrom: string | undefined;
  hashAlgorithm: HashAlgorithm;
  /** MLSx facts selected with OPTS MLST. */
  mlstFacts: string[];
  utf8: boolean;
  /** PBSZ received (RFC 4217 §9: before PROT). */
  pbsz: boolean;
  /** PROT: C clear, P private. */
  protection: "C" | "P";
  /** EPSV ALL was sent: PORT, EPRT and PASV are refused from now on (RFC 2428 §4). */
  epsvAll: boolean;
  loginFailures: number;
  /** Restart markers sent in this session, marker → file offset. */
  markers: Map<string, number>;
}

/** A fresh state, as after connecting or REIN. */
export function initialState(storage: Storage): SessionState {
  return {
    user: undefined,
    loggedIn: false,
    readOnly: false,
    storage,
    cwd: "/",
    type: "A",
    mode: "S",
    structure: "F",
    zLevel: 6,
    restartOffset: 0,
    renameFrom: undefined,
    hashAlgorithm: "SHA-256",
    mlstFacts: [...MLST_FACTS],
    utf8: true,
    pbsz: false,
    protection: "C",
    epsvAll: false,
    loginFailures: 0,
    markers: new Map(),
  };
}
