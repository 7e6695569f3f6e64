/**
 * The hostile peers of the attack list, checked without clocks: each must end in the
 * expected typed error within its byte bound (the work done is bounded by the configured
 * limit: an operation-count proxy for linear time), or take everything without an error;
 * announced sizes must not turn into allocations (data events are views of the pushed
 * chunks). Memory retained and time per byte are measured by `pnpm fuzz`.
 */
import { TruncatedTransferError } from "@ftpkit/errors";
import { createDecoder, extendedBlockHeader, type ModeEvent } from "@ftpkit/modes";
import { parseListing, ReplyParser } from "@ftpkit/reply";
import { describe, expect, it } from "vitest";
import { latin1 } from "../src/bytes.ts";
import { HOSTILE_CASES } from "../src/hostile.ts";
import { runHostile } from "../src/hostile-runner.ts";

const MiB = 1024 * 1024;

function hostile(name: string): (typeof HOSTILE_CASES)[number] {
  const c = HOSTILE_CASES.find((h) => h.name === name);
  if (c === undefined) throw new Error(`no hostile case ${name}`);
  return c;
}

/** Bytes of an unterminated banner fed one at a time until the parser gives up. */
function bannerBytesUntilError(maxReplyLines: number): number {
  const parser = new ReplyParser({ maxReplyLines });
  const head = latin1("220-Welcome\r\n");
  const line = latin1(" line\r\n");
  let fed = 0;
  try {
    for (const b of head) {
      parser.push(Uint8Array.of(b));
      fed++;
    }
    for (let i = 0; fed < 10 * MiB; fed++, i = (i + 1) % line.length)
      parser.push(line.subarray(i, i + 1));
  } catch {
    return fed + 1;
  }
  return Number.POSITIVE_INFINITY;
}

describe("control connection", () => {
  it("an unterminated multi-line banner fed 1 byte at a time (up to 10 MB) errors at the line-count limit, after work proportional to the limit", () => {
    const result = runHostile(hostile("reply-unterminated-banner-bytewise"), { size: 10 * MiB });
    expect(result.problems).toEqual([]);
    expect(result.error).toMatch(/^FtpProtocolError: .*more than the limit of 10000 lines/);
    // Doubling the limit doubles the bytes consumed before the error: linear, not more.
    const a = bannerBytesUntilError(1000);
    const b = bannerBytesUntilError(2000);
    expect(a).toBeLessThan(13 + 1001 * 7 + 1);
    expect(b - 13).toBe(2 * (a - 13));
  });

  it("a 10 MB reply line errors once the line limit is passed, in 64 KB chunks and byte by byte", () => {
    for (const name of [
      "reply-endless-line",
      "reply-endless-line-bytewise",
      "command-endless-line",
    ]) {
      const result = runHostile(hostile(name), { size: 10 * MiB });
      expect(result.problems, name).toEqual([]);
      expect(result.fed, name).toBeLessThanOrEqual(8192 + 64 * 1024 + 5);
    }
  });

  it("endless stray lines, Telnet subnegotiations and replies are taken without an error", () => {
    for (const name of [
      "reply-endless-stray-lines",
      "reply-endless-telnet-subnegotiation",
      "reply-endless-replies",
      "command-endless-empty-lines",
    ]) {
      const result = runHostile(hostile(name), { size: 4 * MiB });
      expect(result.problems, name).toEqual([]);
      expect(result.fed, name).toBe(4 * MiB);
    }
  });

  it("an endless listing gives one entry per line, and one 4 MB line one entry", () => {
    const line = "-rw-r--r--    1 ftp      ftp          1234 Jan 02  2020 file name.txt\r\n";
    const body = latin1(line.repeat(Math.floor((4 * MiB) / line.length)));
    expect(parseListing(body)).toHaveLength(Math.floor((4 * MiB) / line.length));
    const long = parseListing(latin1(`-rw-r--r-- 1 a b 1 Jan 02 2020 ${"x".repeat(4 * MiB)}`));
    expect(long).toHaveLength(1);
    expect(long[0]?.name.length).toBe(4 * MiB);
  });
});

describe("data connection", () => {
  it("a MODE B header announcing 65535 bytes, then 1000 bytes and the end: views of the chunk, then a truncation with the 1000 bytes", () => {
    const d = createDecoder("B");
    const header = Uint8Array.of(0x00, 0xff, 0xff);
    const body = new Uint8Array(1000).fill(7);
    expect(d.push(header)).toEqual([]);
    const events = d.push(body);
    expect(events).toHaveLength(1);
    const ev = events[0] as Extract<ModeEvent, { type: "data" }>;
    expect(ev.data.buffer).toBe(body.buffer);
    expect(ev.data.length).toBe(1000);
    let error: unknown;
    try {
      d.end();
    } catch (e) {
      error = e;
    }
    expect(TruncatedTransferError.isInstance(error)).toBe(true);
    expect((error as TruncatedTransferError).bytesDelivered).toBe(1000);
  });

  it("a MODE E header announcing 2^63 bytes is refused at its 17th byte; 2^53 - 1 announced costs nothing up front", () => {
    const refused = runHostile(hostile("mode-E-count-2^63"), { size: MiB });
    expect(refused.problems).toEqual([]);
    expect(refused.fed).toBeLessThanOrEqual(17);
    const d = createDecoder("E");
    const chunk = new Uint8Array(64 * 1024);
    d.push(extendedBlockHeader(0, 2 ** 53 - 1, 0));
    let delivered = 0;
    for (let i = 0; i < 64; i++) {
      for (const ev of d.push(chunk)) {
        expect(ev.type === "data" && ev.data.buffer === chunk.buffer).toBe(true);
        if (ev.type === "data") delivered += ev.data.length;
      }
    }
    expect(delivered).toBe(64 * chunk.length);
    expect(() => d.end()).toThrow(/inside a block/);
  });

  it("endless MODE C filler decodes to exactly 63 bytes per code byte, without an error, and ends in a truncation", () => {
    const d = createDecoder("C");
    const chunk = new Uint8Array(64 * 1024).fill(0xff);
    let out = 0;
    for (let fed = 0; fed < 10 * MiB; fed += chunk.length) {
      let pushOut = 0;
      for (const ev of d.push(chunk)) if (ev.type === "data") pushOut += ev.data.length;
      expect(pushOut).toBe(63 * chunk.length);
      out += pushOut;
    }
    expect(out).toBe(63 * 10 * MiB);
    expect(() => d.end()).toThrow(/before the EOF escape/);
  });

  it.each(
    HOSTILE_CASES.filter(
      (c) => c.kind === "stream" && !["reply-unterminated-banner-long-lines"].includes(c.name),
    ).map((c) => [c.name, c]),
  )(
    "%s: the expected error within its bound, or none",
    (_name, c) => {
      // Enough bytes to reach the error where one is expected; a few MiB where none is.
      const plenty = c.name.startsWith("mode-Z")
        ? 32 * 1024
        : c.name.includes("bytewise")
          ? 512 * 1024
          : 4 * MiB;
      const size =
        c.expect.error === undefined
          ? Math.min(c.size, plenty)
          : Math.min(c.size, c.expect.error.within + 64 * 1024);
      const result = runHostile(c, { size });
      expect(result.problems).toEqual([]);
    },
    60_000,
  );
});
