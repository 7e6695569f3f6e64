// @ftpkit/client's keepalive NOOPs during a long download, against the real servers:
// vsftpd and ProFTPD answer them after the transfer, ProFTPD over TLS and pyftpdlib
// during it ("200"), pure-ftpd during it with "500 Unknown command". Either way the
// replies must be matched, the file arrive intact and the session stay in step.
// Port bases 22200 (vsftpd), 22250 (proftpd), 22300 (pure-ftpd), 22350 (pyftpdlib).

import { createHash, randomBytes } from "node:crypto";
import { connect, type KeepaliveTimer, type TraceEvent } from "@ftpkit/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTempRoot,
  type RealServer,
  type RealServerName,
  type RealServerTls,
  requireOrSkip,
  seedRoot,
  startRealServer,
  type TempRoot,
} from "../src/index.ts";
import { optionsFor } from "./client-support.ts";

const BIG = 16 * 1024 * 1024;
const big = randomBytes(BIG);
const bigSha = createHash("sha256").update(big).digest("hex");

const cases: [RealServerName, number, RealServerTls[]][] = [
  ["vsftpd", 22200, ["plain", "ftps"]],
  ["proftpd", 22250, ["plain", "ftps"]],
  ["pureftpd", 22300, ["plain", "ftps"]],
  ["pyftpdlib", 22350, ["plain"]],
];

for (const [name, portBase, modes] of cases) {
  for (const tls of modes) {
    const requirement = requireOrSkip(name, { tls });
    describe.skipIf(requirement.skip)(`keepalive NOOPs against ${name} (${tls})`, () => {
      let root: TempRoot | undefined;
      let server: RealServer | undefined;
      beforeAll(async () => {
        root = await createTempRoot(`keepalive-${name}-`);
        await seedRoot(root.path, { files: { "big.bin": big, "small.txt": "small\n" } });
        server = await startRealServer(name, { root: root.path, portBase, tls });
      }, 60_000);
      afterAll(async () => {
        await server?.stop();
        await root?.remove();
      }, 30_000);

      it("two NOOPs during a 16 MiB download: matched, the file intact, the session in step", async () => {
        let tick: (() => void) | undefined;
        const timer: KeepaliveTimer = (callback) => {
          tick = callback;
          return () => {
            tick = undefined;
          };
        };
        const replies: number[] = [];
        const trace = (e: TraceEvent): void => {
          if (e.type === "reply") replies.push(e.reply.code);
        };
        await using session = await connect(
          server!.url,
          optionsFor(server!, { keepalive: { intervalMs: 1000, timer }, trace }),
        );
        let ticks = 0;
        for await (const file of session.retrieve(["big.bin"], { mode: "S" })) {
          const hash = createHash("sha256");
          let received = 0;
          for await (const chunk of file.body) {
            hash.update(chunk);
            received += chunk.length;
            // One NOOP early in the transfer, one in the middle: separate writes.
            if ((ticks === 0 && received >= 256 * 1024) || (ticks === 1 && received >= BIG / 2)) {
              expect(tick).toBeTypeOf("function");
              tick!();
              ticks++;
            }
          }
          expect(received).toBe(BIG);
          expect(hash.digest("hex")).toBe(bigSha);
        }
        expect(ticks).toBe(2);
        expect(session.stats.commands).toBeGreaterThan(0);
        // In step: the next replies belong to the next commands.
        expect(await session.size("small.txt")).toBe(6);
        for await (const f of session.retrieve(["small.txt"], { mode: "S" })) {
          expect(await f.text()).toBe("small\n");
        }
        expect(session.open).toBe(true);
        const noopReplies = replies.filter((c) => c === 200 || c === 500).length;
        expect(noopReplies).toBeGreaterThanOrEqual(2);
      }, 60_000);
    });
  }
}
