/**
 * A download over the persistent data connection of modes B, C and E. The end of the
 * file is its EOF marker (E: once the announced number of EOD markers arrived), so a
 * connection that closes inside a file is detected, never taken for the end of it.
 *
 * A start offset (the `offsets` option, or a resume after a cut) is a `REST` right
 * before `RETR`, on the kept connection. RFC 959 §3.5 makes the argument of REST in B
 * and C a restart marker the server sent; @ftpkit/server's markers are the decimal file
 * offset (and it takes any offset), Hermes takes REST in MODE B as a byte offset. In
 * E, GridFTP and @ftpkit/server take a byte offset (GridFTP also a range marker
 * `0-N`, which means the same). A server that sent restart markers of another shape is
 * resumed at its last marker; a refused REST makes the server start at 0, and the bytes
 * already delivered are skipped.
 *
 * @module
 */

import {
  type FtpError,
  FtpProtocolError,
  FtpTimeoutError,
  TruncatedTransferError,
} from "@ftpkit/errors";
import type { ModeEvent } from "@ftpkit/modes";
import { parseHashReply, parseSizeReply, type Reply } from "@ftpkit/reply";
import { replyError } from "./control-connection.ts";
import { type Deferred, deferred } from "./deferred.ts";
import { createDigest, type Digest } from "./digest.ts";
import type { Lane } from "./lane.ts";
import {
  abortTransfer,
  askHash,
  type FileRequest,
  fitsTransfer,
  settleQuietly,
  sizeInPreliminary,
} from "./per-file-transfer.ts";
import { PersistentChannel } from "./persistent-channel.ts";
import type { BodySource } from "./retrieved-file.ts";
import { waitFor } from "./timeouts.ts";

const fitsSize = (code: number): boolean => code === 213;
const fitsOk = (code: number): boolean => code >= 200 && code < 300;
const fitsRest = (code: number): boolean => code === 350;
const ignore = (): void => {};

/** A file over the lane's persistent data connection. */
export class PersistentTransfer implements BodySource {
  readonly #lane: Lane;
  readonly #request: FileRequest;
  readonly mode: "B" | "C" | "E";
  #size: number | undefined;
  #sizeReply: Promise<Reply> | undefined;
  #sizeKnown = false;
  #hash: Promise<Reply> | undefined;
  #digest: Digest | undefined;
  /** RETR's final reply, and the reply itself once it came. */
  #final: Promise<Reply> | undefined;
  #finalReply: Reply | undefined;
  /** Why RETR got no reply (the control connection ended), once that happened. */
  #finalError: unknown;
  /** RETR's 1yz once it came. */
  #preliminaryReply: Reply | undefined;
  /** Made only while someone waits for RETR's first reply: undefined for a 1yz, else the final one. */
  #waiter: Deferred<Reply | undefined> | undefined;
  /** The REST of the current attempt, when it starts past 0. */
  #rest: Promise<Reply> | undefined;
  /** The connection of the current attempt, and the same once it is open. */
  #channelPromise: Promise<PersistentChannel> | undefined;
  #channel: PersistentChannel | undefined;
  /** File offset of the next byte handed out. */
  #position: number;
  /** File offset of the next byte the server sends in this attempt (below #position: skipped). */
  #wire: number;
  /** The last restart marker of this file (B, C) and the file offset it stands for. */
  #marker: { text: string; at: number } | undefined;
  #eof = false;
  #eods = 0;
  #eodCount = 1;
  #done = false;
  #cancelled: FtpError | undefined;
  #pulling: Promise<unknown> | undefined;
  #sent = false;
  #reopened = false;
  #resumes = 0;
  #preliminaries = 0;
  #finished = false;

  constructor(lane: Lane, request: FileRequest, mode: "B" | "C" | "E") {
    this.#lane = lane;
    this.#request = request;
    this.mode = mode;
    this.#position = request.offset;
    this.#wire = request.offset;
  }

  get size(): number | undefined {
    return this.#size;
  }

  /** The file's path. */
  get path(): string {
    return this.#request.path;
  }

