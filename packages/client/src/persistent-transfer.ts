/**
 * A download over the persistent data connection of modes B, C and E. The end of the
 * file is its EOF marker (E: once the announced number of EOD markers arrived), so a
 * connection that closes inside a file is detected, never taken for the end of it.
 *
 * @module
 */

import {
  type FtpError,
  FtpProtocolError,
  FtpTimeoutError,
  TruncatedTransferError,
} from "@ftpkit/errors";
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
  PerFileTransfer,
  settleQuietly,
} from "./per-file-transfer.ts";
import { PersistentChannel } from "./persistent-channel.ts";
import type { BodySource } from "./retrieved-file.ts";
import { waitFor } from "./timeouts.ts";

const fitsSize = (code: number): boolean => code === 213;
const fitsOk = (code: number): boolean => code >= 200 && code < 300;

/** A file over the lane's persistent data connection. */
export class PersistentTransfer implements BodySource {
  readonly #lane: Lane;
  readonly #request: FileRequest;
  readonly mode: "B" | "C" | "E";
  #size: number | undefined;
  #sizeReply: Promise<Reply> | undefined;
  #hash: Promise<Reply> | undefined;
  #digest: Digest | undefined;
  #final: Promise<Reply> | undefined;
  #preliminary: Deferred<Reply> = deferred<Reply>();
  #channel: Promise<PersistentChannel> | undefined;
  #position: number;
  #eof = false;
  #eods = 0;
  #eodCount = 1;
  #done = false;
  #cancelled: FtpError | undefined;
  #pulling: Promise<unknown> | undefined;
  #fallback: PerFileTransfer | undefined;
  #sent = false;
  #reopened = false;
  #preliminaries = 0;
  #finished = false;

  constructor(lane: Lane, request: FileRequest, mode: "B" | "C" | "E") {
    this.#lane = lane;
    this.#request = request;
    this.mode = mode;
    this.#position = request.offset;
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
   * Writes SIZE and RETR for this file now, behind the transfer in flight: only when
   * the lane's persistent connection is proven and open.
   */
  sendAhead(): void {
    if (this.#sent) return;
    const channel = this.#lane.persistent;
    if (channel === undefined) return;
    this.#send(Promise.resolve(channel));
  }

  /**
   * Sends what is not sent yet and waits until the server accepted the transfer (1yz).
   *
   * @throws {FtpError} for this file: a 550, a refused data connection, a bad path
   */
  async start(): Promise<void> {
    if (!this.#sent) {
      const mode = this.#lane.setMode(this.mode);
      if (mode !== undefined && this.#lane.modeSupport.get(this.mode) !== true) {
        const reply = await mode;
        if (reply.code >= 300) {
          this.#lane.modeSupport.set(this.mode, false);
          throw replyError(reply, "MODE", this.mode);
        }
        this.#lane.modeSupport.set(this.mode, true);
      }
      let channel = this.#lane.persistent;
      if (
        channel !== undefined &&
        (channel.mode !== this.mode || (await channel.endedBeforeNextFile()))
      ) {
        this.#lane.dropPersistent();
        channel = undefined;
      }
      this.#send(channel === undefined ? undefined : Promise.resolve(channel));
    }
    try {
      await this.#accepted();
    } finally {
      if (this.#sizeReply !== undefined) this.#size = await sizeOf(this.#sizeReply);
    }
  }

  /** Writes the commands; opens a new data connection when `channel` is undefined. */
  #send(channel: Promise<PersistentChannel> | undefined): void {
    this.#sent = true;
    const lane = this.#lane;
    const { control } = lane;
    const { path, signal } = this.#request;
    if (this.#request.size && this.#sizeReply === undefined) {
      this.#sizeReply = control.send("SIZE", path, {
        fits: fitsSize,
        ...(signal ? { signal } : {}),
      });
    }
    if (this.#request.verify && this.#hash === undefined && this.#position === 0) {
      const hash = askHash(lane, path);
      if (hash !== undefined) {
        this.#hash = hash.reply;
        this.#digest = createDigest(hash.algorithm);
      }
    }
    this.#preliminary = deferred<Reply>();
    if (channel !== undefined) this.#sendRetr();
    this.#channel = channel ?? this.#openChannel();
    this.#channel.catch(() => {});
  }

