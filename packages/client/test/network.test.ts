import { createServer, type FtpServer, memoryStorage } from "@ftpkit/server";
import { nodeSockets } from "@ftpkit/socket-node";
import { afterEach, describe, expect, it } from "vitest";
import { connect, type TraceEvent } from "../src/index.ts";
import { equalBytes, seedFiles } from "./helpers/our-server.ts";

const sockets = nodeSockets();
const seed = seedFiles(12);
let server: FtpServer | undefined;

async function start(host: string): Promise<string> {
  server = createServer({ sockets, storage: memoryStorage(seed), users: { u: "p" } });
  const { port } = await server.listen({ host, port: 0 });
  return host.includes(":") ? `ftp://u:p@[${host}]:${port}/` : `ftp://u:p@${host}:${port}/`;
}

afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function retrieveAll(url: string, options: Parameters<typeof connect>[1], mode: "S" | "B") {
  const wire: string[] = [];
  const trace = (e: TraceEvent): void => {
    if (e.type === "command") wire.push(e.line);
  };
  await using session = await connect(url, { ...options, trace });
  for await (const f of session.retrieve(Object.keys(seed), { mode })) {
    expect(equalBytes(await f.bytes(), seed[f.path]!)).toBe(true);
  }
  return wire;
}

describe("data connections over real sockets", () => {
  for (const host of ["127.0.0.1", "::1"]) {
    it(`passive over ${host}: EPSV`, async () => {
      const wire = await retrieveAll(await start(host), { sockets }, "S");
      expect(wire.filter((l) => l === "EPSV")).toHaveLength(12);
    });

    for (const mode of ["S", "B"] as const) {
      it(`active over ${host} (${host.includes(":") ? "EPRT" : "PORT"}), MODE ${mode}`, async () => {
        const wire = await retrieveAll(
          await start(host),
          { sockets, dataConnection: "active" },
          mode,
        );
        const verb = host.includes(":") ? "EPRT" : "PORT";
        expect(wire.filter((l) => l.startsWith(verb)).length).toBe(mode === "S" ? 12 : 1);
        expect(wire.filter((l) => l === "EPSV")).toHaveLength(0);
      });
    }
  }
});

describe("bytes() over real sockets", () => {
  it("MODE B: every file's bytes() is a buffer of its own, though chunks share a socket's slab", async () => {
    const url = await start("127.0.0.1");
    await using session = await connect(url, { sockets });
    const kept: Uint8Array[] = [];
    for await (const f of session.retrieve(Object.keys(seed), { mode: "B" })) {
      const bytes = await f.bytes();
      expect(equalBytes(bytes, seed[f.path]!)).toBe(true);
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.byteLength).toBe(bytes.buffer.byteLength);
      kept.push(bytes);
    }
    // Transferring one file's buffer leaves the others whole.
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(kept[0], [kept[0]!.buffer]);
    port1.close();
    port2.close();
    const names = Object.keys(seed);
    for (let i = 1; i < kept.length; i++) expect(equalBytes(kept[i]!, seed[names[i]!]!)).toBe(true);
  });
});
