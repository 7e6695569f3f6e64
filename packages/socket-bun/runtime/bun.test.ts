/**
 * Bun-only behaviour of `bunSockets()` beyond the shared conformance suite (which
 * `packages/conformance/runtime/bun.test.ts` runs). Run from the repository root:
 * `bun test ./packages/socket-bun/runtime/bun.test.ts`.
 *
 * @module
 */

import { expect, test } from "bun:test";
import { createHash } from "node:crypto";
import type { Socket, TlsSession } from "@ftpkit/socket";
import { ByteReader, testCertificate, utf8, writeOnce } from "../../conformance/src/index.ts";
import { bunCapabilities, bunSockets, SocketError } from "../src/index.ts";

const host = "127.0.0.1";
const sockets = bunSockets();
const clientTls = { ca: testCertificate.ca, servername: "localhost" };
const serverTls = { cert: testCertificate.cert, key: testCertificate.key };

test("capabilities: everything, TLS session reuse included", () => {
  expect(sockets.runtime).toBe("bun");
  expect(sockets.capabilities).toBe(bunCapabilities);
  expect(bunCapabilities).toEqual({
    listen: true,
    tlsSessionReuse: { tls12: true, tls13: true },
    halfOpen: true,
    serverStartTls: true,
  });
});

/** The server half of FTP's AUTH TLS: read the command, answer, upgrade, echo one line. */
async function serveAuthTls(plain: Socket): Promise<boolean> {
  const reader = new ByteReader(plain.readable);
  expect(await reader.readLine()).toBe("AUTH TLS");
  reader.release();
  await writeOnce(plain.writable, utf8("234 go\n"));
  await using secure = plain.startTls();
  const info = await secure.opened;
  const secureReader = new ByteReader(secure.readable);
  await writeOnce(secure.writable, utf8(`${await secureReader.readLine()}!\n`));
  await secure.writable.close();
  await secureReader.atEnd();
  return info.tls?.resumed === true;
}

/** The client half: AUTH TLS, upgrade (maybe resuming), one line, half-close. */
async function authTls(
  port: number,
  session: TlsSession | undefined,
): Promise<{ resumed: boolean; session: TlsSession | undefined }> {
  const plain = await sockets.connect({ host, port });
  await writeOnce(plain.writable, utf8("AUTH TLS\n"));
  const reader = new ByteReader(plain.readable);
  expect(await reader.readLine()).toBe("234 go");
  reader.release();
  const secure = plain.startTls({ ...clientTls, session });
  const info = await secure.opened;
  await writeOnce(secure.writable, utf8("ping\n"));
  const secureReader = new ByteReader(secure.readable);
  expect(await secureReader.readLine()).toBe("ping!");
  // The TLS 1.3 ticket came before the echo: the session is ready now.
  const next = secure.tlsSession();
  secureReader.release();
  await secure.writable.close();
  await secure.close();
  return { resumed: info.tls?.resumed === true, session: next };
}

test("startTls resumes a session on both sides (client upgradeTLS, server node:tls)", async () => {
  await using listener = await sockets.listen({ host, port: 0, tls: serverTls });
  const port = listener.address.port;
  const firstServed = listener.accept().then(serveAuthTls);
  const first = await authTls(port, undefined);
  expect(first.resumed).toBe(false);
  expect(await firstServed).toBe(false);
  expect(first.session?.runtime).toBe("bun");
  const secondServed = listener.accept().then(serveAuthTls);
  const second = await authTls(port, first.session);
  expect(second.resumed).toBe(true);
  expect(await secondServed).toBe(true);
});

test("one write larger than the kernel takes completes through drain", async () => {
  await using listener = await sockets.listen({ host, port: 0 });
  const size = 16 * 1024 * 1024;
  const received = listener.accept().then(async (accepted) => {
    await using socket = accepted;
    const hash = createHash("sha256");
    let total = 0;
    for await (const chunk of socket.readable) {
      hash.update(chunk);
      total += chunk.byteLength;
    }
    return { total, digest: hash.digest("hex") };
  });
  await using client = await sockets.connect({ host, port: listener.address.port });
  const payload = new Uint8Array(size);
  for (let i = 0; i < size; i++) payload[i] = (i * 31 + (i >> 12)) & 0xff;
  await writeOnce(client.writable, payload);
  await client.writable.close();
  const got = await received;
  expect(got.total).toBe(size);
  expect(got.digest).toBe(createHash("sha256").update(payload).digest("hex"));
});

test("closing a listener closes sockets nobody accepted; accept rejects", async () => {
  const listener = await sockets.listen({ host, port: 0 });
  await using client = await sockets.connect({ host, port: listener.address.port });
  // The client's socket is connected once the kernel accepted it; Bun queues it for us.
  await listener.close();
  expect(await new ByteReader(client.readable).atEnd()).toBe(true);
  const error = await listener.accept().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(SocketError.isInstance(error)).toBe(true);
});