  /** Opens the persistent connection (B, C passive; E active, the server connects) and sends RETR. */
  async #openChannel(): Promise<PersistentChannel> {
    const lane = this.#lane;
    const { control, connector } = lane;
    const { signal } = this.#request;
    lane.dropPersistent();
    // The mode may have changed since this file's commands were planned (a cut file of
    // this retrieve was resumed in MODE S): the new connection must carry this mode.
    void lane.setMode(this.mode)?.catch(() => {});
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

  #sendRetr(): void {
    const { path } = this.#request;
    this.#finished = false;
    const final = this.#lane.control.send("RETR", path, {
      transfer: true,
      fits: fitsTransfer,
      onPreliminary: (reply) => {
        this.#preliminaries++;
        this.#preliminary.resolve(reply);
      },
    });
    this.#final = final;
    final.then(
      () => {
        if (this.#final === final) this.#finished = true;
      },
      () => {
        if (this.#final === final) this.#finished = true;
      },
    );
  }

  /** Waits for the 1yz of RETR, or its refusal. */
  async #accepted(): Promise<void> {
    const lane = this.#lane;
    const { path } = this.#request;
    const channel = this.#channel!;
    let failure: unknown;
    const first = await Promise.race([
      this.#preliminary.promise.then(() => undefined),
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
    if (first === undefined || first.code < 300) return;
    // A server that closed the "persistent" connection after the last file (Hermes)
    // refuses the next RETR: once, open a new connection and ask again.
    const ch = await channel.catch(() => undefined);
    if (
      !this.#reopened &&
      ch !== undefined &&
      (ch.filesCarried > 0 || ch.dropped) &&
      (first.code === 425 || first.code === 426 || ch.ended)
    ) {
      this.#reopened = true;
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
      this.#final = undefined;
      this.#preliminary = deferred<Reply>();
      this.#channel = this.#openChannel();
      this.#channel.catch(() => {});
      return this.#accepted();
    }
    throw replyError(first, "RETR", path);
  }

  async pull(): Promise<Uint8Array[] | undefined> {
    const pulling = this.#pull();
    this.#pulling = pulling;
    try {
      return await pulling;
    } finally {
      this.#pulling = undefined;
    }
  }

  async #pull(): Promise<Uint8Array[] | undefined> {
    if (this.#fallback !== undefined) return this.#pullFallback();
    const out: Uint8Array[] = [];
    for (;;) {
      if (this.#cancelled !== undefined) throw this.#cancelled;
      if (this.#done) return undefined;
      let channel: PersistentChannel;
      let event: Awaited<ReturnType<PersistentChannel["next"]>>;
      try {
        channel = await this.#channel!;
        event = await channel.next();
      } catch (error) {
        if (this.#cancelled !== undefined) throw this.#cancelled;
        await this.#resume(error);
        return this.#pullFallback();
      }
      if (event === undefined) {
        await this.#resume(
          new TruncatedTransferError(
            `The MODE ${this.mode} data connection closed before "${this.#request.path}" began`,
            {
              bytesDelivered: this.#position - this.#request.offset,
              path: this.#request.path,
            },
          ),
        );
        return this.#pullFallback();
      }
      switch (event.type) {
        case "data": {
          if (event.offset !== undefined && event.offset !== this.#position) {
            throw new FtpProtocolError(
              `MODE E block for "${this.#request.path}" at offset ${event.offset}, expected ${this.#position} (one stream keeps blocks in order)`,
            );
          }
          this.#position += event.data.length;
          this.#digest?.update(event.data);
          out.push(event.data);
          break;
        }
        case "eof":
          this.#eof = true;
          if (event.eodCount !== undefined) this.#eodCount = event.eodCount;
          break;
        case "eod":
          this.#eods++;
          break;
        default:
          // EOR under file structure and restart markers carry nothing for a download.
          break;
      }
      const complete = this.#eof && (this.mode !== "E" || this.#eods >= this.#eodCount);
      if (complete) {
        channel.filesCarried++;
        channel.watch();
        await this.#complete();
        return out.length > 0 ? out : undefined;
      }
      if (out.length > 0) return out;
    }
  }

  /** The EOF marker arrived: check the final reply, SIZE and HASH. */
  async #complete(): Promise<void> {
    const lane = this.#lane;
    const reply = await waitFor(this.#final!, {
      ms: lane.settings.timeout,
      what: `Waiting for the end of "RETR ${this.#request.path}"`,
    }).catch((error: unknown) => {
      if (error instanceof FtpTimeoutError) void lane.control.destroy(error);
      throw error;
    });
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
    await this.#verifyHash();
    lane.stats.filesRetrieved++;
  }

  async #verifyHash(): Promise<void> {
    if (this.#hash === undefined) return;
    const reply = await this.#hash;
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
   * of this file comes over a stream-mode connection with REST at the offset reached.
   */
  async #resume(cause: unknown): Promise<void> {
    const lane = this.#lane;
    lane.dropPersistent();
    if (this.#final !== undefined) await settleQuietly(this.#final, lane.settings.timeout);
    if (!lane.control.open || this.#request.retries <= 0) {
      throw new TruncatedTransferError(
        `"${this.#request.path}" stopped after ${this.#position} bytes: ${cause instanceof Error ? cause.message : String(cause)}`,
        { bytesDelivered: this.#position - this.#request.offset, path: this.#request.path, cause },
      );
    }
    lane.settings.trace?.({
      type: "notice",
      message: `resuming "${this.#request.path}" at ${this.#position} in MODE S`,
    });
    const fallback = new PerFileTransfer(
      lane,
      {
        ...this.#request,
        offset: this.#position,
        size: false,
        knownSize: this.#size,
        verify: false,
        retries: this.#request.retries - 1,
      },
      "S",
    );
    this.#fallback = fallback;
    await fallback.start();
  }

  async #pullFallback(): Promise<Uint8Array[] | undefined> {
    const chunks = await this.#fallback!.pull();
    if (chunks === undefined) {
      this.#done = true;
      const size = this.#size;
      if (size !== undefined && this.#position !== size) {
        throw new TruncatedTransferError(
          `"${this.#request.path}" has ${this.#position} of ${size} bytes`,
          {
            bytesDelivered: this.#position - this.#request.offset,
            path: this.#request.path,
          },
        );
      }
      await this.#verifyHash();
      return undefined;
    }
    for (const c of chunks) {
      this.#position += c.length;
      this.#digest?.update(c);
    }
    return chunks;
  }

  async cancel(reason: FtpError): Promise<void> {
    if (this.#done || this.#cancelled !== undefined) return;
    this.#cancelled = reason;
    const lane = this.#lane;
    if (this.#fallback !== undefined) {
      await this.#fallback.cancel(reason);
      return;
    }
    if (lane.abortEndsSession && this.#final !== undefined && this.#channel !== undefined) {
      // GridFTP ends the session on ABOR: read the rest of the file and drop it instead.
      await this.#pulling?.catch(() => {});
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
    // Closing the connection stops the data; the server ends RETR with 426, then ABOR.
    const channel = await this.#channel?.catch(() => undefined);
    if (channel !== undefined) {
      channel.data.fail(reason);
      if (lane.persistent === channel) lane.dropPersistent();
    } else {
      void this.#channel?.then(
        (ch) => ch.close(),
        () => {},
      );
    }
    await this.#pulling?.catch(() => {});
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
    if (this.#final === undefined) return;
    await settleQuietly(this.#final, this.#lane.settings.timeout);
  }
}

async function sizeOf(reply: Promise<Reply>): Promise<number | undefined> {
  try {
    const r = await reply;
    return r.code === 213 ? parseSizeReply(r) : undefined;
  } catch {
    return undefined;
  }
}
