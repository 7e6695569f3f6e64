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

interface RawConn {
  readonly localAddr: { port: number };
  setNoDelay(noDelay?: boolean): void;
  close(): void;
}
interface DenoTestApi {
  test(name: string, fn: () => Promise<void>): void;
  connect(options: { hostname: string; port: number }): Promise<RawConn>;
  listen(options: { hostname: string; port: number }): {
    readonly addr: { port: number };
    accept(): Promise<RawConn>;
    close(): void;
  };
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

/**
 * Runs `body` while Deno's own `TcpConn.prototype.setNoDelay` records the local port of
 * every connection it is called on, with the value it was given.
 */
async function recordingNoDelay(
  body: (calls: Map<number, boolean | undefined>) => Promise<void>,
): Promise<void> {
  // A throwaway connection shows where Deno keeps the method.
  const probe = Deno.listen({ hostname: host, port: 0 });
  const raw = await Deno.connect({ hostname: host, port: probe.addr.port });
  (await probe.accept()).close();
  raw.close();
  probe.close();
  const prototype = Object.getPrototypeOf(raw) as RawConn;
  const original = prototype.setNoDelay;
  const calls = new Map<number, boolean | undefined>();
  prototype.setNoDelay = function (this: RawConn, noDelay?: boolean): void {
    calls.set(this.localAddr.port, noDelay);
    original.call(this, noDelay);
  };
  try {
    await body(calls);
  } finally {
    prototype.setNoDelay = original;
  }
}

// Deno leaves Nagle on; with it on, @ftpkit/server's small replies and MODE B headers wait
// for delayed ACKs (2000 files of 1 KiB: 5.7 s instead of 0.3 s). Checked here on the real
// connections, not by timing.
Deno.test("TCP_NODELAY: set on connected and accepted connections, plain and TLS", async () => {
  await recordingNoDelay(async (calls) => {
    await using listener = await sockets.listen({ host, port: 0 });
    const accepting = listener.accept();
    await using client = await sockets.connect({ host, port: listener.address.port });
    await using accepted = await accepting;
    const clientPort = (await client.opened).localAddress.port;
    equal(calls.get(clientPort), true, "the connected socket");
    equal(calls.get((await accepted.opened).localAddress.port), true, "the accepted socket");

    await using tlsListener = await sockets.listen({
      host,
      port: 0,
      tls: serverTls,
      implicitTls: true,
    });
    const serving = (async () => {
      await using secure = await tlsListener.accept();
      await secure.opened;
      await secure.writable.close();
    })();
    await using secureClient = await sockets.connect({
      host,
      port: tlsListener.address.port,
      tls: clientTls,
    });
    equal(calls.get((await secureClient.opened).localAddress.port), true, "the TLS client");
    await serving;
    equal(calls.size, 4, "every connection, the TLS listener's accepted one too");
  });
});

Deno.test("TCP_NODELAY: left alone with denoSockets({ noDelay: false })", async () => {
  await recordingNoDelay(async (calls) => {
    const nagle = denoSockets({ noDelay: false });
    await using listener = await nagle.listen({ host, port: 0 });
    const accepting = listener.accept();
    await using _client = await nagle.connect({ host, port: listener.address.port });
    await using _accepted = await accepting;
    equal(calls.size, 0);
  });
});
