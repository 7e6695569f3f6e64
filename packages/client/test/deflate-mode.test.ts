import { TruncatedTransferError } from "@ftpkit/errors";
import { createEncoder } from "@ftpkit/modes";
import { describe, expect, it } from "vitest";
import { connect } from "../src/index.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { equalBytes } from "./helpers/our-server.ts";
import { type Handler, ScriptedServer } from "./helpers/scripted-server.ts";

/** ProFTPD's MODE Z: one zlib stream per data connection, written in separate pieces. */
function deflateRetr(options: { cutAfter?: number } = {}): Handler {
  return async (name, c) => {
    const file = c.server.files.get(name);
    if (file === undefined) return c.reply(550, "No such file");
    const data = await c.takeData();
    await c.reply(150, `Opening BINARY mode data connection for ${name} (${file.length} bytes)`);
    const e = createEncoder("Z", { syncFlush: true });
    const pieces = [...e.data(file.subarray(c.rest)), ...e.eof()];
    c.rest = 0;
    const w = data.writable.getWriter();
    let sent = 0;
    for (const piece of pieces) {
      if (options.cutAfter !== undefined && sent + piece.length > options.cutAfter) {
        await w.write(piece.subarray(0, options.cutAfter - sent));
        break;
      }
      // Each piece in its own write: the zlib trailer arrives alone, with no file bytes.
      await w.write(piece);
      sent += piece.length;
    }
    await w.close();
    await c.reply(226, "Transfer complete");
  };
}

describe("MODE Z", () => {
  let x = 0x9e3779b9;
  const random = new Uint8Array(300_000).map(() => {
    // xorshift32: incompressible enough that a cut lands inside the zlib stream
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x & 0xff;
  });
  const text = new TextEncoder().encode("a line of text\n".repeat(5000));

  it("inflates to the exact bytes, also when the last chunk holds only the zlib trailer", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { random, text },
      features: [" EPSV", " SIZE", " REST STREAM", " MODE Z"],
      handlers: {
        MODE: (a, c) => c.reply(a === "Z" || a === "S" ? 200 : 504, "mode"),
        RETR: deflateRetr(),
      },
    });
    await using session = await connect(server.url, { sockets });
    for await (const f of session.retrieve(["random", "text"], { mode: "Z" })) {
      expect(f.mode).toBe("Z");
      expect(equalBytes(await f.bytes(), f.path === "random" ? random : text)).toBe(true);
    }
    expect(server.count("MODE")).toBe(1);
  });

  it("a zlib stream cut short is a truncation, resumed with REST into a fresh stream", async () => {
    const sockets = memoryAdapter();
    let first = true;
    const cut = deflateRetr({ cutAfter: 100_000 });
    const whole = deflateRetr();
    await using server = await ScriptedServer.start(sockets, {
      files: { random },
      handlers: {
        MODE: (_a, c) => c.reply(200, "OK"),
        RETR: (a, c) => {
          const h = first ? cut : whole;
          first = false;
          return h(a, c);
        },
      },
    });
    await using session = await connect(server.url, { sockets });
    for await (const f of session.retrieve(["random"], { mode: "Z" })) {
      expect(equalBytes(await f.bytes(), random)).toBe(true);
    }
    expect(server.commands.filter((c) => c.startsWith("REST"))).toHaveLength(1);
  });

  it("without resumes left, the cut is a TruncatedTransferError", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { random },
      handlers: { MODE: (_a, c) => c.reply(200, "OK"), RETR: deflateRetr({ cutAfter: 50_000 }) },
    });
    await using session = await connect(server.url, { sockets });
    for await (const f of session.retrieve(["random"], { mode: "Z", retries: 0, size: false })) {
      await expect(f.bytes()).rejects.toBeInstanceOf(TruncatedTransferError);
    }
    expect(await session.pwd()).toBe("/");
  });
});
