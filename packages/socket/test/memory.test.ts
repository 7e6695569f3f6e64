import {
  ConnectionRefusedError,
  ConnectionResetError,
  SocketAbortedError,
  SocketError,
  TlsError,
} from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { createSocketPair, memorySockets, type Socket } from "../src/index.ts";

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

async function write(socket: Socket, chunk: Uint8Array): Promise<void> {
  const writer = socket.writable.getWriter();
  try {
    await writer.write(chunk);
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

/** Lets every queued promise reaction run; the in-memory pipe does no I/O. */
const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe("createSocketPair", () => {
  it("delivers bytes both ways and reports addresses", async () => {
    const [a, b] = createSocketPair();
    await write(a, text("ping"));
    const reader = b.readable.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("ping");
    reader.releaseLock();
    const infoA = await a.opened;
    const infoB = await b.opened;
    expect(infoA.remoteAddress).toEqual(infoB.localAddress);
    expect(infoA.localAddress).toEqual(infoB.remoteAddress);
    expect(infoA.tls).toBeUndefined();
    await a.close();
    await b.close();
  });

  it("copies written chunks, so the writer may reuse its buffer", async () => {
    const [a, b] = createSocketPair();
    const buffer = text("abc");
    await write(a, buffer);
    buffer.fill(0x7a);
    const reader = b.readable.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("abc");
    reader.releaseLock();
    await a.close();
    await b.close();
  });

  it("stalls a writer at the high-water mark until the reader reads", async () => {
    const [a, b] = createSocketPair({ highWaterMark: 1024 });
    const writer = a.writable.getWriter();
    await writer.write(new Uint8Array(1024));
    let second = false;
    const pending = writer.write(new Uint8Array(10)).then(() => {
      second = true;
    });
    await settle();
    expect(second).toBe(false);
    const reader = b.readable.getReader();
    expect((await reader.read()).value?.byteLength).toBe(1024);
    await pending;
    expect(second).toBe(true);
    expect((await reader.read()).value?.byteLength).toBe(10);
    reader.releaseLock();
    writer.releaseLock();
    await a.close();
    await b.close();
  });

  it("half-closes: the peer reads the end and can still answer", async () => {
    const [a, b] = createSocketPair();
    await write(a, text("request"));
    await a.writable.close();
    expect(await readAll(b)).toBe("request");
    await write(b, text("reply"));
    await b.writable.close();
    expect(await readAll(a)).toBe("reply");
    // Both directions ended: both sockets are closed without close().
    await a.closed;
    await b.closed;
  });

  it("close() delivers what was queued, then refuses the peer's writes as a reset", async () => {
    const [a, b] = createSocketPair();
    await write(a, text("last words"));
    await a.close();
    await a.close();
    expect(await readAll(b)).toBe("last words");
    const error = await write(b, text("too late")).catch((e: unknown) => e);
    expect(ConnectionResetError.isInstance(error)).toBe(true);
    await b.close();
  });

  it("writable.abort() resets: the peer's read rejects with ConnectionResetError", async () => {
    const [a, b] = createSocketPair();
    await a.writable.abort(new Error("stop"));
    const error = await b.readable
      .getReader()
      .read()
      .catch((e: unknown) => e);
    expect(ConnectionResetError.isInstance(error)).toBe(true);
    await a.closed;
    await b.close();
  });

  it("cancelling the readable closes the socket", async () => {
    const [a, b] = createSocketPair();
    await a.readable.cancel();
    await a.closed;
    expect(await readAll(b)).toBe("");
    const error = await write(b, text("x")).catch((e: unknown) => e);
    expect(ConnectionResetError.isInstance(error)).toBe(true);
    await b.close();
  });

  it("writing after close() rejects with a closed SocketError", async () => {
    const [a, b] = createSocketPair();
    await a.close();
    const error = await write(a, text("x")).catch((e: unknown) => e);
    expect(SocketError.isInstance(error) && error.reason).toBe("closed");
    await b.close();
  });

  it("has no TLS", async () => {
    const [a, b] = createSocketPair();
    expect(a.tlsSession()).toBeUndefined();
    expect(() => a.startTls()).toThrow(TlsError);
    await a[Symbol.asyncDispose]();
    await b[Symbol.asyncDispose]();
  });
});

describe("memorySockets", () => {
  const host = "127.0.0.1";

  it("connects to a listener, refuses a port nobody listens on", async () => {
    const sockets = memorySockets();
    await using listener = await sockets.listen({ host, port: 0 });
    const client = await sockets.connect({ host, port: listener.address.port });
    const server = await listener.accept();
    expect((await client.opened).remoteAddress.port).toBe(listener.address.port);
    expect((await server.opened).remoteAddress.port).toBe((await client.opened).localAddress.port);
    await client.close();
    await server.close();
    const error = await sockets
      .connect({ host, port: listener.address.port + 1 })
      .catch((e: unknown) => e);
    expect(ConnectionRefusedError.isInstance(error)).toBe(true);
    expect((error as ConnectionRefusedError).address).toBe(
      `127.0.0.1:${listener.address.port + 1}`,
    );
  });

  it("gives distinct ports, refuses a taken one, and frees it on close", async () => {
    const sockets = memorySockets();
    const first = await sockets.listen({ host, port: 0 });
    const second = await sockets.listen({ host, port: 0 });
    expect(first.address.port).not.toBe(second.address.port);
    const taken = await sockets.listen({ host, port: first.address.port }).catch((e: unknown) => e);
    expect(SocketError.isInstance(taken) && taken.reason).toBe("address-in-use");
    await first.close();
    const again = await sockets.listen({ host, port: first.address.port });
    expect(again.address.port).toBe(first.address.port);
    await again.close();
    await second.close();
  });

  it("a listener on 0.0.0.0 takes connections to any IPv4 host", async () => {
    const sockets = memorySockets();
    await using listener = await sockets.listen({ host: "0.0.0.0", port: 0 });
    const client = await sockets.connect({ host: "127.0.0.1", port: listener.address.port });
    await using accepted = await listener.accept();
    await write(client, text("hi"));
    await client.writable.close();
    expect(await readAll(accepted)).toBe("hi");
    await client.close();
  });

  it("networks are isolated from each other", async () => {
    const one = memorySockets();
    const other = memorySockets();
    await using listener = await one.listen({ host, port: 0 });
    const error = await other
      .connect({ host, port: listener.address.port })
      .catch((e: unknown) => e);
    expect(ConnectionRefusedError.isInstance(error)).toBe(true);
  });

  it("rejects TLS and aborted connects with the typed errors", async () => {
    const sockets = memorySockets();
    await using listener = await sockets.listen({ host, port: 0 });
    const port = listener.address.port;
    const tls = await sockets.connect({ host, port, tls: true }).catch((e: unknown) => e);
    expect(TlsError.isInstance(tls)).toBe(true);
    const listenTls = await sockets
      .listen({ host, tls: { cert: "", key: "" }, implicitTls: true })
      .catch((e: unknown) => e);
    expect(TlsError.isInstance(listenTls)).toBe(true);
    const aborted = await sockets
      .connect({ host, port, signal: AbortSignal.abort() })
      .catch((e: unknown) => e);
    expect(SocketAbortedError.isInstance(aborted)).toBe(true);
  });

  it("close() rejects pending accepts and closes sockets nobody accepted", async () => {
    const sockets = memorySockets();
    const listener = await sockets.listen({ host, port: 0 });
    const client = await sockets.connect({ host, port: listener.address.port });
    const other = await sockets.listen({ host, port: 0 });
    const pending = other.accept().catch((e: unknown) => e);
    await other.close();
    expect(SocketError.isInstance(await pending)).toBe(true);
    await listener.close();
    await listener.close();
    // The unaccepted server end was closed: the client reads the end of stream.
    expect(await readAll(client)).toBe("");
    await client.close();
  });

  it("iterates accepted sockets; break closes the listener", async () => {
    const sockets = memorySockets();
    const listener = await sockets.listen({ host, port: 0 });
    const clients = await Promise.all(
      [0, 1, 2].map(() => sockets.connect({ host, port: listener.address.port })),
    );
    let seen = 0;
    for await (const accepted of listener) {
      await accepted.close();
      if (++seen === 3) break;
    }
    expect(seen).toBe(3);
    expect(SocketError.isInstance(await listener.accept().catch((e: unknown) => e))).toBe(true);
    await Promise.all(clients.map((c) => c.close()));
  });
});
