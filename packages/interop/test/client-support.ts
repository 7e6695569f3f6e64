/**
 * The suite every real server runs against @ftpkit/client: retrieve 200 files and check
 * every byte, list, size, one EPSV per RETR on the wire, several lanes, break in the
 * middle of a transfer, and the same over each FTPS mode the server has.
 *
 * Port bases (21300..21599 belong to the client tests): one per test file, because
 * vitest runs files in parallel; the TLS modes of one server run one after the other.
 */

import { createHash } from "node:crypto";
import { appendFileSync } from "node:fs";
import { type ConnectOptions, connect, type Session, type TraceEvent } from "@ftpkit/client";
import { nodeSockets } from "@ftpkit/socket-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTempRoot,
  type RealServer,
  type RealServerName,
  type RealServerTls,
  requireOrSkip,
  type SeededFile,
  seedRoot,
  startRealServer,
  type TempRoot,
} from "../src/index.ts";

export const FILES = 200;
export const FILE_SIZE = 2048;

/** The sha256 of bytes, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Connect options for a real server in a TLS mode (the certificate is trusted, not skipped). */
export function optionsFor(
  server: RealServer,
  extra: Partial<ConnectOptions> = {},
): ConnectOptions {
  const log = process.env.FTPKIT_TRACE;
  const own = extra.trace;
  const trace =
    log === undefined || log === ""
      ? own
      : (e: TraceEvent): void => {
          appendFileSync(log, `${Date.now()} ${server.name} ${JSON.stringify(e)}\n`);
          own?.(e);
        };
  return {
    sockets: nodeSockets(),
    secure:
      server.tls === "ftps" ? "explicit" : server.tls === "ftps-implicit" ? "implicit" : false,
    ...(server.certificate === undefined ? {} : { tls: { ca: server.certificate } }),
    timeout: 15_000,
    activePorts: server.activePorts,
    ...extra,
    ...(trace === undefined ? {} : { trace }),
  };
}

/** A started server with a seeded root, for one describe block. */
export interface Fixture {
  server: RealServer;
  files: SeededFile[];
  many: SeededFile[];
}

/** Starts `name` in `tls` with 200 files under `many/` and the standard fixtures. */
export function useServer(
  name: RealServerName,
  portBase: number,
  tls: RealServerTls,
): () => Fixture {
  let root: TempRoot | undefined;
  let fixture: Fixture | undefined;
  beforeAll(async () => {
    root = await createTempRoot(`client-${name}-`);
    const files = await seedRoot(root.path, {
      standard: true,
      series: [{ count: FILES, size: FILE_SIZE, dir: "many" }],
    });
    const server = await startRealServer(name, { root: root.path, portBase, tls });
    fixture = { server, files, many: files.filter((f) => f.path.startsWith("many/")) };
  }, 60_000);
  afterAll(async () => {
    await fixture?.server.stop();
    await root?.remove();
  }, 30_000);
  return () => fixture!;
}

/** Retrieves and checks every byte of `files`; returns the modes used. */
export async function retrieveAndCheck(
  session: Session,
  files: readonly SeededFile[],
  options: Parameters<Session["retrieve"]>[1] = {},
): Promise<string[]> {
  const modes: string[] = [];
  let i = 0;
  for await (const file of session.retrieve(
    files.map((f) => f.path),
    options,
  )) {
    if (!file.ok) throw file.error;
    const bytes = await file.bytes();
    const want = files[i++]!;
    expect(file.path).toBe(want.path);
    expect(bytes.length).toBe(want.size);
    expect(sha256(bytes)).toBe(want.sha256);
    modes.push(file.mode);
  }
  expect(i).toBe(files.length);
  return modes;
}

/** The suite: `modes` are the TLS modes to run, each against a fresh server. */
export function clientSuite(
  name: RealServerName,
  portBase: number,
  modes: readonly RealServerTls[],
  more?: (get: () => Fixture, tls: RealServerTls) => void,
): void {
  for (const tls of modes) {
    const requirement = requireOrSkip(name, { tls });
    describe.skipIf(requirement.skip)(`@ftpkit/client against ${name} (${tls})`, () => {
      const get = useServer(name, portBase, tls);

      it(`retrieves ${FILES} files, every byte checked`, async () => {
        const { server, many } = get();
        await using session = await connect(server.url, optionsFor(server));
        if (tls !== "plain") expect(session.secure).toBe(true);
        const modes = await retrieveAndCheck(session, many);
        expect(new Set(modes)).toEqual(new Set([name === "gridftp" ? "E" : "S"]));
        expect(session.stats.filesRetrieved).toBe(FILES);
      }, 60_000);

      it("lists a directory and reads sizes", async () => {
        const { server, many } = get();
        await using session = await connect(server.url, optionsFor(server));
        const entries = await session.list("many");
        const names = entries
          .filter((e) => e.kind === "file")
          .map((e) => e.name.replace(/^.*\//, ""));
        expect(names.sort()).toEqual(many.map((f) => f.path.slice("many/".length)).sort());
        expect(await session.size("hello.txt")).toBe(6);
        await expect(session.size("no-such-file")).rejects.toMatchObject({ code: 550 });
      }, 30_000);

      if (name !== "gridftp") {
        it("shows one EPSV per RETR on the wire: a stream-mode data connection is never reused", async () => {
          const { server, many } = get();
          const wire: string[] = [];
          const trace = (e: TraceEvent): void => {
            if (e.type === "command") wire.push(e.line);
          };
          await using session = await connect(server.url, optionsFor(server, { trace }));
          const some = many.slice(0, 30);
          await retrieveAndCheck(session, some, { mode: "S" });
          const data = wire.filter((l) => /^(EPSV|PASV|PORT|EPRT|RETR)\b/.test(l));
          expect(data).toHaveLength(2 * some.length);
          for (let i = 0; i < some.length; i++) {
            expect(data[2 * i]).toBe("EPSV");
            expect(data[2 * i + 1]).toBe(`RETR ${some[i]!.path}`);
          }
          expect(session.stats.dataConnections).toBe(some.length);
        }, 30_000);

        it("retrieves over 4 lanes in list order", async () => {
          const { server, many } = get();
          await using session = await connect(server.url, optionsFor(server));
          await retrieveAndCheck(session, many, { concurrency: 4 });
        }, 60_000);

        it("break in the middle of a transfer leaves the session usable", async () => {
          const { server, files } = get();
          await using session = await connect(server.url, optionsFor(server));
          const big = files.find((f) => f.path === "rand.bin")!;
          let got = 0;
          for await (const file of session.retrieve([big.path, "hello.txt"])) {
            for await (const chunk of file.body) {
              got += chunk.length;
              break;
            }
            break;
          }
          expect(got).toBeGreaterThan(0);
          expect(await session.size("hello.txt")).toBe(6);
          const [hello] = files.filter((f) => f.path === "hello.txt");
          await retrieveAndCheck(session, [hello!]);
        }, 30_000);
      }

      more?.(get, tls);
    });
  }
}
