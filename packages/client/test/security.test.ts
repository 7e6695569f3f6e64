/**
 * The known classes of attack on an FTP client, each with a test that fails on the
 * vulnerable behaviour. (Server-side ones, raw sockets against @ftpkit/server, are in
 * packages/interop/test/attacks-server.test.ts.)
 */

import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testCertificate } from "@ftpkit/conformance";
import {
  FtpError,
  FtpProtocolError,
  FtpReplyError,
  FtpUsageError,
  TlsError,
  TruncatedTransferError,
} from "@ftpkit/errors";
import { extendedBlockHeader } from "@ftpkit/modes";
import { encodeReply } from "@ftpkit/reply";
import { createServer, type FtpServer, memoryStorage } from "@ftpkit/server";
import type { Listener, Socket, SocketAdapter } from "@ftpkit/socket";
import { nodeSockets } from "@ftpkit/socket-node";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connect, type RetrievedFile } from "../src/index.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { equalBytes } from "./helpers/our-server.ts";
import { type Handler, ScriptedServer } from "./helpers/scripted-server.ts";

const enc = new TextEncoder();
const BAD = ["a\r\nDELE victim", "a\nDELE victim", "a\rDELE victim", "a\0victim"];

async function drain(files: AsyncIterable<RetrievedFile>): Promise<RetrievedFile[]> {
  const out: RetrievedFile[] = [];
  for await (const f of files) {
    out.push(f);
    if (f.ok) await f.discard();
  }
  return out;
}

describe("CR, LF and NUL in a path or argument: refused before anything is sent", () => {
  it("in every operation of the session: no byte reaches the server", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { a: "A", victim: "V" },
      features: [" EPSV", " SIZE", " MLST type*;size*;"],
    });
    await using session = await connect(server.url, { sockets });
    const dir = await mkdtemp(join(tmpdir(), "ftpkit-crlf-"));
    try {
      const commands = server.commands.length;
      const chunks = server.controlChunks;
      const writes = session.stats.writes;
      for (const bad of BAD) {
        for (const mode of ["S", "B"] as const) {
          for (const size of [true, false]) {
            const files = await drain(session.retrieve([bad], { mode, size }));
            expect(files.map((f) => f.ok)).toEqual([false]);
            expect(files[0]!.error).toBeInstanceOf(FtpUsageError);
          }
        }
        await expect(session.list(bad)).rejects.toBeInstanceOf(FtpUsageError);
        await expect(session.size(bad)).rejects.toBeInstanceOf(FtpUsageError);
        await expect(session.lastModified(bad)).rejects.toBeInstanceOf(FtpUsageError);
        await expect(session.cd(bad)).rejects.toBeInstanceOf(FtpUsageError);
        await expect(session.send(`SITE ${bad}`)).rejects.toBeInstanceOf(FtpUsageError);
        const saved = await session.downloadTo(dir, [bad]);
        expect(saved[0]!.error).toBeInstanceOf(FtpUsageError);
      }
      expect(server.commands.length).toBe(commands);
      expect(server.controlChunks).toBe(chunks);
      expect(session.stats.writes).toBe(writes);
      expect(await readdir(dir)).toEqual([]);
      // The session is unharmed.
      expect(await session.size("victim")).toBe(1);
      expect(server.commands.some((c) => c.startsWith("DELE"))).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("in the user, password or account: refused before connecting at all", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets);
    for (const bad of BAD) {
      for (const field of ["user", "password", "account"] as const) {
        await expect(connect(server.url, { sockets, [field]: bad })).rejects.toBeInstanceOf(
          FtpUsageError,
        );
      }
      await expect(
        connect(`ftp://${encodeURIComponent(bad)}:x@127.0.0.1:${server.port}/`, { sockets }),
      ).rejects.toBeInstanceOf(FtpUsageError);
    }
    expect(sockets.connects).toBe(0);
    expect(server.commands).toEqual([]);
  });
});

