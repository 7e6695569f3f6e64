import { FtpAbortError, FtpTimeoutError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { connect } from "../src/index.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { type Handler, ScriptedServer } from "./helpers/scripted-server.ts";

const big = new Uint8Array(4 * 1024 * 1024).map((_, i) => i & 0xff);

describe("abort, break, drain", () => {
  it("break out of the loop aborts the transfer in flight (ABOR) and the session stays usable", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, { files: { big, small: "s" } });
    await using session = await connect(server.url, { sockets });
    let read = 0;
    for await (const file of session.retrieve(["big", "small"], { mode: "S" })) {
      for await (const chunk of file.body) {
        read += chunk.length;
        if (read > 100_000) break;
      }
      break;
    }
    expect(read).toBeLessThan(big.length);
    expect(server.commands).toContain("ABOR");
    expect(server.commands.filter((c) => c.startsWith("RETR"))).toEqual(["RETR big"]);
    expect(await session.size("small")).toBe(1);
    const again = [];
    for await (const file of session.retrieve(["small"])) again.push(await file.text());
    expect(again).toEqual(["s"]);
  });

  it("break without reading the body also aborts", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, { files: { big, small: "s" } });
    await using session = await connect(server.url, { sockets });
    for await (const file of session.retrieve(["big", "small"], { mode: "S" })) {
      expect(file.path).toBe("big");
      break;
    }
    expect(server.commands).toContain("ABOR");
    expect(await session.pwd()).toBe("/");
  });

  it("drains an unread body before the next file", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, { files: { big, a: "A", b: "B" } });
    await using session = await connect(server.url, { sockets });
    const got: string[] = [];
    for await (const file of session.retrieve(["a", "big", "b"], { mode: "S" })) {
      if (file.path !== "big") got.push(await file.text());
    }
    expect(got).toEqual(["A", "B"]);
    expect(server.commands).not.toContain("ABOR");
    expect(session.stats.bytesReceived).toBe(big.length + 2);
  });

  it("a half-read body left behind is aborted when the next file is asked for", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, { files: { big, b: "B" } });
    await using session = await connect(server.url, { sockets });
    const got: string[] = [];
    for await (const file of session.retrieve(["big", "b"], { mode: "S" })) {
      if (file.path === "big") {
        const reader = file.body.getReader();
        await reader.read();
        continue;
      }
      got.push(await file.text());
    }
    expect(got).toEqual(["B"]);
    expect(server.commands).toContain("ABOR");
  });

  it("an AbortSignal aborts the retrieve; the session stays usable", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, { files: { big, small: "s" } });
    await using session = await connect(server.url, { sockets });
    const controller = new AbortController();
    const run = (async () => {
      for await (const file of session.retrieve(["big", "small"], {
        mode: "S",
        signal: controller.signal,
      })) {
        for await (const _chunk of file.body) controller.abort();
      }
    })();
    await expect(run).rejects.toBeInstanceOf(FtpAbortError);
    expect(await session.size("small")).toBe(1);
  });

  /** pure-ftpd's RETR: data until the client closes the connection, then no reply of its own. */
  const pureFtpdRetr: Handler = async (_a, c) => {
    const data = await c.takeData();
    await c.reply(150, "Accepted data connection");
    const w = data.writable.getWriter();
    try {
      for (let at = 0; ; at += 65536)
        await w.write(big.subarray(at % big.length, (at % big.length) + 65536));
    } catch {
      // The client closed it; pure-ftpd answers for RETR and ABOR together.
    }
  };

  it("survives pure-ftpd's ABOR answer (a stray 150 and a single 226)", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { big, small: "s" },
      handlers: {
        RETR: pureFtpdRetr,
        ABOR: async (_a, c) => {
          await c.reply(150, "0.502 seconds (measured here), 7.72 Mbytes per second");
          await c.reply(226, "Since you see this ABOR must've succeeded");
        },
      },
    });
    await using session = await connect(server.url, { sockets, timeout: 5000 });
    for await (const file of session.retrieve(["big"], { mode: "S" })) {
      for await (const _chunk of file.body) break;
    }
    expect(await session.size("small")).toBe(1);
  });

  it("survives pure-ftpd's other ABOR answer over TLS (one 226 for RETR and ABOR together)", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { big, small: "s" },
      handlers: {
        RETR: pureFtpdRetr,
        ABOR: (_a, c) => c.reply(226, "Since you see this ABOR must've succeeded"),
      },
    });
    await using session = await connect(server.url, { sockets, timeout: 5000 });
    for await (const file of session.retrieve(["big"], { mode: "S" })) {
      for await (const _chunk of file.body) break;
    }
    expect(await session.size("small")).toBe(1);
    expect(server.count("NOOP")).toBe(1);
  });

  it("times out a server that stops answering", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      handlers: { MDTM: () => {} },
    });
    await using session = await connect(server.url, { sockets, timeout: 200 });
    await expect(session.lastModified("a")).rejects.toBeInstanceOf(FtpTimeoutError);
    expect(session.open).toBe(false);
  });

  it("reconnects when the server drops the control connection over an aborted transfer (ProFTPD over TLS)", async () => {
    const sockets = memoryAdapter();
    let sessions = 0;
    const notices: string[] = [];
    await using server = await ScriptedServer.start(sockets, {
      files: { big, small: "s" },
      handlers: {
        USER: (_a, c) => {
          sessions++;
          return c.reply(331, "Password please");
        },
        // ProFTPD's mod_tls: a failed write to the data connection ends the session.
        RETR: async (a, c) => {
          const file = c.server.files.get(a)!;
          const data = await c.takeData();
          await c.reply(150, `Opening BINARY mode data connection for ${a}`);
          const w = data.writable.getWriter();
          try {
            for (let at = 0; at < file.length; at += 65536)
              await w.write(file.subarray(at, at + 65536));
            await w.close();
          } catch {
            await data.close();
            await c.hangUp();
            return;
          }
          await data.close();
          await c.reply(226, "Transfer complete");
        },
      },
    });
    await using session = await connect(server.url, {
      sockets,
      trace: (e) => (e.type === "notice" ? notices.push(e.message) : undefined),
    });
    await session.cd("dir");
    for await (const file of session.retrieve(["big", "small"], { mode: "S" })) {
      for await (const _chunk of file.body) break;
      break;
    }
    expect(session.open).toBe(true);
    expect(await session.size("small")).toBe(1);
    expect(sessions).toBe(2);
    expect(notices.some((n) => n.includes("while a transfer was aborted"))).toBe(true);
    // The working directory was replayed on the new connection.
    expect(server.commands.filter((c) => c === "CWD dir")).toHaveLength(2);
    const again: string[] = [];
    for await (const file of session.retrieve(["small"])) again.push(await file.text());
    expect(again).toEqual(["s"]);
  });

  it("a server that drops the connection outside an abort is not reconnected to", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { small: "s" },
      handlers: { SIZE: (_a, c) => c.hangUp() },
    });
    await using session = await connect(server.url, { sockets });
    await expect(session.size("small")).rejects.toThrow(/closed the control connection/);
    expect(session.open).toBe(false);
  });
});
