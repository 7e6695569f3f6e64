import { createServer } from "node:net";
import { ConnectionResetError, SocketAbortedError, SocketError, TlsError } from "@ftpkit/errors";
import type { Listener, Socket } from "@ftpkit/socket";
import { describe, expect, it } from "vitest";
// By path, not as a dependency: @ftpkit/conformance depends on this package, and turbo
// refuses a cycle in the package graph.
import { testCertificate } from "../../conformance/src/certs.ts";
import { nodeSockets } from "../src/index.ts";

const sockets = nodeSockets();
const host = "127.0.0.1";
const serverTls = { cert: testCertificate.cert, key: testCertificate.key };
const clientTls = { ca: testCertificate.ca, servername: "localhost" };
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
/** A listener whose accepted sockets speak TLS from the first byte. */
const listenImplicitTls = (): Promise<Listener> =>
  sockets.listen({ host, port: 0, tls: serverTls, implicitTls: true });

async function write(socket: Socket, s: string): Promise<void> {
  const writer = socket.writable.getWriter();
  try {
    await writer.write(text(s));
  } finally {
    writer.releaseLock();
  }
}

async function readAll(socket: Socket): Promise<string> {
  let out = "";
  const decoder = new TextDecoder();
  for await (const chunk of socket.readable) out += decoder.decode(chunk, { stream: true });
  return out;
}

async function readSome(socket: Socket): Promise<string> {
  const reader = socket.readable.getReader();
  try {
    const { value } = await reader.read();
    return new TextDecoder().decode(value);
  } finally {
    reader.releaseLock();
  }
}

const ipv6 = await new Promise<boolean>((resolve) => {
  const probe = createServer();
  probe.once("error", () => resolve(false));
  probe.listen(0, "::1", () => probe.close(() => resolve(true)));
});