describe("a 227 reply naming another host is not followed (CVE-2020-8284, CVE-2021-4189)", () => {
  // Real loopback sockets: the server on 127.0.0.1 answers PASV with 127.0.0.2 and the
  // same port, where a decoy listens and records whoever connects.
  const sockets = nodeSockets();

  async function decoyOn(port: number): Promise<{ listener: Listener; seen: Socket[] }> {
    const listener = await sockets.listen({ host: "127.0.0.2", port });
    const seen: Socket[] = [];
    void (async () => {
      for await (const s of listener) seen.push(s);
    })();
    return { listener, seen };
  }

  async function pasvServer(): Promise<{
    server: ScriptedServer;
    decoys: { listener: Listener; seen: Socket[] }[];
  }> {
    const decoys: { listener: Listener; seen: Socket[] }[] = [];
    const pasv: Handler = async (_a, c) => {
      const real = await c.listen();
      const decoy = await decoyOn(real.port);
      decoys.push(decoy);
      const accepted = real.accept();
      accepted.catch(() => {});
      c.state.data = accepted;
      c.state.decoy = decoy;
      await c.reply(227, `Entering Passive Mode (127,0,0,2,${real.port >> 8},${real.port & 255}).`);
    };
    const retr: Handler = async (_a, c) => {
      const decoy = c.state.decoy as { seen: Socket[] };
      // Whichever connection comes: the control host's listener, or the decoy.
      const viaDecoy = new Promise<Socket>((resolve) => {
        const check = (): void => {
          const s = decoy.seen[0];
          if (s !== undefined) resolve(s);
          else setImmediate(check);
        };
        check();
      });
      const [socket, which] = await Promise.race([
        (c.state.data as Promise<Socket>).then((s) => [s, "control host"] as const),
        viaDecoy.then((s) => [s, "decoy"] as const),
      ]);
      await c.reply(150, "Opening data connection");
      const w = socket.writable.getWriter();
      await w.write(enc.encode(`data from the ${which}`));
      await w.close();
      await c.reply(226, "Transfer complete");
    };
    const server = await ScriptedServer.start(sockets, {
      files: { a: "x" },
      handlers: { EPSV: (_a, c) => c.reply(502, "EPSV not implemented"), PASV: pasv, RETR: retr },
    });
    return { server, decoys };
  }

  it("connects to the control connection's host; nobody reaches the host the 227 named", async () => {
    const { server, decoys } = await pasvServer();
    try {
      await using session = await connect(server.url, { sockets });
      const texts: string[] = [];
      for await (const f of session.retrieve(["a", "a"], { mode: "S", size: false }))
        texts.push(await f.text());
      expect(texts).toEqual(["data from the control host", "data from the control host"]);
      expect(decoys).toHaveLength(2);
      for (const d of decoys) expect(d.seen).toHaveLength(0);
    } finally {
      for (const d of decoys) await d.listener.close();
      await server.close();
    }
  });

  it("follows it with trustPasvHost: true", async () => {
    const { server, decoys } = await pasvServer();
    try {
      await using session = await connect(server.url, { sockets, trustPasvHost: true });
      const texts: string[] = [];
      for await (const f of session.retrieve(["a"], { mode: "S", size: false }))
        texts.push(await f.text());
      expect(texts).toEqual(["data from the decoy"]);
      expect(decoys[0]!.seen).toHaveLength(1);
    } finally {
      for (const d of decoys) {
        for (const s of d.seen) await s.close();
        await d.listener.close();
      }
      await server.close();
    }
  });
});

describe("hostile names from LIST and MLSD never write outside the folder (CVE-2026-27699, CVE-2018-10916)", () => {
  let base: string;
  beforeEach(async () => {
    base = await mkdtemp(join(tmpdir(), "ftpkit-names-"));
  });
  afterEach(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function tree(dir: string, prefix = ""): Promise<string[]> {
    const out: string[] = [];
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const rel = prefix + e.name;
      if (e.isDirectory()) out.push(...(await tree(join(dir, e.name), `${rel}/`)));
      else out.push(rel);
    }
    return out.sort();
  }

  const hostile = [
    "../x",
    "../../x",
    "/etc/x",
    "C:\\x",
    "C:x",
    "a/../../x",
    "a/./../../../x",
    "..\\..\\x",
    "\\\\server\\share\\x",
    "..",
    "nul\0x",
    "dir/../..",
    "ok.txt",
    "dir/nested.txt",
  ];

  for (const format of ["MLSD", "LIST"] as const) {
    it(`${format}: each name is saved inside the folder or refused, and nothing outside changes`, async () => {
      const sockets = memoryAdapter();
      const files: Record<string, string> = {};
      for (const name of hostile) files[name] = `content of ${JSON.stringify(name)}`;
      const lines =
        format === "MLSD"
          ? hostile.map((n) => `type=file;size=10; ${n}\r\n`)
          : hostile.map((n) => `-rw-r--r--    1 1000     1000           10 Jan 02  2020 ${n}\r\n`);
      const listing: Handler = async (_a, c) => {
        const data = await c.takeData();
        await c.reply(150, "Here comes the listing");
        const w = data.writable.getWriter();
        await w.write(enc.encode(lines.join("")));
        await w.close();
        await c.reply(226, "Directory send OK");
      };
      await using server = await ScriptedServer.start(sockets, {
        files,
        features: format === "MLSD" ? [" EPSV", " SIZE", " MLST type*;size*;"] : undefined,
        handlers: { [format]: listing },
      });
      await using session = await connect(server.url, { sockets });
      // Something the attack would overwrite, next to the target folder.
      await writeFile(join(base, "x"), "untouched");
      const names = (await session.list()).map((e) => e.name);
      expect(names).toEqual(expect.arrayContaining(hostile.filter((n) => n !== "..")));
      const target = join(base, "target");
      const results = await session.downloadTo(target, names);
      for (const r of results) {
        if (r.ok) expect(r.localPath!.startsWith(`${target}/`), r.path).toBe(true);
        else expect(r.error, r.path).toBeInstanceOf(FtpUsageError);
      }
      expect(await readFile(join(base, "x"), "utf8")).toBe("untouched");
      const everything = await tree(base);
      expect(everything.filter((p) => !p.startsWith("target/"))).toEqual(["x"]);
      expect(everything).toEqual(
        expect.arrayContaining(["target/ok.txt", "target/dir/nested.txt", "target/etc/x"]),
      );
      // The refused names were never asked for.
      const asked = server.commands.filter((c) => c.startsWith("RETR ")).map((c) => c.slice(5));
      expect(asked.sort()).toEqual(["/etc/x", "dir/nested.txt", "ok.txt"]);
    });
  }
});

