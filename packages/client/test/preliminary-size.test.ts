/**
 * Without SIZE (refused, or `size: false`), the size a 150 reply names ("150 Opening
 * BINARY mode data connection for a (6 bytes)." from vsftpd, ProFTPD, inetutils ftpd)
 * tells a short MODE S transfer from a complete one.
 */

import { TruncatedTransferError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { connect } from "../src/index.ts";
import { sizeInPreliminary } from "../src/per-file-transfer.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { type Handler, ScriptedServer } from "./helpers/scripted-server.ts";

const file = new Uint8Array(50_000).map((_, i) => (i * 7) & 0xff);

/**
 * RETR that sends the first `cut` bytes, closes, and says 226 (a server that does not
 * notice), then sends the rest after REST; the 150 names the whole size, as vsftpd does.
 */
function cuttingRetr(cut: number, say = (n: number) => `(${n} bytes).`): Handler {
  let cuts = 1;
  return async (name, c) => {
    const body = c.server.files.get(name)!;
    const data = await c.takeData();
    await c.reply(150, `Opening BINARY mode data connection for ${name} ${say(body.length)}`);
    const from = c.rest;
    c.rest = 0;
    const w = data.writable.getWriter();
    const end = cuts-- > 0 ? cut : body.length;
    await w.write(body.subarray(from, end));
    await w.close();
    await data.close();
    await c.reply(226, "Transfer complete.");
  };
}

describe("the size a 150 reply names", () => {
  it("reads vsftpd's, ProFTPD's and inetutils' wording; nothing from others", () => {
    const reply = (message: string) => ({ code: 150, lines: [message], message });
    expect(
      sizeInPreliminary(reply("Opening BINARY mode data connection for hello.txt (6 bytes).")),
    ).toBe(6);
    expect(
      sizeInPreliminary(reply("Opening BINARY mode data connection for big.bin (16777216 bytes)")),
    ).toBe(16_777_216);
    expect(
      sizeInPreliminary(reply("Opening BINARY mode data connection for 'hello.txt' (6 bytes).")),
    ).toBe(6);
    // A name that holds "(N bytes)" itself: the size is the last one.
    expect(
      sizeInPreliminary(
        reply("Opening BINARY mode data connection for a (12 bytes).txt (6 bytes)."),
      ),
    ).toBe(6);
    expect(sizeInPreliminary(reply("Accepted data connection"))).toBeUndefined();
    expect(sizeInPreliminary(reply("14.6 kbytes to download"))).toBeUndefined();
    expect(
      sizeInPreliminary(reply("File status okay. About to open data connection.")),
    ).toBeUndefined();
  });

  it("SIZE refused: a transfer cut short under a 226 is resumed with REST to the 150's size", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { a: file },
      features: [" EPSV", " REST STREAM"],
      handlers: {
        SIZE: (_a, c) => c.reply(502, "SIZE not implemented"),
        RETR: cuttingRetr(20_000),
      },
    });
    await using session = await connect(server.url, { sockets });
    for await (const f of session.retrieve(["a"], { mode: "S" })) {
      expect(f.size).toBe(50_000);
      expect(await f.bytes()).toEqual(file);
    }
    expect(server.commands.filter((c) => c.startsWith("REST"))).toEqual(["REST 20000"]);
  });

  it("size: false: the 150's size is used too; with retries 0 the short file is a TruncatedTransferError", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { a: file },
      handlers: { RETR: cuttingRetr(12_345) },
    });
    await using session = await connect(server.url, { sockets });
    for await (const f of session.retrieve(["a"], { mode: "S", size: false, retries: 0 })) {
      const error = await f.bytes().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TruncatedTransferError);
      expect((error as TruncatedTransferError).bytesDelivered).toBe(12_345);
    }
    expect(server.count("SIZE")).toBe(0);
  });

  it("a 150 that names no size: the transfer's end is taken as the file's (MODE S cannot tell)", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { a: file },
      handlers: { RETR: cuttingRetr(30_000, () => "") },
    });
    await using session = await connect(server.url, { sockets });
    for await (const f of session.retrieve(["a"], { mode: "S", size: false })) {
      expect(f.size).toBeUndefined();
      expect((await f.bytes()).length).toBe(30_000);
    }
  });
});
