/**
 * A download over its own data connection: MODE S (the end of the connection is the
 * end of the file, RFC 959 §3.4.1), MODE Z (one zlib stream per connection), and B or C
 * against a server that closes the connection after each file anyway.
 *
 * Every attempt opens a fresh data connection (EPSV/PASV or EPRT/PORT): a stream-mode
 * data connection carries exactly one file. A transfer cut short resumes with REST at
 * the offset reached; when the server ignores REST, the bytes already delivered are
 * skipped, so no byte is duplicated or missing.
 *
 * @module
 */

import {
  FtpError,
  FtpProtocolError,
  FtpTimeoutError,
  TlsError,
  TruncatedTransferError,
} from "@ftpkit/errors";
import { createDecoder, type ModeDecoder, type ModeEvent } from "@ftpkit/modes";
import { parseHashReply, parseSizeReply, type Reply } from "@ftpkit/reply";
import type { Socket } from "@ftpkit/socket";
import { replyError } from "./control-connection.ts";
import type { DataChannel } from "./data-channel.ts";
import type { ActiveRequest, PassiveRequest } from "./data-connector.ts";
import { type Deferred, deferred } from "./deferred.ts";
import { createDigest, DIGEST_ALGORITHMS, type Digest } from "./digest.ts";
import type { Lane } from "./lane.ts";
import type { UsedMode } from "./options.ts";
import type { BodySource } from "./retrieved-file.ts";
import { type Abortable, waitFor } from "./timeouts.ts";

/** What to download and how carefully. */
export interface FileRequest {
  path: string;
  /** Absolute offset to start at (REST). */
  offset: number;
  /** Ask SIZE first (pipelined). */
  size: boolean;
  /** Verify with HASH when the server offers it. */
  verify: boolean;
  /** Resumes allowed after a cut. */
  retries: number;
  signal: Abortable | undefined;
}

/** Final reply codes a transfer command can end with (2yz that is not another command's). */
export const fitsTransfer = (code: number): boolean =>
  code >= 200 && code < 300 && code !== 200 && code !== 227 && code !== 229 && code !== 213;
const fitsSize = (code: number): boolean => code === 213;
const fitsRest = (code: number): boolean => code === 350;

/** The verb that retrieves a file; listings use LIST, MLSD, NLST. */
export type RetrieveVerb = "RETR" | "LIST" | "MLSD" | "NLST";

/** One attempt: the commands sent and the data connection coming up. */
interface Attempt {
  readonly final: Promise<Reply>;
  readonly preliminary: Deferred<Reply>;
  readonly channel: Promise<DataChannel>;
  /** The channel once it is open: a read needs no `await` of `channel` per chunk. */
  open: DataChannel | undefined;
  /** Bytes to drop at the start of this attempt's data (REST refused). */
  skip: number;
  decoder: ModeDecoder | undefined;
  /** B and C: the EOF marker was seen. */
  eof: boolean;
  /** 1yz replies the transfer command got (a second one after ABOR is pure-ftpd's ABOR reply). */
  preliminaries: number;
  /** True once the transfer command has its final reply. */
  finished: boolean;
  /** The data connection's TLS handshake did not resume the control connection's session. */
  readonly notResumed: boolean;
}

/** A download over one data connection per attempt. */
export class PerFileTransfer implements BodySource {
  readonly #lane: Lane;
  readonly #request: FileRequest;
  readonly #verb: RetrieveVerb;
  readonly mode: UsedMode;
  #size: number | undefined;
  #position: number;
  #attempt: Attempt | undefined;
  #resumes = 0;
  #done = false;
  #cancelled: FtpError | undefined;
  #pulling: Promise<unknown> | undefined;
  #hash: Promise<Reply> | undefined;
  #digest: Digest | undefined;
  /** SIZE and EPSV written ahead, while the previous file's transfer ran. */
  #prepared = false;
  #sizeReply: Promise<Reply> | undefined;
  #ahead: PassiveRequest | undefined;
  /**
   * Called once, right after the transfer command of the first attempt was queued: what
   * is queued then goes out in the same write (the next file's SIZE and EPSV).
   */
  onSent: ((final: Promise<Reply>) => void) | undefined;
  /** Largest body accepted (listings). */
  readonly #limit: number;

