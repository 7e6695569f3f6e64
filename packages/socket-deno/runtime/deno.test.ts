/**
 * Deno-only behaviour of `denoSockets()` beyond the shared conformance suite (which
 * `packages/conformance/runtime/deno.test.ts` runs). Run from the repository root:
 * `deno test -A packages/socket-deno/runtime/deno.test.ts`.
 *
 * @module
 */

import { equal, ok, rejects } from "node:assert/strict";
import {
  ByteReader,
  fromUtf8,
  testCertificate,
  utf8,
  writeOnce,
} from "../../conformance/src/index.ts";
import { denoCapabilities, denoSockets, SocketError, TlsError } from "../src/index.ts";

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

Deno.test("startTls takes over a read that is still pending on the plain socket", async () => {
  await using listener = await sockets.listen({ host, port: 0, tls: serverTls });
  const serving = (async () => {
    const plain = await listener.accept();
    const reader = new ByteReader(plain.readable);
    equal(await reader.readLine(), "AUTH TLS");
    reader.release();
    await writeOnce(plain.writable, utf8("234 go\n"));
    await using secure = plain.startTls();
    await writeOnce(secure.writable, utf8("hello over tls\n"));
    await secure.writable.close();
  })();
  const plain = await sockets.connect({ host, port: listener.address.port });
  await writeOnce(plain.writable, utf8("AUTH TLS\n"));
  const reader = plain.readable.getReader();
  equal(fromUtf8((await reader.read()).value ?? new Uint8Array()), "234 go\n");
  // A reply-reading loop would already wait for the next bytes: they are TLS bytes.
  const pending = reader.read();
  await using secure = plain.startTls(clientTls);
  equal((await pending).done, true, "the plain readable ends at the upgrade");
  equal((await secure.opened).tls?.authorized, true);
  equal(fromUtf8(await new ByteReader(secure.readable).readToEnd()), "hello over tls\n");
  await serving;
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

Deno.test("a certificate for another name fails with TlsError naming the address", async () => {
  await using listener = await sockets.listen({ host, port: 0, tls: serverTls, implicitTls: true });
  const accepting = listener.accept();
  const error = await sockets
    .connect({
      host,
      port: listener.address.port,
      tls: { ca: testCertificate.ca, servername: "example.org" },
    })
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  ok(TlsError.isInstance(error), `expected TlsError, got ${String(error)}`);
  equal(error.address, `${host}:${listener.address.port}`);
  ok(error.message.includes(`"${host}:${listener.address.port}"`), error.message);
  const accepted = await accepting;
  await rejects(accepted.opened, (e: unknown) => SocketError.isInstance(e));
  await accepted.close();
});

Deno.test("close() during a pending read ends the readable; close twice is harmless", async () => {
  await using listener = await sockets.listen({ host, port: 0 });
  const accepting = listener.accept();
  const client = await sockets.connect({ host, port: listener.address.port });
  await using accepted = await accepting;
  const reader = client.readable.getReader();
  const pending = reader.read();
  await client.close();
  equal((await pending).done, true);
  await client.close();
  await client[Symbol.asyncDispose]();
  await client.closed;
  // The peer sees the end of the stream.
  ok(await new ByteReader(accepted.readable).atEnd());
});

Deno.test("cancelling the readable closes the socket: the peer reads the end", async () => {
  await using listener = await sockets.listen({ host, port: 0 });
  const accepting = listener.accept();
  const client = await sockets.connect({ host, port: listener.address.port });
  await using accepted = await accepting;
  await client.readable.cancel();
  await client.closed;
  ok(await new ByteReader(accepted.readable).atEnd());
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
