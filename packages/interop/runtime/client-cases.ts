/**
 * @ftpkit/client against the real servers and @ftpkit/server, written once for
 * `deno test` and `bun test` (vitest runs the fuller `test/client-*.test.ts` under Node).
 * Plain asserts from `node:assert/strict`, so the same cases run in both runtimes.
 *
 * Port base 21550 (the client's range is 21300..21599; Deno and Bun run one after the
 * other, so they share it). A server that is not installed is skipped with the command
 * that installs it, except in CI, where it fails.
 *
 * @module
 */

import { deepEqual, equal, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import type { SocketAdapter } from "@ftpkit/socket";
import { type ConnectOptions, connect, type Session, TlsError } from "../../client/src/index.ts";
import { createServer, memoryStorage } from "../../server/src/index.ts";
import {
  createTempRoot,
  type RealServer,
  type RealServerName,
  type RealServerTls,
  recordSkip,
  requireOrSkip,
  type SeededFile,
  seedRoot,
  startRealServer,
} from "../src/index.ts";

const PORT_BASE = 21550;
const FILES = 200;

/** One case: a name and the test body, given the runtime's adapter. */
export interface ClientCase {
  readonly name: string;
  run(sockets: SocketAdapter): Promise<void>;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

async function check(session: Session, files: readonly SeededFile[]): Promise<string[]> {
  const modes: string[] = [];
  let i = 0;
  for await (const file of session.retrieve(files.map((f) => f.path))) {
    if (!file.ok) throw file.error;
    const want = files[i++]!;
    equal(file.path, want.path);
    equal(sha256(await file.bytes()), want.sha256, `${file.path} arrived intact`);
    modes.push(file.mode);
  }
  equal(i, files.length);
  return modes;
}

/** Starts a seeded real server, runs `body`, stops it; skips (outside CI) when not installed. */
async function withRealServer(
  name: RealServerName,
  tls: RealServerTls,
  body: (server: RealServer, many: SeededFile[]) => Promise<void>,
): Promise<void> {
  if (requireOrSkip(name, { tls }).skip) return;
  await using root = await createTempRoot(`client-rt-${name}-`);
  const files = await seedRoot(root.path, {
    standard: true,
    series: [{ count: FILES, size: 1024, dir: "many" }],
  });
  await using server = await startRealServer(name, { root: root.path, portBase: PORT_BASE, tls });
  await body(
    server,
    files.filter((f) => f.path.startsWith("many/")),
  );
}

function options(sockets: SocketAdapter, server: RealServer): ConnectOptions {
  return {
    sockets,
    secure:
      server.tls === "ftps" ? "explicit" : server.tls === "ftps-implicit" ? "implicit" : false,
    ...(server.certificate === undefined ? {} : { tls: { ca: server.certificate } }),
    timeout: 15_000,
    activePorts: server.activePorts,
  };
}

function plainCase(name: RealServerName): ClientCase {
  return {
    name: `${name}: retrieve ${FILES} files (one EPSV per RETR), list, size`,
    run: (sockets) =>
      withRealServer(name, "plain", async (server, many) => {
        const wire: string[] = [];
        await using session = await connect(server.url, {
          ...options(sockets, server),
          trace: (e) => {
            if (e.type === "command") wire.push(e.line);
          },
        });
        const modes = await check(session, many);
        deepEqual(new Set(modes), new Set(["S"]));
        equal(wire.filter((l) => l === "EPSV").length, FILES);
        equal(wire.filter((l) => l.startsWith("RETR ")).length, FILES);
        equal(session.stats.dataConnections, FILES);
        const names = (await session.list("many")).filter((e) => e.kind === "file");
        equal(names.length, FILES);
        equal(await session.size("hello.txt"), 6);
      }),
  };
}

/**
 * FTPS against a server that demands TLS session reuse: where the adapter can resume,
 * everything works; where it cannot (Deno), the transfer fails with a TlsError that
 * names the runtime, never a hang.
 */
function tlsCase(name: RealServerName, tls: RealServerTls, demandsReuse = true): ClientCase {
  return {
    name: demandsReuse
      ? `${name} (${tls}, session reuse required): retrieve and list, or a clear TlsError`
      : `${name} (${tls}): retrieve and list`,
    run: (sockets) =>
      withRealServer(name, tls, async (server, many) => {
        await using session = await connect(server.url, options(sockets, server));
        ok(session.secure);
        const reuse = sockets.capabilities.tlsSessionReuse;
        const some = many.slice(0, 20);
        if (!demandsReuse || reuse.tls12 || reuse.tls13) {
          await check(session, some);
          equal((await session.list("many")).length, FILES);
          return;
        }
        let failure: unknown;
        try {
          await check(session, some);
        } catch (error) {
          failure = error;
        }
        ok(TlsError.isInstance(failure), `expected a TlsError, got ${String(failure)}`);
        ok((failure as Error).message.includes(`"${sockets.runtime}"`));
        recordSkip(
          `${name} ${tls} transfers on ${sockets.runtime}`,
          `the "${sockets.runtime}" adapter cannot resume TLS sessions and ${name} demands it (checked: a TlsError)`,
        );
      }),
  };
}

const gridftpCase: ClientCase = {
  name: "gridftp (anonymous): 100 files in MODE E over one cached data connection",
  run: (sockets) => {
    if (!sockets.capabilities.listen) {
      recordSkip(
        `gridftp MODE E on ${sockets.runtime}`,
        "the adapter cannot listen (MODE E needs PORT)",
      );
      return Promise.resolve();
    }
    return withRealServer("gridftp", "plain", async (server, many) => {
      const url = server.url.replace(`${server.user}:${server.password}@`, "anonymous:ftpkit@");
      await using session = await connect(url, options(sockets, server));
      const modes = await check(session, many.slice(0, 100));
      deepEqual(new Set(modes), new Set(["E"]));
      equal(session.stats.dataConnections, 1);
    });
  },
};

const ourServerCase: ClientCase = {
  name: "@ftpkit/server: 1000 files in MODE B and in MODE C, one data connection each",
  run: async (sockets) => {
    const seed: Record<string, Uint8Array> = {};
    for (let i = 0; i < 1000; i++) {
      const bytes = new Uint8Array(32 + ((i * 131) % 3000));
      for (let j = 0; j < bytes.length; j++) bytes[j] = (i + j * 7) & 0xff;
      seed[`f${i}.bin`] = bytes;
    }
    await using server = createServer({ sockets, storage: memoryStorage(seed), users: { u: "p" } });
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    for (const mode of ["B", "C"] as const) {
      const before = server.log.stats().dataConnections;
      await using session = await connect(`ftp://u:p@127.0.0.1:${port}/`, { sockets });
      let n = 0;
      for await (const file of session.retrieve(Object.keys(seed), { mode })) {
        if (!file.ok) throw file.error;
        equal(sha256(await file.bytes()), sha256(seed[file.path]!));
        n++;
      }
      equal(n, 1000);
      equal(server.log.stats().dataConnections - before, 1);
    }
  },
};

/** Every case, in the order they run. */
export const clientCases: readonly ClientCase[] = [
  ourServerCase,
  plainCase("vsftpd"),
  plainCase("proftpd"),
  plainCase("pureftpd"),
  plainCase("pyftpdlib"),
  tlsCase("vsftpd", "ftps"),
  tlsCase("proftpd", "ftps"),
  tlsCase("vsftpd", "ftps-implicit"),
  tlsCase("pyftpdlib", "ftps", false),
  gridftpCase,
];
