/**
 * Deno-only behaviour of `denoSockets()` beyond the shared conformance suite (which
 * `packages/conformance/runtime/deno.test.ts` runs). Run from the repository root:
 * `deno test -A packages/socket-deno/runtime/deno.test.ts`.
 *
 * @module
 */

import { equal, ok } from "node:assert/strict";
import {
  ByteReader,
  fromUtf8,
  testCertificate,
  utf8,
  writeOnce,
} from "../../conformance/src/index.ts";
import { denoCapabilities, denoSockets } from "../src/index.ts";

interface DenoTestApi {
  test(name: string, fn: () => Promise<void>): void;
}
const Deno = (globalThis as unknown as { Deno: DenoTestApi }).Deno;

const host = "127.0.0.1";
const sockets = denoSockets();
const clientTls = { ca: testCertificate.ca, servername: "localhost" };
const serverTls = { cert: testCertificate.cert, key: testCertificate.key };

Deno.test("capabilities: no TLS session reuse on Deno, everything else", async () => {
  equal(sockets.runtime, "deno");
  equal(sockets.capabilities, denoCapabilities);
  equal(denoCapabilities.tlsSessionReuse.tls12, false);
  equal(denoCapabilities.tlsSessionReuse.tls13, false);
  equal(denoCapabilities.serverStartTls, true);
  equal(denoCapabilities.halfOpen, true);
});

Deno.test("TLS info: protocol, cipher and version limits come from node:tls", async () => {
  await using listener = await sockets.listen({
    host,
    port: 0,
    tls: { ...serverTls, maxVersion: "TLSv1.2" },
    implicitTls: true,
  });
  const serving = (async () => {
    await using accepted = await listener.accept();
    const info = await accepted.opened;
    equal(info.tls?.protocol, "TLSv1.2");
    await accepted.writable.close();
    await new ByteReader(accepted.readable).readToEnd();
  })();
  await using client = await sockets.connect({ host, port: listener.address.port, tls: clientTls });
  const info = await client.opened;
  equal(info.tls?.protocol, "TLSv1.2");
  ok(
    typeof info.tls?.cipher === "string" && info.tls.cipher.length > 0,
    `cipher ${info.tls?.cipher}`,
  );
  equal(info.tls?.resumed, false);
  equal(client.tlsSession(), undefined, "Deno hands out no session it cannot resume");
  equal((await new ByteReader(client.readable).readToEnd()).byteLength, 0);
  await client.writable.close();
  await serving;
});

Deno.test("small reads stay small: a control reply is a 16 KiB slab at most", async () => {
  await using listener = await sockets.listen({ host, port: 0 });
  const accepting = listener.accept();
  await using client = await sockets.connect({ host, port: listener.address.port });
  await using accepted = await accepting;
  await writeOnce(accepted.writable, utf8("220 ready\r\n"));
  const { value } = await client.readable.getReader().read();
  equal(fromUtf8(value ?? new Uint8Array()), "220 ready\r\n");
  ok((value?.buffer.byteLength ?? 0) <= 16 * 1024, `slab of ${value?.buffer.byteLength} bytes`);
});