  constructor(
    lane: Lane,
    request: FileRequest,
    mode: "S" | "Z" | "B" | "C",
    verb: RetrieveVerb = "RETR",
    limit = Number.POSITIVE_INFINITY,
  ) {
    this.#lane = lane;
    this.#request = request;
    this.mode = mode;
    this.#verb = verb;
    this.#position = request.offset;
    this.#limit = limit;
  }

  get size(): number | undefined {
    return this.#size;
  }

  /** The path asked for. */
  get path(): string {
    return this.#request.path;
  }

  /**
   * Writes this file's SIZE and EPSV (or PASV) now, while the previous file's transfer
   * is still running, so that their replies follow its final reply without a round
   * trip; RETR goes out in {@link start}. Only for servers that answer commands after
   * the transfer (`lane.writesAheadOfTransfers`); a reply that comes during the
   * transfer anyway is matched out of order.
   *
   * @throws {FtpUsageError} for CR, LF or NUL in the path (nothing is written)
   */
  prepareAhead(): void {
    if (this.#prepared) return;
    const { control, connector } = this.#lane;
    const { path, signal } = this.#request;
    const opts = { duringTransfer: true, ...(signal ? { signal } : {}) };
    const size =
      this.#request.size && this.#verb === "RETR"
        ? control.send("SIZE", path, { fits: fitsSize, ...opts })
        : undefined;
    this.#prepared = true;
    if (size !== undefined) {
      size.catch(() => {});
      this.#sizeReply = size;
    }
    this.#ahead = connector.requestPassiveAhead(signal);
    this.#ahead.reply.catch(() => {});
  }

  /**
   * Sends the commands and waits until the server accepted the transfer (1yz).
   *
   * @throws {FtpError} for this file: a 550, a refused data connection, a bad path
   */
  async start(): Promise<void> {
    const { control } = this.#lane;
    const { path, signal } = this.#request;
    const withPath = this.#verb === "RETR" || path !== "";
    let size: Promise<Reply> | undefined = this.#sizeReply;
    if (this.#request.size && this.#verb === "RETR" && !this.#prepared) {
      // Pipelined with the transfer: SIZE costs no round trip of its own.
      size = control.send("SIZE", path, { fits: fitsSize, ...(signal ? { signal } : {}) });
    }
    if (this.#request.verify && this.#verb === "RETR" && this.#position === 0) {
      const hash = askHash(this.#lane, path);
      if (hash !== undefined) {
        this.#hash = hash.reply;
        this.#digest = createDigest(hash.algorithm);
      }
    }
    const mode = this.#lane.setMode(this.mode);
    if (mode !== undefined && this.#lane.modeSupport.get(this.mode) !== true) {
      // Unknown whether the server takes this mode: its answer decides how the data looks.
      const reply = await mode;
      if (reply.code >= 300) {
        this.#lane.modeSupport.set(this.mode, false);
        if (size !== undefined) await sizeOf(size);
        throw replyError(reply, "MODE", this.mode);
      }
      this.#lane.modeSupport.set(this.mode, true);
    }
    const ahead = this.#ahead;
    this.#ahead = undefined;
    try {
      await this.#open(this.#position, withPath, ahead);
    } finally {
      if (size !== undefined) this.#size = (await sizeOf(size)) ?? this.#size;
    }
  }

  /**
   * One attempt from `offset`: data setup, REST, the transfer command; waits for its 1yz.
   * `ahead` is a passive request written ahead; it is used unless another data request
   * followed it (a resume of the previous file), which the server kept instead.
   */
  async #open(offset: number, withPath: boolean, ahead?: PassiveRequest): Promise<void> {
    const lane = this.#lane;
    const { control, connector } = lane;
    const { path, signal } = this.#request;
    const opts = signal ? { signal } : {};
    lane.dropPersistent();
    const preliminary = deferred<Reply>();
    let connected = false;
    let notResumed = false;
    const sendTransfer = (): { rest: Promise<Reply> | undefined; final: Promise<Reply> } => {
      // REST right before RETR: inetutils ftpd forgets a REST followed by EPSV.
      const rest =
        offset > 0 ? control.send("REST", String(offset), { fits: fitsRest, ...opts }) : undefined;
      const final = control.send(this.#verb, withPath ? path : undefined, {
        transfer: true,
        fits: fitsTransfer,
        onPreliminary: (reply) => {
          if (!connected) connector.earlyPreliminary = true;
          if (this.#attempt !== undefined) this.#attempt.preliminaries++;
          // Without SIZE, the size the 150 names (vsftpd, ProFTPD, inetutils) still lets a
          // short transfer be told from a complete one. From offset 0 only: after REST,
          // vsftpd names the whole file and ProFTPD what is left of it.
          if (offset === 0 && this.#verb === "RETR" && this.#size === undefined) {
            this.#size = sizeInPreliminary(reply);
          }
          preliminary.resolve(reply);
        },
      });
      if (this.onSent !== undefined) {
        const sent = this.onSent;
        this.onSent = undefined;
        sent(final);
      }
      return { rest, final };
    };
    let sent: { rest: Promise<Reply> | undefined; final: Promise<Reply> };
    let socket: Promise<Socket>;
    if (lane.settings.dataConnection === "active") {
      const active: ActiveRequest = await connector.requestActive(signal);
      const pipelined = connector.activeProven && !control.serial;
      if (!pipelined) await connector.activeReady(active);
      sent = sendTransfer();
      if (pipelined) {
        try {
          await connector.activeReady(active);
        } catch (error) {
          await settleQuietly(sent.final, lane.settings.timeout);
          throw error;
        }
      }
      socket = connector.accept(active, signal);
    } else {
      const fresh = ahead !== undefined && ahead.generation === connector.generation;
      const passive = fresh ? ahead : connector.requestPassive(signal);
      const pipelined = connector.passiveProven && !control.serial;
      let endpoint: { host: string; port: number } | undefined;
      if (!pipelined) endpoint = await connector.passiveEndpoint(passive, signal);
      sent = sendTransfer();
      if (endpoint === undefined) {
        try {
          endpoint = await connector.passiveEndpoint(passive, signal);
        } catch (error) {
          await settleQuietly(sent.final, lane.settings.timeout);
          throw error;
        }
      }
      socket = connector.connect(endpoint, signal);
    }
    socket.then(
      () => {
        connected = true;
      },
      () => {},
    );
    const final = sent.final;
    const address = lane.control.address;
    const channel = (async (): Promise<DataChannel> => {
      const plain = await socket;
      let info: { remoteAddress: { hostname: string; port: number } };
      try {
        info = await plain.opened;
        if (connector.protect && connector.earlyPreliminary) {
          // pyftpdlib resets a data connection whose TLS handshake starts before it has
          // handled the transfer command; it says 150 first, so wait for that.
          await Promise.race([preliminary.promise, final]);
        }
        const secured = await connector.secure(plain, address, signal);
        if (connector.protect) {
          const tls = (await secured.opened).tls;
          if (tls !== undefined && !tls.resumed) notResumed = true;
        }
        const ch = connector.channel(
          secured,
          `${info.remoteAddress.hostname}:${info.remoteAddress.port}`,
        );
        // vsftpd sends 226 only after the client closed its end: close ours now (no
        // effect on TLS, where closing would send close_notify).
        if (!connector.protect && lane.settings.sockets.capabilities.halfOpen) ch.halfClose();
        return ch;
      } catch (error) {
        await plain.close().catch(() => {});
        throw error;
      }
    })();
    channel.catch(() => {});
    const attempt: Attempt = {
      final,
      preliminary,
      channel,
      open: undefined,
      skip: 0,
      // The chunks read are the transfer's own: MODE C decodes into them.
      decoder: this.mode === "S" ? undefined : createDecoder(this.mode, { decodeInPlace: true }),
      eof: false,
      preliminaries: 0,
      finished: false,
      get notResumed(): boolean {
        return notResumed;
      },
    };
    this.#attempt = attempt;
    channel.then(
      (ch) => {
        attempt.open = ch;
      },
      () => {},
    );
    final.then(
      () => {
        attempt.finished = true;
      },
      () => {
        attempt.finished = true;
      },
    );
    // The transfer is accepted once a 1yz comes; a final reply first is a refusal (550),
    // or a transfer so short that the server skipped the 1yz.
    const first = await Promise.race([
      preliminary.promise.then(() => undefined),
      final,
      channel.then(
        () => new Promise<undefined>(() => {}),
        (error: unknown) => Promise.reject(error),
      ),
    ]).catch(async (error: unknown) => {
      // The data connection failed: the server will answer the command with 425 soon.
      const reply = await settleQuietly(final, lane.settings.timeout);
      if (reply !== undefined && reply.code >= 400) throw this.#refusal(reply, withPath);
      throw error;
    });
    if (first !== undefined && first.code >= 300) {
      void channel.then(
        (ch) => ch.close(),
        () => {},
      );
      this.#attempt = undefined;
      throw this.#refusal(first, withPath);
    }
    if (sent.rest !== undefined) {
      const rest = await sent.rest;
      // REST refused: the server sends from the start; drop what we already have.
      if (rest.code !== 350) attempt.skip = offset;
    }
  }

  /**
   * The error for a refused transfer. A refusal over TLS that speaks of session reuse
   * (vsftpd "522 SSL connection failed: session reuse required", ProFTPD "425 … TLS
   * session … not resumed") means the data connection did not resume the control
   * connection's TLS session: a TlsError that names the runtime and the demand.
   */
  #refusal(reply: Reply, withPath: boolean, attempt = this.#attempt): FtpError {
    const error = replyError(reply, this.#verb, withPath ? this.#request.path : undefined);
    const { connector, settings } = this.#lane;
    // ProFTPD says only "425 Unable to build data connection: Operation not permitted";
    // a refusal right after a handshake that did not resume is taken as the same demand.
    const demanded =
      /reuse|resum/i.test(reply.message) ||
      (attempt?.notResumed === true && (reply.code === 425 || reply.code === 522));
    if (!connector.protect || !demanded) return error;
    const runtime = settings.sockets.runtime;
    const reuse = settings.sockets.capabilities.tlsSessionReuse;
    const advice =
      !reuse.tls12 && !reuse.tls13
        ? `; it cannot resume TLS sessions on this runtime, so the server must allow data connections without reuse (vsftpd require_ssl_reuse=NO, ProFTPD TLSOptions NoSessionReuseRequired)`
        : !reuse.tls13
          ? `; it resumes only TLS 1.2 sessions here: try tls: { maxVersion: "TLSv1.2" }`
          : "";
    return new TlsError(
      `The server demands that data connections resume the control connection's TLS session ("${reply.code} ${reply.message}"), and the "${runtime}" socket adapter did not resume it${advice}`,
      {
        address: this.#lane.control.address,
        reason: "tls",
        cause: error,
        command: error.command,
        code: reply.code,
        replyText: reply.message,
      },
    );
  }

  pull(): Promise<Uint8Array[] | undefined> {
    // Kept for cancel() to wait on; a settled one left here is harmless.
    const pulling = this.#pull();
    this.#pulling = pulling;
    return pulling;
  }

  async #pull(): Promise<Uint8Array[] | undefined> {
    for (;;) {
      if (this.#cancelled !== undefined) throw this.#cancelled;
      if (this.#done) return undefined;
      const attempt = this.#attempt;
      if (attempt === undefined)
        throw new FtpProtocolError(`"${this.#request.path}" has no transfer in progress`);
      let chunk: Uint8Array | undefined;
      try {
        const channel = attempt.open ?? (await attempt.channel);
        chunk = attempt.eof ? undefined : await channel.read();
      } catch (error) {
        if (this.#cancelled !== undefined) throw this.#cancelled;
        await this.#resumeAfter(error);
        continue;
      }
      if (this.#cancelled !== undefined) throw this.#cancelled;
      if (chunk === undefined) {
        const out = await this.#finish(attempt);
        if (out === "resumed") continue;
        return out.length > 0 ? out : undefined;
      }
      const out = this.#deliver(attempt, chunk);
      // With nothing to hand out (a chunk of framing only), read on; at the end marker the
      // next turn finishes the transfer.
      if (out.length > 0) return out;
    }
  }

  /** Turns a chunk of the data connection into file bytes, dropping skipped ones. */
  #deliver(attempt: Attempt, chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    if (attempt.decoder === undefined) {
      this.#take(attempt, chunk, out);
      return out;
    }
    for (const event of attempt.decoder.push(chunk)) this.#event(attempt, event, out);
    return out;
  }

  #event(attempt: Attempt, event: ModeEvent, out: Uint8Array[]): void {
    if (event.type === "data") this.#take(attempt, event.data, out);
    // Z: the zlib stream's end; B, C: the EOF marker. Either way the file is complete and
    // the connection can close at once (ProFTPD lingers ~10 s for a client that waits).
    else if (event.type === "eof") attempt.eof = true;
  }

  #take(attempt: Attempt, bytes: Uint8Array, out: Uint8Array[]): void {
    let data = bytes;
    if (attempt.skip > 0) {
      const drop = Math.min(attempt.skip, data.length);
      attempt.skip -= drop;
      data = data.subarray(drop);
      if (data.length === 0) return;
    }
    if (attempt.eof) return;
    this.#position += data.length;
    if (this.#position - this.#request.offset > this.#limit) {
      throw new FtpProtocolError(
        `The listing of "${this.#request.path}" is larger than the limit of ${this.#limit} bytes`,
      );
    }
    this.#digest?.update(data);
    out.push(data);
  }

