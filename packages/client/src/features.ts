/**
 * What the server said it supports (FEAT, RFC 2389) and what the session learned by
 * trying (MODE B refused, EPSV refused, …).
 *
 * @module
 */

import { parseFeatReply, type Reply } from "@ftpkit/reply";

/** The server's FEAT answer: feature names (upper case) and their parameters. */
export class ServerFeatures {
  readonly #features: ReadonlyMap<string, string>;
  /** The greeting text, for recognising server software. */
  readonly greeting: string;

  constructor(features: ReadonlyMap<string, string>, greeting: string) {
    this.#features = features;
    this.greeting = greeting;
  }

  /** Features from a 211 FEAT reply; anything else (500, 502) means none. */
  static fromReply(reply: Reply | undefined, greeting: string): ServerFeatures {
    const map = reply !== undefined && reply.code === 211 ? parseFeatReply(reply) : new Map();
    return new ServerFeatures(map, greeting);
  }

  /** True when FEAT listed `name` (case-insensitive), e.g. `has("MLST")`. */
  has(name: string): boolean {
    return this.#features.has(name.toUpperCase());
  }

  /** The parameters of a feature (`"SHA-256*;MD5"` for HASH), or undefined. */
  get(name: string): string | undefined {
    return this.#features.get(name.toUpperCase());
  }

  /** Every feature name, upper case. */
  names(): string[] {
    return [...this.#features.keys()];
  }

  /** True when REST STREAM (RFC 3659 §5) is offered: transfers can resume at an offset. */
  get restStream(): boolean {
    return /\bSTREAM\b/i.test(this.get("REST") ?? "");
  }

  /**
   * True for servers known to leave commands written during a transfer unread until the
   * transfer's final reply: vsftpd, ProFTPD (over TLS it may answer NOOP and SIZE
   * during the transfer, which the client matches) and @ftpkit/server, recognised by
   * their greeting. Others were seen to act on such commands at once: pyftpdlib
   * answers them and a PASV/EPSV closes the running data connection; pure-ftpd answers
   * "500 Unknown command" and drops the rest of what it read.
   */
  get holdsCommandsDuringTransfers(): boolean {
    return /\(vsFTPd [\d.]+\)|\bProFTPD\b|^ftpkit server\b/i.test(this.greeting);
  }

  /** True for globus-gridftp-server: it speaks MODE E, with the server as the active side. */
  get gridftp(): boolean {
    return /gridftp/i.test(this.greeting) || (this.has("SPAS") && this.has("ERET"));
  }
}