describe("nodeSockets()", () => {
  it("reports an address in use as a SocketError with that reason", async () => {
    await using first = await sockets.listen({ host, port: 0 });
    const error = await sockets.listen({ host, port: first.address.port }).catch((e: unknown) => e);
    expect(SocketError.isInstance(error)).toBe(true);
    expect((error as SocketError).reason).toBe("address-in-use");
    expect((error as SocketError).address).toBe(`${host}:${first.address.port}`);
  });

  it("aborts a TLS handshake in progress with SocketAbortedError", async () => {
    await using listener = await sockets.listen({ host, port: 0 });
    const controller = new AbortController();
    const connecting = sockets
      .connect({ host, port: listener.address.port, tls: clientTls, signal: controller.signal })
      .catch((e: unknown) => e);
    await using silent = await listener.accept();
    controller.abort(new Error("user gave up"));
    const error = await connecting;
    expect(SocketAbortedError.isInstance(error)).toBe(true);
    expect((error as SocketAbortedError).cause).toEqual(new Error("user gave up"));
    // The aborted client is gone: the silent server end reads its end of stream.
    expect(await readAll(silent)).toBe("");
  });

  it("half-closes over TLS: the server reads the end and still answers", async () => {
    await using listener = await listenImplicitTls();
    const serving = (async () => {
      await using accepted = await listener.accept();
      const got = await readAll(accepted);
      await write(accepted, `got ${got}`);
      await accepted.writable.close();
    })();
    await using client = await sockets.connect({
      host,
      port: listener.address.port,
      tls: clientTls,
    });
    await write(client, "upload");
    await client.writable.close();
    expect(await readAll(client)).toBe("got upload");
    await serving;
  });

  it("close() on TLS sends close_notify: the peer's readable ends without an error", async () => {
    await using listener = await listenImplicitTls();
    const client = await sockets.connect({ host, port: listener.address.port, tls: clientTls });
    await using accepted = await listener.accept();
    await accepted.opened;
    await write(client, "bye");
    await client.close();
    expect(await readAll(accepted)).toBe("bye");
  });

  it("writable.abort() resets: the peer's read rejects with ConnectionResetError", async () => {
    await using listener = await sockets.listen({ host, port: 0 });
    await using client = await sockets.connect({ host, port: listener.address.port });
    const accepted = await listener.accept();
    await accepted.writable.abort(new Error("reset"));
    const error = await readAll(client).catch((e: unknown) => e);
    expect(ConnectionResetError.isInstance(error)).toBe(true);
    expect((error as ConnectionResetError).address).toBe(`${host}:${listener.address.port}`);
    await accepted.closed;
  });

  it("an accepted implicit-TLS socket rejects opened when the client gives up", async () => {
    await using listener = await listenImplicitTls();
    const refused = sockets
      .connect({ host, port: listener.address.port, tls: { servername: "localhost" } })
      .catch((e: unknown) => e);
    await using accepted = await listener.accept();
    expect(TlsError.isInstance(await refused)).toBe(true);
    const error = await accepted.opened.catch((e: unknown) => e);
    expect(TlsError.isInstance(error)).toBe(true);
  });

  it("startTls: the plain object hands over; a TLS socket cannot start TLS again", async () => {
    await using listener = await sockets.listen({ host, port: 0, tls: serverTls });
    const serving = (async () => {
      const plain = await listener.accept();
      await using secure = plain.startTls();
      await secure.opened;
      await write(secure, "hi");
      await secure.writable.close();
      expect(await readAll(secure)).toBe("");
    })();
    const plain = await sockets.connect({ host, port: listener.address.port });
    const secure = plain.startTls(clientTls);
    const info = await secure.opened;
    expect(info.tls?.authorized).toBe(true);
    expect(() => secure.startTls()).toThrow(TlsError);
    expect(() => plain.startTls()).toThrow(TlsError);
    const stale = await write(plain, "x").catch((e: unknown) => e);
    expect(TlsError.isInstance(stale)).toBe(true);
    expect(await readAll(secure)).toBe("hi");
    // Closing the stale plain object closes the TLS socket that took over.
    await plain.close();
    await secure.closed;
    await plain.closed;
    await serving;
  });

  it("TLS 1.3: tlsSession() is available after the first read and resumes", async () => {
    await using listener = await listenImplicitTls();
    const serving = (async () => {
      for (let i = 0; i < 2; i++) {
        await using accepted = await listener.accept();
        await write(accepted, "ready\n");
        expect(await readAll(accepted)).toBe("");
      }
    })();
    const tls = { ...clientTls, minVersion: "TLSv1.3", maxVersion: "TLSv1.3" } as const;
    const first = await sockets.connect({ host, port: listener.address.port, tls });
    expect(await readSome(first)).toBe("ready\n");
    const session = first.tlsSession();
    expect(session?.runtime).toBe("node");
    await first.close();
    await using second = await sockets.connect({
      host,
      port: listener.address.port,
      tls: { ...tls, session },
    });
    expect((await second.opened).tls?.resumed).toBe(true);
    expect(await readSome(second)).toBe("ready\n");
    await second.close();
    await serving;
  });

  it("ignores a session from another adapter", async () => {
    await using listener = await listenImplicitTls();
    const accepting = listener.accept();
    await using client = await sockets.connect({
      host,
      port: listener.address.port,
      tls: { ...clientTls, session: { runtime: "deno", data: new Uint8Array(8) } },
    });
    expect((await client.opened).tls?.resumed).toBe(false);
    await (await accepting).close();
  });

  it.skipIf(!ipv6)("listens and connects on ::1 with IPv6 addresses", async () => {
    await using listener = await sockets.listen({ host: "::1", port: 0 });
    expect(listener.address.family).toBe("IPv6");
    expect(listener.address.hostname).toBe("::1");
    const accepting = listener.accept();
    await using client = await sockets.connect({ host: "::1", port: listener.address.port });
    await using accepted = await accepting;
    const info = await client.opened;
    expect(info.remoteAddress).toEqual({
      hostname: "::1",
      port: listener.address.port,
      family: "IPv6",
    });
    expect((await accepted.opened).remoteAddress.port).toBe(info.localAddress.port);
  });
});
