/**
 * Opens data connections: passive (EPSV, RFC 2428 §3; PASV, RFC 959 §4.1.2 as the
 * fallback) and active (EPRT, RFC 2428 §2; PORT), plain or TLS (RFC 4217 §7) resuming
 * the control connection's TLS session.
 *
 * @module
 */

import {
  FtpError,
  FtpProtocolError,
  FtpUsageError,
  formatAddress,
  SocketError,
  TlsError,
} from "@ftpkit/errors";
import {
  encodeEprtArgument,
  encodePortArgument,
  parseEpsvReply,
  parsePasvReply,
  type Reply,
} from "@ftpkit/reply";
import type { Listener, Socket, SocketAdapter, SocketInfo } from "@ftpkit/socket";
import { type ControlConnection, replyError } from "./control-connection.ts";
import { DataChannel } from "./data-channel.ts";
import type { ClientTlsOptions, TraceEvent } from "./options.ts";
import type { SessionStats } from "./stats.ts";
import { type Abortable, plainSignal, waitFor } from "./timeouts.ts";
import { clientTlsOptions } from "./tls-options.ts";

/** What the connector needs from the session. */
export interface DataConnectorOptions {
  sockets: SocketAdapter;
  control: ControlConnection;
  /** The host name the user connected to (SNI and certificate check on data connections). */
  host: string;
  tls: ClientTlsOptions | undefined;
  /** PROT P in force: data connections speak TLS. */
  protect: boolean;
  trustPasvHost: boolean;
  activeHost: string | undefined;
  activePorts: { from: number; to: number } | undefined;
  connectTimeout: number;
  timeout: number;
  stats: SessionStats;
  trace: ((event: TraceEvent) => void) | undefined;
}

/** A passive data connection being set up: the EPSV or PASV command is on its way. */
export interface PassiveRequest {
  readonly verb: "EPSV" | "PASV";
  readonly reply: Promise<Reply>;
  /** Counts the session's data-connection requests: a later one replaces this one. */
  readonly generation: number;
}

/** An active data connection being set up: we listen, the server will connect. */
export interface ActiveRequest {
  readonly listener: Listener;
  readonly reply: Promise<Reply>;
}

const fitsEpsv = (code: number): boolean => code === 229;
const fitsPasv = (code: number): boolean => code === 227 || code === 228;
const fitsPort = (code: number): boolean => code >= 200 && code < 300;

/** Opens the data connections of one session, and remembers what worked. */
export class DataConnector {
  readonly #o: DataConnectorOptions;
  /** "EPSV" until it fails, then "PASV" (remembered per session). */
  #passiveVerb: "EPSV" | "PASV" = "EPSV";
  /** True once a passive request succeeded: the next ones may be pipelined with RETR. */
  #passiveProven = false;
  #activeProven = false;
  /**
   * True when the server sent the transfer's 1yz before the data connection existed
   * (pyftpdlib): there the TLS handshake waits for the 1yz, because pyftpdlib resets a
   * data connection whose handshake starts before it handled the transfer command.
   */
  earlyPreliminary = false;
  #generation = 0;

  constructor(options: DataConnectorOptions) {
    this.#o = options;
  }

  /**
   * Bumped by every PASV, EPSV, PORT and EPRT: a server keeps only the latest, so a
   * request written ahead is stale once another one followed it.
   */
  get generation(): number {
    return this.#generation;
  }

  /** Takes over what another connection of the same session learned (PASV fallback, 1yz timing). */
  learnFrom(other: DataConnector): void {
    this.#passiveVerb = other.#passiveVerb;
    if (other.earlyPreliminary) this.earlyPreliminary = true;
  }

  /** True when passive setup has worked in this session, so it can be pipelined. */
  get passiveProven(): boolean {
    return this.#passiveProven;
  }

  /** True when active setup has worked in this session, so it can be pipelined. */
  get activeProven(): boolean {
    return this.#activeProven;
  }

  /** True when data connections speak TLS. */
  get protect(): boolean {
    return this.#o.protect;
  }

  /** Sends EPSV (or PASV once EPSV failed). */
  requestPassive(signal?: Abortable): PassiveRequest {
    return this.#passive(false, signal);
  }

  /**
   * Sends EPSV (or PASV) behind a transfer that is still running, for the next file: on
   * a server that answers during transfers its reply is matched out of order.
   */
  requestPassiveAhead(signal?: Abortable): PassiveRequest {
    return this.#passive(true, signal);
  }

