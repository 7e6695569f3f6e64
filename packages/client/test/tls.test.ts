import { testCertificate } from "@ftpkit/conformance";
import { FtpReplyError, TlsError } from "@ftpkit/errors";
import { createServer, type FtpServer, memoryStorage, type ServerOptions } from "@ftpkit/server";
import type { SocketAdapter } from "@ftpkit/socket";
import { nodeSockets } from "@ftpkit/socket-node";
import { afterEach, describe, expect, it } from "vitest";
import { connect, type TraceEvent } from "../src/index.ts";
import { equalBytes, seedFiles } from "./helpers/our-server.ts";

const sockets = nodeSockets();
const seed = seedFiles(20);
let server: FtpServer | undefined;

async function start(
  tls: NonNullable<ServerOptions["tls"]>,
  extra: Partial<ServerOptions> = {},
): Promise<number> {
  server = createServer({
    sockets,
    storage: memoryStorage(seed),
    users: { u: "p" },
    limits: { loginFailureDelay: 0 },
    tls,
    ...extra,
  });
  return (await server.listen({ host: "127.0.0.1", port: 0 })).port;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

function argumentsOf(verb: string): string[] {
  return server!.log
    .filter({ kind: "command", verb })
    .map((e) => (e as { argument?: string }).argument ?? "");
}

const certs = { cert: testCertificate.cert, key: testCertificate.key };

describe("FTPS against @ftpkit/server over real sockets", () => {
  for (const mode of ["S", "B"] as const) {
    it(`explicit (ftpes://), TLS required and session reuse demanded, MODE ${mode}`, async () => {
      const port = await start({ ...certs, require: true, requireSessionReuse: true });
      const notices: string[] = [];
      const opened: boolean[] = [];
      const trace = (e: TraceEvent): void => {
        if (e.type === "notice") notices.push(e.message);
        if (e.type === "data-open") opened.push(e.tls);
      };
      await using session = await connect(`ftpes://u:p@localhost:${port}/`, {
        sockets,
        tls: { ca: testCertificate.ca },
        trace,
      });
      expect(session.secure).toBe(true);
      for await (const f of session.retrieve(Object.keys(seed), { mode })) {
        expect(equalBytes(await f.bytes(), seed[f.path]!)).toBe(true);
      }
      expect(notices.filter((n) => n.includes("did not resume"))).toEqual([]);
      expect(opened.length).toBeGreaterThan(0);
      expect(opened.every((tls) => tls)).toBe(true);
      expect((await session.list()).length).toBe(20);
      const commands = server!.log.commands();
      expect(commands.indexOf("AUTH")).toBe(0);
      expect(commands.indexOf("AUTH")).toBeLessThan(commands.indexOf("USER"));
      expect(argumentsOf("PBSZ")).toEqual(["0"]);
      expect(argumentsOf("PROT")).toEqual(["P"]);
    });
  }

  it("implicit (ftps://): TLS from the first byte", async () => {
    const port = await start({ ...certs, implicit: true });
    await using session = await connect(`ftps://u:p@127.0.0.1:${port}/`, {
      sockets,
      tls: { ca: testCertificate.ca },
    });
    expect(session.secure).toBe(true);
    const got: string[] = [];
    for await (const f of session.retrieve(["f0000.bin", "f0001.bin"]))
      got.push(f.path) && (await f.bytes());
    expect(got).toEqual(["f0000.bin", "f0001.bin"]);
  });

  it("an untrusted certificate fails the handshake before any credential is sent", async () => {
    const port = await start({ ...certs });
    await expect(connect(`ftpes://u:p@localhost:${port}/`, { sockets })).rejects.toBeInstanceOf(
      TlsError,
    );
    expect(server!.log.commands()).not.toContain("USER");
  });

  it("a refused PROT P is an error: no data in clear", async () => {
    const port = await start({ ...certs }, { faults: { replies: [{ verb: "PROT", code: 534 }] } });
    await expect(
      connect(`ftpes://u:p@localhost:${port}/`, { sockets, tls: { ca: testCertificate.ca } }),
    ).rejects.toBeInstanceOf(FtpReplyError);
    expect(server!.log.count({ kind: "command", verb: "EPSV" })).toBe(0);
  });

  it("a runtime that cannot resume the TLS session gets a TlsError naming it and the demand", async () => {
    const port = await start({ ...certs, require: true, requireSessionReuse: true });
    // An adapter like one whose runtime cannot resume sessions: it drops the session.
    const forgetful: SocketAdapter = {
      runtime: "forgetful",
      capabilities: { ...sockets.capabilities, tlsSessionReuse: { tls12: false, tls13: false } },
      listen: (o) => sockets.listen(o),
      connect: async (o) => {
        const socket = await sockets.connect(o);
        const startTls = socket.startTls.bind(socket);
        socket.startTls = (options = {}) => startTls({ ...options, session: undefined });
        return socket;
      },
    };
    await using session = await connect(`ftpes://u:p@localhost:${port}/`, {
      sockets: forgetful,
      tls: { ca: testCertificate.ca },
    });
    const run = async (): Promise<void> => {
      for await (const f of session.retrieve(["f0000.bin"], { mode: "S" })) await f.bytes();
    };
    const error = await run().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TlsError);
    expect(String((error as Error).message)).toMatch(/"forgetful".*cannot resume TLS sessions/);
  });

  it("PROT C when asked, where the server allows it", async () => {
    const port = await start({ ...certs });
    await using session = await connect(`ftpes://u:p@localhost:${port}/`, {
      sockets,
      tls: { ca: testCertificate.ca },
      dataProtection: "clear",
    });
    for await (const f of session.retrieve(["f0003.bin"])) {
      expect(equalBytes(await f.bytes(), seed["f0003.bin"]!)).toBe(true);
    }
    expect(argumentsOf("PROT")).toEqual(["C"]);
  });
});