  /** True once the commands are on their way (written ahead by the lookahead). */
  get sent(): boolean {
    return this.#sent;
  }

  /**
   * Writes SIZE, REST (with an offset) and RETR for this file now, behind the transfer
   * in flight: only when the lane's persistent connection is proven and open.
   */
  sendAhead(): void {
    if (this.#sent) return;
    const channel = this.#lane.persistent;
    if (channel === undefined) return;
    this.#send(channel);
  }

  /**
   * Sends what is not sent yet and waits until the server accepted the transfer (1yz).
   *
   * @throws {FtpError} for this file: a 550, a refused data connection, a bad path
   */
  async start(): Promise<void> {
    if (!this.#sent) {
      const lane = this.#lane;
      const mode = lane.setMode(this.mode);
      if (mode !== undefined && lane.modeSupport.get(this.mode) !== true) {
        const reply = await mode;
        if (reply.code >= 300) {
          lane.modeSupport.set(this.mode, false);
          throw replyError(reply, "MODE", this.mode);
        }
        lane.modeSupport.set(this.mode, true);
      }
      let channel = lane.persistent;
      if (channel !== undefined && (channel.mode !== this.mode || channel.endedBeforeNextFile())) {
        lane.dropPersistent();
        channel = undefined;
      }
      this.#send(channel);
    }
    // Written ahead, a file's 1yz and SIZE have often come by the time it is started.
    if (this.#preliminaryReply !== undefined && this.#channel !== undefined) {
      if (this.#rest === undefined && (this.#sizeReply === undefined || this.#sizeKnown)) return;
    }
    try {
      await this.#accepted();
    } finally {
      if (this.#sizeReply !== undefined && !this.#sizeKnown) await this.#sizeReply.catch(ignore);
    }
  }

  /** Writes the commands; opens a new data connection when `channel` is undefined. */
  #send(channel: PersistentChannel | undefined): void {
    this.#sent = true;
    const lane = this.#lane;
    const { path, signal } = this.#request;
    // The 1yz will name the size (learned from an earlier file): no SIZE of its own.
    const fromPreliminary = lane.sizeInPreliminary === true && this.#request.offset === 0;
    if (this.#request.size && this.#sizeReply === undefined && !fromPreliminary) {
      this.#sizeReply = lane.control.send("SIZE", path, {
        fits: fitsSize,
        signal,
        onReply: (reply) => {
          this.#sizeKnown = true;
          this.#size = sizeIn(reply);
        },
      });
    }
    if (this.#request.verify && this.#hash === undefined && this.#position === 0) {
      const hash = askHash(lane, path);
      if (hash !== undefined) {
        this.#hash = hash.reply;
        this.#digest = createDigest(hash.algorithm);
      }
    }
    // A new attempt: no reply so far is its own (RETR goes out below, or once the new
    // connection is on its way).
    this.#final = undefined;
    this.#finalReply = undefined;
    this.#finalError = undefined;
    this.#finished = false;
    this.#preliminaryReply = undefined;
    this.#waiter = undefined;
    this.#rest = undefined;
    if (channel === undefined) {
      this.#channel = undefined;
      const opening = this.#openChannel();
      this.#channelPromise = opening;
      opening.then((ch) => {
        if (this.#channelPromise === opening) this.#channel = ch;
      }, ignore);
    } else {
      this.#sendRetr();
      this.#channel = channel;
      this.#channelPromise = Promise.resolve(channel);
    }
  }

  /** Opens the persistent connection (B, C passive; E active, the server connects) and sends RETR. */
  async #openChannel(): Promise<PersistentChannel> {
    const lane = this.#lane;
    const { control, connector } = lane;
    const { signal } = this.#request;
    lane.dropPersistent();
    // The mode may have changed since this file's commands were planned (a listing, in
    // MODE S, in between): the new connection must carry this mode.
    void lane.setMode(this.mode)?.catch(ignore);
    let channel: PersistentChannel;
    if (this.mode === "E" || lane.settings.dataConnection === "active") {
      // GridFTP: for RETR the server is the sender and must be the active side, so PORT;
      // one stream (Parallelism=1) keeps the blocks in order.
      if (this.mode === "E" && lane.features.has("PARALLEL")) {
        void control.send("OPTS", "RETR Parallelism=1,1,1;", { fits: fitsOk });
      }
      const active = await connector.requestActive(signal);
      await connector.activeReady(active);
      this.#sendRetr();
      const socket = await connector.accept(active, signal);
      const secured = await connector.secure(socket, control.address, signal);
      const info = await secured.opened;
      channel = new PersistentChannel(
        this.mode,
        connector.channel(secured, `${info.remoteAddress.hostname}:${info.remoteAddress.port}`),
      );
    } else {
      const passive = connector.requestPassive(signal);
      const pipelined = connector.passiveProven && !control.serial;
      let endpoint: { host: string; port: number } | undefined;
      if (!pipelined) endpoint = await connector.passiveEndpoint(passive, signal);
      this.#sendRetr();
      endpoint ??= await connector.passiveEndpoint(passive, signal);
      const socket = await connector.connect(endpoint, signal);
      const secured = await connector.secure(socket, control.address, signal);
      const info = await secured.opened;
      channel = new PersistentChannel(
        this.mode,
        connector.channel(secured, `${info.remoteAddress.hostname}:${info.remoteAddress.port}`),
      );
    }
    lane.persistent = channel;
    return channel;
  }