  #passive(ahead: boolean, signal: Abortable | undefined): PassiveRequest {
    const verb = this.#passiveVerb;
    return {
      verb,
      generation: ++this.#generation,
      reply: this.#o.control.send(verb, undefined, {
        fits: verb === "EPSV" ? fitsEpsv : fitsPasv,
        ...(ahead ? { duringTransfer: true } : {}),
        ...(signal === undefined ? {} : { signal }),
      }),
    };
  }

  /**
   * Waits for the passive reply and returns where to connect. A refused EPSV falls back
   * to PASV once; the fallback is remembered.
   *
   * @throws {FtpReplyError} when the server refuses passive mode
   */
  async passiveEndpoint(
    request: PassiveRequest,
    signal?: Abortable,
  ): Promise<{ host: string; port: number }> {
    const reply = await request.reply;
    const control = this.#o.control;
    const controlHost = control.remoteAddress.hostname;
    if (request.verb === "EPSV") {
      if (reply.code === 229) {
        this.#passiveProven = true;
        return { host: controlHost, port: parseEpsvReply(reply) };
      }
      // 500/502: EPSV unknown (RFC 2428 §3 says a client may then try PASV). PASV cannot
      // carry IPv6 addresses, so on IPv6 there is nothing to fall back to.
      if (!this.#passiveProven && control.remoteAddress.family === "IPv4" && reply.code >= 500) {
        this.#passiveVerb = "PASV";
        this.#o.trace?.({ type: "notice", message: "EPSV refused; using PASV for this session" });
        return this.passiveEndpoint(this.requestPassive(signal), signal);
      }
      throw replyError(reply, "EPSV");
    }
    if (reply.code !== 227) throw replyError(reply, "PASV");
    const named = parsePasvReply(reply);
    this.#passiveProven = true;
    if (named.host === controlHost || named.host === "0.0.0.0") {
      return { host: controlHost, port: named.port };
    }
    if (this.#o.trustPasvHost) return named;
    // A 227 naming another host is not followed: a hostile server could aim the client
    // at any host and port (CVE-2020-8284, CVE-2021-4189).
    this.#o.trace?.({
      type: "notice",
      message: `PASV named "${named.host}"; connecting to the control host "${controlHost}" instead`,
    });
    return { host: controlHost, port: named.port };
  }

  /** Opens the TCP connection of a passive transfer (TLS comes later: {@link secure}). */
  async connect(endpoint: { host: string; port: number }, signal?: Abortable): Promise<Socket> {
    const address = formatAddress(endpoint.host, endpoint.port);
    let socket: Socket;
    try {
      socket = await this.#o.sockets.connect({
        host: endpoint.host,
        port: endpoint.port,
        timeout: this.#o.connectTimeout,
        ...(signal === undefined ? {} : { signal: plainSignal(signal) }),
      });
    } catch (error) {
      throw dataConnectError(error, address);
    }
    this.#o.stats.dataConnections++;
    this.#o.trace?.({ type: "data-open", address, direction: "passive", tls: this.#o.protect });
    return socket;
  }

  /**
   * Listens for an active transfer and sends EPRT (IPv6) or PORT (IPv4) for it.
   *
   * @throws {FtpUsageError} when the adapter cannot listen
   */
  async requestActive(signal?: Abortable): Promise<ActiveRequest> {
    const { sockets, control } = this.#o;
    if (!sockets.capabilities.listen) {
      throw new FtpUsageError(
        `Active mode needs a socket adapter that can listen; "${sockets.runtime}" cannot`,
      );
    }
    const local = control.localAddress;
    const host = this.#o.activeHost ?? local.hostname;
    const listener = await this.#listen(host);
    this.#generation++;
    const port = listener.address.port;
    const ipv6 = listener.address.family === "IPv6";
    const reply = ipv6
      ? control.send("EPRT", encodeEprtArgument(listener.address.hostname, port), {
          fits: fitsPort,
          ...(signal === undefined ? {} : { signal }),
        })
      : control.send("PORT", encodePortArgument(listener.address.hostname, port), {
          fits: fitsPort,
          ...(signal === undefined ? {} : { signal }),
        });
    return { listener, reply };
  }

  async #listen(host: string): Promise<Listener> {
    const range = this.#o.activePorts;
    const ports: number[] = [];
    if (range === undefined) ports.push(0);
    else for (let p = range.from; p <= range.to && ports.length < 1000; p++) ports.push(p);
    let last: unknown;
    // A port in the range may be taken by another transfer: try the next.
    for (const port of ports) {
      try {
        return await this.#o.sockets.listen({ host, port });
      } catch (error) {
        last = error;
      }
    }
    throw dataConnectError(last, formatAddress(host, ports[0] ?? 0));
  }

  /** Waits for the PORT/EPRT reply. @throws {FtpReplyError} when refused */
  async activeReady(request: ActiveRequest): Promise<void> {
    let reply: Reply;
    try {
      reply = await request.reply;
    } catch (error) {
      await request.listener.close().catch(() => {});
      throw error;
    }
    if (reply.code >= 300) {
      await request.listener.close().catch(() => {});
      throw replyError(reply, request.listener.address.family === "IPv6" ? "EPRT" : "PORT");
    }
    this.#activeProven = true;
  }

  /**
   * Accepts the server's connection on an active listener. A connection from any other
   * host than the server is closed and the wait goes on.
   */
  async accept(request: ActiveRequest, signal?: Abortable): Promise<Socket> {
    const serverHost = this.#o.control.remoteAddress.hostname;
    const address = formatAddress(request.listener.address.hostname, request.listener.address.port);
    for (let strangers = 0; strangers < 16; strangers++) {
      let socket: Socket;
      try {
        socket = await waitFor(request.listener.accept(), {
          ms: this.#o.connectTimeout,
          signal,
          what: `Waiting for the server's data connection on "${address}"`,
        });
      } catch (error) {
        await request.listener.close().catch(() => {});
        throw error;
      }
      let info: SocketInfo;
      try {
        info = await socket.opened;
      } catch {
        continue;
      }
      if (sameHost(info.remoteAddress.hostname, serverHost)) {
        await request.listener.close().catch(() => {});
        this.#o.stats.dataConnections++;
        this.#o.trace?.({
          type: "data-open",
          address: formatAddress(info.remoteAddress.hostname, info.remoteAddress.port),
          direction: "active",
          tls: this.#o.protect,
        });
        return socket;
      }
      this.#o.trace?.({
        type: "notice",
        message: `refused a data connection from "${info.remoteAddress.hostname}": not the server`,
      });
      await socket.close().catch(() => {});
    }
    await request.listener.close().catch(() => {});
    throw new FtpProtocolError(`Too many foreign connections to the active listener "${address}"`);
  }

  /**
   * Starts TLS on a data connection when PROT P is in force, resuming the control
   * connection's session (RFC 4217 §10.2; vsftpd and ProFTPD refuse data connections
   * that do not resume it). The session is asked for right now: TLS 1.3 servers renew
   * tickets.
   */
  async secure(socket: Socket, address: string, signal?: Abortable): Promise<Socket> {
    if (!this.#o.protect) return socket;
    // The same name as the control connection is checked, although the data connection
    // goes to the control connection's IP address.
    const options = clientTlsOptions(this.#o.tls, this.#o.host);
    const session = this.#o.control.tlsSession();
    if (session !== undefined) options.session = session;
    const secured = socket.startTls(options);
    try {
      const info = await waitFor(secured.opened, {
        ms: this.#o.connectTimeout,
        signal,
        what: `The TLS handshake of the data connection "${address}"`,
      });
      if (session !== undefined && info.tls !== undefined && !info.tls.resumed) {
        this.#o.trace?.({
          type: "notice",
          message: `the data connection "${address}" did not resume the control connection's TLS session`,
        });
      }
    } catch (error) {
      await secured.close().catch(() => {});
      if (FtpError.isInstance(error) && !(error instanceof SocketError)) throw error;
      throw new TlsError(
        `The TLS handshake of the data connection "${address}" failed${session === undefined ? " (the runtime gave no TLS session to resume)" : ""}: ${errorText(error)}`,
        { address, reason: "tls", cause: error },
      );
    }
    return secured;
  }

  /** Wraps an open data socket for reading. */
  channel(socket: Socket, address: string): DataChannel {
    return new DataChannel(socket, address, {
      stats: this.#o.stats,
      trace: this.#o.trace,
      idleTimeout: this.#o.timeout,
    });
  }
}

function sameHost(a: string, b: string): boolean {
  const strip = (h: string): string => h.replace(/^::ffff:/i, "").toLowerCase();
  return strip(a) === strip(b);
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function dataConnectError(error: unknown, address: string): FtpError {
  if (error instanceof SocketError) {
    if (error.message.includes(address)) return error;
    const Kind = error.constructor as typeof SocketError;
    return new Kind(`Cannot open data connection to "${address}": ${error.message}`, {
      address,
      reason: error.reason,
      cause: error,
    });
  }
  if (FtpError.isInstance(error)) return error;
  return new SocketError(`Cannot open data connection to "${address}": ${errorText(error)}`, {
    address,
    reason: "other",
    cause: error,
  });
}