  /** The data connection ended: check the final reply and the size, or resume. */
  async #finish(attempt: Attempt): Promise<Uint8Array[] | "resumed"> {
    const lane = this.#lane;
    const out: Uint8Array[] = [];
    const channel = await attempt.channel;
    await channel.close();
    let cut: unknown;
    if (attempt.decoder !== undefined && !attempt.eof) {
      try {
        for (const event of attempt.decoder.end()) this.#event(attempt, event, out);
      } catch (error) {
        cut = error;
      }
      if (cut === undefined && this.mode !== "Z") {
        cut = new TruncatedTransferError(`The data connection closed before the EOF marker`, {
          bytesDelivered: this.#position - this.#request.offset,
          path: this.#request.path,
        });
      }
    }
    const reply = await waitFor(attempt.final, {
      ms: lane.settings.timeout,
      what: `Waiting for the end of "${this.#verb} ${this.#request.path}"`,
    }).catch((error: unknown) => {
      if (error instanceof FtpTimeoutError) void lane.control.destroy(error);
      throw error;
    });
    if (reply.code >= 400 && this.#refusal(reply, true, attempt) instanceof TlsError) {
      throw this.#refusal(reply, true, attempt);
    }
    if (reply.code >= 400) {
      // 426/451: the server says the data is incomplete (RFC 959 §4.2).
      await this.#resume(
        new TruncatedTransferError(
          `The server ended "${this.#verb} ${this.#request.path}" with "${reply.code} ${reply.message}" after ${this.#position} bytes`,
          {
            bytesDelivered: this.#position - this.#request.offset,
            path: this.#request.path,
            code: reply.code,
            replyText: reply.message,
            command: `${this.#verb} ${this.#request.path}`,
          },
        ),
      );
      return "resumed";
    }
    if (cut !== undefined) {
      await this.#resume(cut);
      return "resumed";
    }
    const size = this.#size;
    if (size !== undefined && this.#position < size) {
      await this.#resume(
        new TruncatedTransferError(
          `"${this.#request.path}" ended after ${this.#position} of ${size} bytes (SIZE)`,
          { bytesDelivered: this.#position - this.#request.offset, path: this.#request.path },
        ),
      );
      return "resumed";
    }
    if (size !== undefined && this.#position > size && this.#verb === "RETR") {
      throw new FtpProtocolError(
        `"${this.#request.path}" sent ${this.#position} bytes, more than its SIZE of ${size}: it changed during the transfer`,
      );
    }
    await this.#verifyHash();
    this.#done = true;
    this.#attempt = undefined;
    if (this.#verb === "RETR") lane.stats.filesRetrieved++;
    return out;
  }

  async #verifyHash(): Promise<void> {
    const hash = this.#hash;
    if (hash === undefined) return;
    const reply = await hash;
    if (reply.code >= 400) return;
    const value = parseHashReply(reply);
    if (value.start !== 0 || this.#request.offset !== 0) return;
    if (value.end !== this.#position) {
      throw new TruncatedTransferError(
        `HASH says "${this.#request.path}" has ${value.end} bytes; ${this.#position} arrived`,
        { bytesDelivered: this.#position, path: this.#request.path },
      );
    }
    const digest = this.#digest;
    if (digest === undefined || digest.algorithm !== value.algorithm.toUpperCase()) return;
    const ours = digest.hex();
    if (ours !== value.hash) {
      throw new FtpProtocolError(
        `"${this.#request.path}" arrived corrupted: ${value.algorithm} is ${ours}, the server says ${value.hash}`,
      );
    }
  }

  /** The data connection failed mid-file: let the server finish the command, then resume. */
  async #resumeAfter(error: unknown): Promise<void> {
    const attempt = this.#attempt;
    if (attempt === undefined) throw error;
    const channel = await attempt.channel.catch(() => undefined);
    await channel?.close();
    const reply = await settleQuietly(attempt.final, this.#lane.settings.timeout);
    if (reply === undefined && !this.#lane.control.open) throw this.#lane.control.failure ?? error;
    await this.#resume(error);
  }

  /** Opens the next attempt at the offset reached, or ends in the typed error. */
  async #resume(cause: unknown): Promise<void> {
    const lane = this.#lane;
    const path = this.#request.path;
    this.#attempt = undefined;
    const resumable = this.#verb === "RETR";
    if (!resumable || this.#resumes >= this.#request.retries || !lane.control.open) {
      const delivered = this.#position - this.#request.offset;
      // Our own truncation error as it is; a decoder's (it knows no path) is wrapped.
      if (cause instanceof TruncatedTransferError && this.#resumes === 0 && cause.path === path)
        throw cause;
      throw new TruncatedTransferError(
        `"${path}" stopped after ${this.#position} bytes${this.#resumes > 0 ? ` and ${this.#resumes} resumes` : ""}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { bytesDelivered: delivered, path, cause },
      );
    }
    this.#resumes++;
    lane.settings.trace?.({
      type: "notice",
      message: `resuming "${path}" at ${this.#position} (attempt ${this.#resumes} of ${this.#request.retries})`,
    });
    // The digest covers the bytes delivered so far; a resume continues it.
    await this.#open(this.#position, true);
  }

  async cancel(reason: FtpError): Promise<void> {
    if (this.#done || this.#cancelled !== undefined) return;
    this.#cancelled = reason;
    const attempt = this.#attempt;
    if (attempt === undefined) return;
    const lane = this.#lane;
    // From the data connection's close on: a server may drop the session over it.
    await lane.control.whileAborting(async () => {
      const channel = await Promise.race([attempt.channel, Promise.resolve(undefined)]).catch(
        () => undefined,
      );
      if (channel !== undefined) channel.fail(reason);
      else
        void attempt.channel.then(
          (ch) => ch.fail(reason),
          () => {},
        );
      await this.#pulling?.catch(() => {});
      await abortTransfer(lane, attempt, `${this.#verb} ${this.#request.path}`);
    });
  }
}

/** What {@link abortTransfer} needs to know of a transfer command in flight. */
export interface TransferInFlight {
  readonly final: Promise<Reply>;
  readonly finished: boolean;
  readonly preliminaries: number;
}

/**
 * Ends a transfer command whose data connection the client has closed: ABOR (plain:
 * Telnet urgent data cannot cross TLS, RFC 4217 §12.4), then the command's final reply
 * (426 or 226) and ABOR's (225 or 226). pure-ftpd answers with a second 1yz and a single
 * 226 instead; then a NOOP brings the queue back in step. GridFTP ends the session on
 * ABOR, so there only the final reply is awaited. The NOOP is not pipelined behind
 * ABOR: pure-ftpd over TLS drops what follows ABOR in its input.
 */
export async function abortTransfer(
  lane: Lane,
  transfer: TransferInFlight,
  label: string,
): Promise<void> {
  if (transfer.finished) return;
  const { control } = lane;
  const timeout = lane.settings.timeout;
  await control.whileAborting(() => abortInStep(lane, transfer, label, timeout));
}

async function abortInStep(
  lane: Lane,
  transfer: TransferInFlight,
  label: string,
  timeout: number,
): Promise<void> {
  const { control } = lane;
  try {
    if (lane.abortEndsSession) {
      await waitFor(transfer.final, { ms: timeout, what: `Ending "${label}"` });
      return;
    }
    const before = transfer.preliminaries;
    let aborAnswered = false;
    const abor = control.send("ABOR", undefined, { fits: (c) => c === 225 || c === 226 });
    abor.then(
      () => {
        aborAnswered = true;
      },
      () => {},
    );
    await waitFor(transfer.final, { ms: timeout, what: `Aborting "${label}"` }).catch(
      (error: unknown) => {
        if (FtpError.isInstance(error) && error instanceof FtpTimeoutError) throw error;
      },
    );
    // pure-ftpd answers the pair with a stray 150 and one 226, or with the 226 alone: a
    // NOOP behind tells a reply left out from one still on its way.
    if (transfer.preliminaries > before || !aborAnswered) {
      await control
        .send("NOOP", undefined, { sentinel: true, fits: (c) => c === 200 })
        .catch(() => {});
    }
    await waitFor(abor, { ms: timeout, what: `Aborting "${label}"` }).catch((error: unknown) => {
      if (error instanceof FtpTimeoutError) throw error;
    });
  } catch (error) {
    await control.destroy(error as FtpError);
  }
}

/**
 * Sends HASH for a file when the server offers an algorithm we can compute, first
 * choosing it with OPTS HASH once per session (draft-bryan-ftpext-hash-02 §4).
 */
export function askHash(
  lane: Lane,
  path: string,
): { algorithm: string; reply: Promise<Reply> } | undefined {
  const offered = lane.features.get("HASH");
  if (offered === undefined) return undefined;
  const names = offered.split(";").filter((n) => n !== "");
  const current = names.find((n) => n.endsWith("*"))?.slice(0, -1);
  if (lane.hashAlgorithm === undefined) {
    const plain = names.map((n) => n.replace(/\*$/, ""));
    const wanted = DIGEST_ALGORITHMS.find((a) => plain.some((n) => n.toUpperCase() === a));
    if (wanted === undefined) return undefined;
    if (current?.toUpperCase() !== wanted) void lane.control.send("OPTS", `HASH ${wanted}`);
    lane.hashAlgorithm = wanted;
  }
  return { algorithm: lane.hashAlgorithm, reply: lane.control.send("HASH", path) };
}

/**
 * The size a 1yz names: `150 Opening BINARY mode data connection for a.txt (6 bytes).`
 * (vsftpd; ProFTPD and inetutils ftpd alike). Undefined when it names none.
 */
export function sizeInPreliminary(reply: Reply): number | undefined {
  // The last one: the file's name comes before it and may hold "(12 bytes)" itself.
  let last: string | undefined;
  for (const m of reply.message.matchAll(/\((\d{1,16}) bytes?\)/g)) last = m[1];
  if (last === undefined) return undefined;
  const n = Number(last);
  return Number.isSafeInteger(n) ? n : undefined;
}

async function sizeOf(reply: Promise<Reply>): Promise<number | undefined> {
  try {
    const r = await reply;
    return r.code === 213 ? parseSizeReply(r) : undefined;
  } catch {
    return undefined;
  }
}

/** The reply once it comes, within `ms`; undefined when it fails or times out. */
export async function settleQuietly(reply: Promise<Reply>, ms: number): Promise<Reply | undefined> {
  try {
    return await waitFor(reply, { ms, what: "Waiting for a reply" });
  } catch {
    return undefined;
  }
}