  /** REST (past offset 0) and RETR, one after the other: nothing may come between them. */
  #sendRetr(): void {
    const { control } = this.#lane;
    const { path } = this.#request;
    const at = this.#restPoint();
    this.#wire = at.offset;
    if (at.offset > 0) {
      // Right before RETR: inetutils ftpd forgets a REST followed by another command.
      this.#rest = control.send("REST", at.argument, { fits: fitsRest });
    }
    const final = control.send("RETR", path, {
      transfer: true,
      fits: fitsTransfer,
      onPreliminary: (reply) => {
        if (this.#final !== final) return;
        this.#preliminaries++;
        if (this.#preliminaryReply === undefined) this.#sizeFrom(reply);
        this.#preliminaryReply ??= reply;
        this.#waiter?.resolve(undefined);
      },
      onReply: (reply) => {
        if (this.#final !== final) return;
        this.#finished = true;
        this.#finalReply = reply;
        this.#waiter?.resolve(reply);
      },
    });
    this.#final = final;
    final.catch((error: unknown) => {
      if (this.#final !== final) return;
      this.#finished = true;
      this.#finalError = error;
      this.#waiter?.reject(error);
    });
  }

  /**
   * The size the first 1yz of a file from offset 0 names: the file's size when SIZE was
   * not asked, and a lesson for the lane when it was (do the two agree?).
   */
  #sizeFrom(reply: Reply): void {
    const lane = this.#lane;
    if (!this.#request.size || this.#request.offset !== 0 || this.#wire !== 0) return;
    const named = sizeInPreliminary(reply);
    if (this.#sizeReply === undefined) {
      if (named === undefined) lane.sizeInPreliminary = false;
      this.#size = named;
      return;
    }
    if (!this.#sizeKnown || lane.sizeInPreliminary !== undefined) return;
    lane.sizeInPreliminary = named !== undefined && named === this.#size;
  }

  /**
   * Where the next attempt starts and the REST argument that says so: the offset reached,
   * in decimal; in B and C the server's last restart marker when its markers are not
   * decimal offsets (RFC 959 §3.5: REST takes the marker as the server sent it).
   */
  #restPoint(): { offset: number; argument: string } {
    const marker = this.#marker;
    if (marker !== undefined && marker.text !== String(marker.at) && marker.at > 0) {
      return { offset: marker.at, argument: marker.text };
    }
    return { offset: this.#position, argument: String(this.#position) };
  }

  /** Waits for the 1yz of RETR, or its refusal; then for the outcome of REST. */
  async #accepted(): Promise<void> {
    // Written ahead, a file's 1yz has often come by the time it is started.
    const first =
      this.#preliminaryReply !== undefined && this.#channel !== undefined
        ? undefined
        : await this.#firstReply();
    if (first !== undefined && first.code >= 300) {
      await this.#refused(first);
      return;
    }
    if (this.#rest !== undefined) {
      const rest = await this.#rest;
      if (rest.code !== 350) {
        // The server sends from the start: what was delivered already is skipped.
        this.#wire = 0;
        this.#lane.settings.trace?.({
          type: "notice",
          message: `REST refused for "${this.#request.path}" ("${rest.code} ${rest.message}"); skipping ${this.#position} bytes`,
        });
      }
    }
  }

  /** The first reply of RETR: undefined for its 1yz, else its final reply. */
  async #firstReply(): Promise<Reply | undefined> {
    if (this.#preliminaryReply !== undefined) return undefined;
    if (this.#finalReply !== undefined) return this.#finalReply;
    // Written ahead on a control connection that ended before this file's turn.
    if (this.#finalError !== undefined) throw this.#finalError;
    this.#waiter ??= deferred<Reply | undefined>();
    // RETR went out over an open connection: its first reply decides.
    if (this.#channel !== undefined && this.#final !== undefined) return this.#waiter.promise;
    const lane = this.#lane;
    const { path } = this.#request;
    const channel = this.#channelPromise!;
    let failure: unknown;
    return Promise.race([
      this.#waiter.promise,
      (async (): Promise<Reply> => {
        // The data connection opens before RETR (B, C) or after it (E); either way wait
        // for RETR to be on its way before looking at its reply.
        try {
          await channel;
        } catch (error) {
          failure = error;
          if (this.#final === undefined) throw error;
        }
        const reply = await this.#final!;
        if (failure !== undefined && reply.code < 400) throw failure;
        return reply;
      })(),
    ]).catch(async (error: unknown) => {
      if (this.#final !== undefined) {
        const reply = await settleQuietly(this.#final, lane.settings.timeout);
        if (reply !== undefined && reply.code >= 400) throw replyError(reply, "RETR", path);
      }
      throw error;
    });
  }

  /**
   * RETR was refused. Written ahead on a connection that has gone since (a server that
   * closed it after the last file, Hermes; or a cut file resumed over a new one), it is
   * asked again, once, on the lane's connection or a new one.
   */
  async #refused(first: Reply): Promise<void> {
    const lane = this.#lane;
    const ch = await this.#channelPromise!.catch(() => undefined);
    const gone =
      ch !== undefined &&
      (ch.filesCarried > 0 || ch.dropped) &&
      (first.code === 425 || first.code === 426 || ch.ended);
    if (this.#reopened || !gone) throw replyError(first, "RETR", this.#request.path);
    this.#reopened = true;
    const current = lane.persistent;
    if (current !== undefined && current !== ch && current.mode === this.mode && !current.ended) {
      // The lane has a connection again (a cut file was resumed over it): ask there.
      this.#send(current);
      return this.#accepted();
    }
    if (!ch.dropped) {
      // The server closed it after a file: from now on this mode gets a connection per
      // file on this session. (A connection we dropped ourselves, after a cut, says
      // nothing about the server.)
      lane.perFileModes.add(this.mode);
    }
    lane.dropPersistent();
    lane.settings.trace?.({
      type: "notice",
      message: ch.dropped
        ? `the MODE ${this.mode} data connection was closed after a cut file; opening a new one`
        : `the server dropped the MODE ${this.mode} data connection; opening a new one`,
    });
    this.#send(undefined);
    return this.#accepted();
  }

  /** True once the last pull handed out the file's final bytes and the file checked out. */
  get done(): boolean {
    return this.#done && this.#cancelled === undefined;
  }

  pull(): Promise<Uint8Array[] | undefined> {
    // Kept for cancel(), which waits for a pull in flight; a settled one is harmless.
    const pulling = this.#pull();
    this.#pulling = pulling;
    return pulling;
  }

  async #pull(): Promise<Uint8Array[] | undefined> {
    let out: Uint8Array[] | undefined;
    for (;;) {
      if (this.#cancelled !== undefined) throw this.#cancelled;
      if (this.#done) return undefined;
      let channel = this.#channel;
      let event: ModeEvent | undefined = channel?.take();
      if (event === undefined) {
        try {
          channel ??= await this.#channelPromise!;
          event = await channel.next();
        } catch (error) {
          if (this.#cancelled !== undefined) throw this.#cancelled;
          await this.#resume(error);
          continue;
        }
        if (event === undefined) {
          const { path, offset } = this.#request;
          await this.#resume(
            new TruncatedTransferError(
              this.#position === offset && this.#wire === this.#position
                ? `The MODE ${this.mode} data connection closed before "${path}" began`
                : `The MODE ${this.mode} data connection closed after ${this.#position} bytes of "${path}", before its EOF marker`,
              { bytesDelivered: this.#position - offset, path },
            ),
          );
          continue;
        }
      }
      switch (event.type) {
        case "data": {
          const chunk = this.#take(event.data, event.offset);
          if (chunk !== undefined) {
            out ??= [];
            out.push(chunk);
          }
          break;
        }
        case "eof":
          this.#eof = true;
          if (event.eodCount !== undefined) this.#eodCount = event.eodCount;
          break;
        case "eod":
          this.#eods++;
          break;
        case "restart":
          this.#marker = { text: event.marker, at: this.#wire };
          break;
        default:
          // EOR under file structure carries nothing for a download.
          break;
      }
      if (this.#eof && (this.mode !== "E" || this.#eods >= this.#eodCount)) {
        channel!.filesCarried++;
        channel!.watch();
        if (this.#finalReply !== undefined && this.#hash === undefined)
          this.#check(this.#finalReply);
        else await this.#complete();
        return out;
      }
      if (out !== undefined) return out;
    }
  }

  /** The file bytes of a data block: none below the offset already delivered. */
  #take(data: Uint8Array, offset: number | undefined): Uint8Array | undefined {
    const at = this.#wire;
    if (offset !== undefined && offset !== at) {
      throw new FtpProtocolError(
        `MODE E block for "${this.#request.path}" at offset ${offset}, expected ${at} (one stream keeps blocks in order)`,
      );
    }
    this.#wire = at + data.length;
    let bytes = data;
    if (at < this.#position) {
      // REST refused, or resumed at an earlier restart marker: these bytes were delivered.
      if (this.#wire <= this.#position) return undefined;
      bytes = data.subarray(this.#position - at);
    }
    if (bytes.length === 0) return undefined;
    this.#position += bytes.length;
    this.#digest?.update(bytes);
    return bytes;
  }

  /** The EOF marker arrived: wait for the final reply, then check it, SIZE and HASH. */
  async #complete(): Promise<void> {
    const lane = this.#lane;
    const final = this.#final!;
    // Usually this RETR heads the control queue: its timer is the control connection's.
    const reply =
      this.#finalReply ??
      (lane.control.transferDataEnded(final)
        ? await final
        : await waitFor(final, {
            ms: lane.settings.timeout,
            what: `Waiting for the end of "RETR ${this.#request.path}"`,
          }).catch((error: unknown) => {
            if (error instanceof FtpTimeoutError) void lane.control.destroy(error);
            throw error;
          }));
    this.#check(reply);
    if (this.#hash !== undefined) {
      await this.#verifyHash(this.#hash);
      lane.stats.filesRetrieved++;
    }
  }

  /** The final reply and the size of a file whose EOF marker arrived. */
  #check(reply: Reply): void {
    const lane = this.#lane;
    this.#done = true;
    if (reply.code >= 400) {
      throw new TruncatedTransferError(
        `The server ended "RETR ${this.#request.path}" with "${reply.code} ${reply.message}" after its EOF marker`,
        {
          bytesDelivered: this.#position - this.#request.offset,
          path: this.#request.path,
          code: reply.code,
          replyText: reply.message,
        },
      );
    }
    const size = this.#size;
    if (size !== undefined && this.#position !== size) {
      throw new FtpProtocolError(
        `"${this.#request.path}" has ${this.#position} bytes up to its EOF marker, SIZE said ${size}: it changed during the transfer`,
      );
    }
    if (this.#hash === undefined) lane.stats.filesRetrieved++;
  }

  async #verifyHash(hash: Promise<Reply>): Promise<void> {
    const reply = await hash;
    if (reply.code >= 400) return;
    const value = parseHashReply(reply);
    if (value.start !== 0) return;
    const digest = this.#digest;
    if (digest === undefined || digest.algorithm !== value.algorithm.toUpperCase()) return;
    const ours = digest.hex();
    if (ours !== value.hash) {
      throw new FtpProtocolError(
        `"${this.#request.path}" arrived corrupted: ${value.algorithm} is ${ours}, the server says ${value.hash}`,
      );
    }
  }

  /**
   * The connection failed inside the file: it is gone for every later file too. The rest
   * of this file comes over a new connection in the same mode, with REST at the offset
   * reached (or the last restart marker); the next files go on over it.
   */
  async #resume(cause: unknown): Promise<void> {
    const lane = this.#lane;
    const { path, offset, retries } = this.#request;
    const broken = this.#channel ?? (await this.#channelPromise?.catch(() => undefined));
    if (broken !== undefined) {
      if (lane.persistent === broken) lane.persistent = undefined;
      void broken.drop();
    }
    if (this.#final !== undefined && !this.#finished) {
      await settleQuietly(this.#final, lane.settings.timeout);
    }
    if (!lane.control.open || this.#resumes >= retries) {
      const message = cause instanceof Error ? cause.message : String(cause);
      throw new TruncatedTransferError(
        `"${path}" stopped after ${this.#position} bytes${this.#resumes > 0 ? ` and ${this.#resumes} resumes` : ""}: ${message}`,
        { bytesDelivered: this.#position - offset, path, cause },
      );
    }
    this.#resumes++;
    lane.settings.trace?.({
      type: "notice",
      message: `resuming "${path}" at ${this.#position} in MODE ${this.mode} (attempt ${this.#resumes} of ${retries})`,
    });
    this.#eof = false;
    this.#eods = 0;
    this.#eodCount = 1;
    this.#reopened = false;
    this.#send(undefined);
    await this.#accepted();
  }

  async cancel(reason: FtpError): Promise<void> {
    if (this.#done || this.#cancelled !== undefined) return;
    this.#cancelled = reason;
    const lane = this.#lane;
    if (lane.abortEndsSession && this.#final !== undefined && this.#channelPromise !== undefined) {
      // GridFTP ends the session on ABOR: read the rest of the file and drop it instead.
      await this.#pulling?.catch(ignore);
      this.#cancelled = undefined;
      try {
        while ((await this.#pull()) !== undefined) {
          // dropped
        }
      } catch {
        // The file failed anyway; the session stays in step.
      }
      this.#cancelled = reason;
      return;
    }
    await lane.control.whileAborting(() => this.#abort(reason));
  }

  /** Closes the data connection, then ABOR in step with the replies. */
  async #abort(reason: FtpError): Promise<void> {
    const lane = this.#lane;
    // Closing the connection stops the data; the server ends RETR with 426, then ABOR.
    const channel = await this.#channelPromise?.catch(() => undefined);
    if (channel !== undefined) {
      channel.data.fail(reason);
      if (lane.persistent === channel) lane.dropPersistent();
    } else {
      void this.#channelPromise?.then((ch) => ch.close(), ignore);
    }
    await this.#pulling?.catch(ignore);
    const final = this.#final;
    if (final === undefined) return;
    const self = this;
    await abortTransfer(
      lane,
      {
        final,
        get finished() {
          return self.#finished;
        },
        get preliminaries() {
          return self.#preliminaries;
        },
      },
      `RETR ${this.#request.path}`,
    );
  }

  /** Waits for the replies of a transfer written ahead that will not be read (after a break). */
  async forget(): Promise<void> {
    if (this.#final === undefined || this.#finished) return;
    await settleQuietly(this.#final, this.#lane.settings.timeout);
  }
}

/** The size a SIZE reply gives; undefined for a refusal or a size that is not one. */
function sizeIn(reply: Reply): number | undefined {
  try {
    return reply.code === 213 ? parseSizeReply(reply) : undefined;
  } catch {
    return undefined;
  }
}
