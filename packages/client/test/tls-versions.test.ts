/**
 * FTPS data connections resume the control connection's TLS session under TLS 1.2 and
 * under TLS 1.3 (tickets), against @ftpkit/server demanding reuse (vsftpd's
 * `require_ssl_reuse=YES`): every data connection of a session, not only the first.
 */

import { testCertificate } from "@ftpkit/conformance";
import type { DataOpenEntry } from "@ftpkit/server";
import { createServer, type FtpServer, memoryStorage } from "@ftpkit/server";
import { nodeSockets } from "@ftpkit/socket-node";
import { afterEach, describe, expect, it } from "vitest";
import { connect } from "../src/index.ts";
import { equalBytes, seedFiles } from "./helpers/our-server.ts";

const sockets = nodeSockets();
const seed = seedFiles(12);
let server: FtpServer | undefined;

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe("TLS session reuse on every data connection", () => {
  for (const version of ["TLSv1.2", "TLSv1.3"] as const) {
    for (const mode of ["S", "B"] as const) {
      it(`${version}, MODE ${mode}: every data connection resumed, the server demanding it`, async () => {
        server = createServer({
          sockets,
          storage: memoryStorage(seed),
          users: { u: "p" },
          limits: { loginFailureDelay: 0 },
          tls: {
            cert: testCertificate.cert,
            key: testCertificate.key,
            require: true,
            requireSessionReuse: true,
            minVersion: version,
            maxVersion: version,
          },
        });
        const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
        await using session = await connect(`ftpes://u:p@localhost:${port}/`, {
          sockets,
          tls: { ca: testCertificate.ca, minVersion: version, maxVersion: version },
        });
        for await (const f of session.retrieve(Object.keys(seed), { mode })) {
          expect(equalBytes(await f.bytes(), seed[f.path]!), f.path).toBe(true);
        }
        expect((await session.list()).length).toBe(Object.keys(seed).length);
        const opened = server.log.filter({ kind: "data-open" }) as DataOpenEntry[];
        expect(opened.length).toBe(mode === "S" ? Object.keys(seed).length + 1 : 2);
        for (const e of opened) {
          expect(e.secure).toBe(true);
          expect(e.resumed).toBe(true);
        }
      });
    }
  }
});