/** A one-connection server that runs `script` on the control connection. */
async function rawServer(
  sockets: SocketAdapter,
  script: (writer: WritableStreamDefaultWriter<Uint8Array>, socket: Socket) => Promise<void>,
): Promise<{ url: string; done: Promise<void>; close(): Promise<void> }> {
  const listener = await sockets.listen({ host: "127.0.0.1", port: 0 });
  let socket: Socket | undefined;
  const done = (async () => {
    socket = await listener.accept();
    const writer = socket.writable.getWriter();
    await script(writer, socket).catch(() => {});
  })();
  return {
    url: `ftp://u:p@127.0.0.1:${listener.address.port}/`,
    done,
    close: async () => {
      await listener.close();
      await socket?.close();
    },
  };
}

/** Writes `chunk` until the peer stops taking it (or `limit` bytes); returns the bytes written. */
async function flood(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  chunk: Uint8Array,
  limit = 64 * 1024 * 1024,
): Promise<number> {
  let written = 0;
  try {
    while (written < limit) {
      await writer.write(chunk);
      written += chunk.length;
    }
  } catch {
    // The client closed the connection.
  }
  return written;
}

describe("endless input stays within the configured bounds", () => {
  const chunk = new Uint8Array(16 * 1024).fill(0x78);

  it("an endless reply line: a FtpProtocolError once the line passes maxReplyLineLength", async () => {
    const sockets = memoryAdapter();
    let written = 0;
    const server = await rawServer(sockets, async (w) => {
      await w.write(enc.encode("220-"));
      written = await flood(w, chunk);
    });
    try {
      const error = await connect(server.url, { sockets, maxReplyLineLength: 4096 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FtpProtocolError);
      await server.done;
      // The client stopped reading right after the limit: what the server got rid of is
      // the limit plus what the socket buffers hold (64 KiB), not the 64 MiB it offered.
      expect(written).toBeLessThan(256 * 1024);
    } finally {
      await server.close();
    }
  });

  it("an unterminated multi-line banner: a FtpProtocolError after maxReplyLines lines", async () => {
    const sockets = memoryAdapter();
    let written = 0;
    const line = enc.encode(" still the banner\r\n".repeat(800));
    const server = await rawServer(sockets, async (w) => {
      await w.write(enc.encode("220-Welcome\r\n"));
      written = await flood(w, line);
    });
    try {
      const error = await connect(server.url, { sockets, maxReplyLines: 1000 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FtpProtocolError);
      await server.done;
      expect(written).toBeLessThan(256 * 1024);
    } finally {
      await server.close();
    }
  });

  it("a banner of long lines: a FtpProtocolError once its text passes maxReplyBytes", async () => {
    const sockets = memoryAdapter();
    let written = 0;
    const line = enc.encode(` ${"b".repeat(4000)}\r\n`);
    const server = await rawServer(sockets, async (w) => {
      await w.write(enc.encode("220-Welcome\r\n"));
      written = await flood(w, line);
    });
    try {
      const error = await connect(server.url, { sockets, maxReplyBytes: 64 * 1024 }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FtpProtocolError);
      await server.done;
      // Far below maxReplyLines (10000) × 4000 bytes: the byte bound stopped it.
      expect(written).toBeLessThan(512 * 1024);
    } finally {
      await server.close();
    }
  });

  it("an endless listing: a FtpProtocolError at maxListingBytes, and the session goes on", async () => {
    const sockets = memoryAdapter();
    let written = 0;
    const entry = enc.encode("-rw-r--r--    1 ftp ftp 1 Jan 02  2020 name\r\n".repeat(300));
    const list: Handler = async (_a, c) => {
      const data = await c.takeData();
      await c.reply(150, "Here comes the listing");
      written = await flood(data.writable.getWriter(), entry);
      await data.close();
      await c.reply(426, "Connection closed; transfer aborted.");
    };
    await using server = await ScriptedServer.start(sockets, { handlers: { LIST: list } });
    await using session = await connect(server.url, { sockets, maxListingBytes: 100_000 });
    await expect(session.list()).rejects.toBeInstanceOf(FtpProtocolError);
    expect(written).toBeLessThan(100_000 + 256 * 1024);
    expect(await session.pwd()).toBe("/");
  });
});

describe("a huge SIZE or block count is a claim, never an allocation", () => {
  it("SIZE 2^53: not a size (FtpProtocolError); a retrieve goes on without it", async () => {
    const sockets = memoryAdapter();
    await using server = await ScriptedServer.start(sockets, {
      files: { a: "tiny" },
      handlers: { SIZE: (_a, c) => c.reply(213, String(2 ** 53)) },
    });
    await using session = await connect(server.url, { sockets });
    await expect(session.size("a")).rejects.toBeInstanceOf(FtpProtocolError);
    for await (const f of session.retrieve(["a"], { mode: "S" })) {
      // Not SIZE's claim: the size the 150 names ("… for a (4 bytes)").
      expect(f.size).toBe(4);
      expect(await f.text()).toBe("tiny");
    }
  });

  /** A MODE B server whose RETR sends `bytes` raw on a new data connection, then closes it. */
  function blockServer(sockets: SocketAdapter, bytes: Uint8Array): Promise<ScriptedServer> {
    const retr: Handler = async (_a, c) => {
      const data = await c.takeData();
      await c.reply(150, "Opening BINARY mode data connection");
      const w = data.writable.getWriter();
      await w.write(bytes);
      await w.close();
      await data.close();
      await c.reply(426, "Connection closed; transfer aborted.");
    };
    return ScriptedServer.start(sockets, {
      files: { a: "x" },
      handlers: { MODE: (a, c) => c.reply(a === "B" || a === "S" ? 200 : 504, "mode"), RETR: retr },
    });
  }

  it("MODE B: a block header announcing 65535 bytes, then the connection closes", async () => {
    const sockets = memoryAdapter();
    const payload = new Uint8Array(1000).map((_, i) => i % 253);
    const wire = new Uint8Array(3 + payload.length);
    wire.set([0x00, 0xff, 0xff]);
    wire.set(payload, 3);
    await using server = await blockServer(sockets, wire);
    await using session = await connect(server.url, { sockets });
    const delivered: Uint8Array[] = [];
    for await (const f of session.retrieve(["a"], { mode: "B", size: false, retries: 0 })) {
      const error = await (async () => {
        for await (const chunk of f.body) delivered.push(chunk);
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TruncatedTransferError);
      expect((error as TruncatedTransferError).bytesDelivered).toBe(1000);
    }
    // The 1000 bytes that came were handed out as they came, not held for the block.
    const got = new Uint8Array(delivered.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of delivered) {
      got.set(c, at);
      at += c.length;
    }
    expect(equalBytes(got, payload)).toBe(true);
  });

  /** GridFTP-like: MODE E over a connection the server opens to our PORT. */
  function gridftp(sockets: SocketAdapter, wire: Uint8Array): Promise<ScriptedServer> {
    let target: number | undefined;
    return ScriptedServer.start(sockets, {
      files: { a: "x" },
      greeting: "GridFTP Server 13.24 ready.",
      features: [" PARALLEL", " SPAS", " ERET", " REST STREAM"],
      handlers: {
        MODE: (a, c) => c.reply(a === "E" || a === "S" ? 200 : 501, `Mode ${a}`),
        PORT: (a, c) => {
          const n = a.split(",").map(Number);
          target = n[4]! * 256 + n[5]!;
          return c.reply(200, "PORT Command successful.");
        },
        RETR: async (_a, c) => {
          const data = await sockets.connect({ host: "127.0.0.1", port: target! });
          await c.reply(150, "Beginning transfer.");
          const w = data.writable.getWriter();
          await w.write(wire);
          await w.close();
          await data.close();
          await c.reply(426, "Data connection closed.");
        },
      },
    });
  }

  for (const [what, count, delivered] of [
    ["2^63", 2n ** 63n, 0],
    ["2^52", 2n ** 52n, 500],
  ] as const) {
    it(`MODE E: a block header announcing ${what} bytes, then the connection closes`, async () => {
      const sockets = memoryAdapter();
      const header = extendedBlockHeader(0, 0, 0);
      new DataView(header.buffer).setBigUint64(1, count);
      const payload = new Uint8Array(500).fill(7);
      const wire = new Uint8Array(header.length + payload.length);
      wire.set(header);
      wire.set(payload, header.length);
      await using server = await gridftp(sockets, wire);
      await using session = await connect(server.url, { sockets });
      for await (const f of session.retrieve(["a"], { mode: "E", size: false, retries: 0 })) {
        const error = await f.bytes().catch((e: unknown) => e);
        // A typed error (never a RangeError from allocating the claimed size).
        expect(FtpError.isInstance(error)).toBe(true);
        expect(error).toBeInstanceOf(TruncatedTransferError);
        expect((error as TruncatedTransferError).bytesDelivered).toBe(delivered);
      }
    });
  }
});

describe("TLS downgrade: with TLS required, nothing goes in clear", () => {
  for (const code of [500, 502, 504, 534, 431]) {
    it(`AUTH TLS refused with ${code}: an error, and the server never sees USER or PASS`, async () => {
      const sockets = memoryAdapter();
      await using server = await ScriptedServer.start(sockets, {
        handlers: { AUTH: (_a, c) => c.reply(code, "AUTH not available") },
      });
      await expect(connect(server.url, { sockets, secure: "explicit" })).rejects.toBeInstanceOf(
        FtpReplyError,
      );
      await expect(
        connect(server.url.replace("ftp:", "ftpes:"), { sockets }),
      ).rejects.toMatchObject({ code });
      expect(server.commands).toEqual(["AUTH TLS", "AUTH TLS"]);
      expect(server.dataConnections).toBe(0);
    });
  }

  it("AUTH TLS accepted, then plain text instead of a handshake: a TlsError, no credentials", async () => {
    const sockets = nodeSockets();
    await using server = await ScriptedServer.start(sockets, {
      handlers: {
        AUTH: async (_a, c) => {
          await c.reply(234, "AUTH TLS OK.");
          await c.raw(encodeReply(220, "still plain text"));
          await c.raw("\r\n".repeat(200));
        },
      },
    });
    await expect(
      connect(server.url, { sockets, secure: "explicit", timeout: 5000 }),
    ).rejects.toBeInstanceOf(TlsError);
    // What came after AUTH TLS was the TLS ClientHello (read here as garbage lines).
    expect(server.commands[0]).toBe("AUTH TLS");
    expect(server.commands.join("\n")).not.toMatch(/USER|PASS|user|pass/);
  });

  describe("PROT P or PBSZ refused", () => {
    let ftps: FtpServer | undefined;
    afterEach(async () => {
      await ftps?.close();
      ftps = undefined;
    });

    for (const verb of ["PROT", "PBSZ"]) {
      it(`${verb} refused: an error, and no data connection is ever opened`, async () => {
        const sockets = nodeSockets();
        ftps = createServer({
          sockets,
          storage: memoryStorage({ "a.txt": "secret data" }),
          users: { u: "p" },
          limits: { loginFailureDelay: 0 },
          tls: { cert: testCertificate.cert, key: testCertificate.key },
          faults: { replies: [{ verb, code: 534, text: `${verb} not allowed` }] },
        });
        const { port } = await ftps.listen({ host: "127.0.0.1", port: 0 });
        await expect(
          connect(`ftpes://u:p@localhost:${port}/`, { sockets, tls: { ca: testCertificate.ca } }),
        ).rejects.toMatchObject({ code: 534 });
        const verbs = ftps.log.commands();
        for (const v of ["PASV", "EPSV", "PORT", "EPRT", "RETR", "LIST", "MLSD", "NLST"]) {
          expect(verbs, v).not.toContain(v);
        }
        expect(ftps.log.stats().dataConnections).toBe(0);
      });
    }
  });
});
