import { FtpUsageError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import type { BunNativeSocket } from "../src/bun-api.ts";
import { BunSocket, type BunSocketOptions, clientTlsOptions } from "../src/bun-socket.ts";

/** A stand-in for a Bun socket: records what the adapter does to it. */
class FakeNative {
  data: unknown;
  readonly localAddress = "127.0.0.1";
  readonly localPort = 50000;
  readonly localFamily = "IPv4" as const;
  readonly remoteAddress = "127.0.0.1";
  readonly remotePort = 21;
  readonly remoteFamily = "IPv4" as const;
  readonly authorized = true;
  /** Bytes the "kernel" takes per write call. */
  accepts = Number.POSITIVE_INFINITY;
  written: number[] = [];
  paused = false;
  pauses = 0;
  shutdowns = 0;
  ended = 0;
  session: Uint8Array | undefined;
  reused = false;

  write(chunk: Uint8Array): number {
    const n = Math.min(chunk.byteLength, this.accepts);
    for (let i = 0; i < n; i++) this.written.push(chunk[i] ?? -1);
    return n;
  }
  shutdown(): void {
    this.shutdowns++;
  }
  end(): void {
    this.ended++;
  }
  terminate(): void {
    this.ended++;
  }
  pause(): void {
    this.paused = true;
    this.pauses++;
  }
  resume(): void {
    this.paused = false;
  }
  setNoDelay(): boolean {
    return true;
  }
  setSession(session: Uint8Array): void {
    this.session = session;
  }
  getSession(): Uint8Array | undefined {
    return new Uint8Array([9]);
  }
  isSessionReused(): boolean {
    return this.reused;
  }
  getTLSVersion(): string {
    return "TLSv1.3";
  }
  getCipher(): { name: string } {
    return { name: "TLS_AES_128_GCM_SHA256" };
  }
  getAuthorizationError(): null {
    return null;
  }
  upgradeTLS(): never {
    throw new Error("not in this test");
  }
  asNative(): BunNativeSocket<BunSocket> {
    return this as unknown as BunNativeSocket<BunSocket>;
  }
}

function plainOptions(overrides: Partial<BunSocketOptions> = {}): BunSocketOptions {
  return {
    address: "127.0.0.1:21",
    peerName: "127.0.0.1",
    readLimit: 100,
    tls: "none",
    clientTls: undefined,
    serverContext: undefined,
    ...overrides,
  };
}

function opened(options: Partial<BunSocketOptions> = {}): {
  socket: BunSocket;
  native: FakeNative;
} {
  const native = new FakeNative();
  const socket = new BunSocket(plainOptions(options));
  native.data = socket;
  socket.onOpen(native.asNative());
  return { socket, native };
}

describe("BunSocket over a fake Bun socket", () => {
  it("reports addresses; a plain socket has no TLS", async () => {
    const { socket } = opened();
    const info = await socket.opened;
    expect(info.remoteAddress).toEqual({ hostname: "127.0.0.1", port: 21, family: "IPv4" });
    expect(info.localAddress.port).toBe(50000);
    expect(info.tls).toBeUndefined();
    expect(socket.tlsSession()).toBeUndefined();
  });

  it("a partial write waits for drain, then sends the rest in order", async () => {
    const { socket, native } = opened();
    native.accepts = 3;
    const writer = socket.writable.getWriter();
    let done = false;
    const writing = writer.write(new Uint8Array([1, 2, 3, 4, 5, 6, 7])).then(() => {
      done = true;
    });
    await Promise.resolve();
    await Promise.resolve();
    expect(native.written).toEqual([1, 2, 3]);
    expect(done).toBe(false);
    socket.onDrain();
    expect(native.written).toEqual([1, 2, 3, 4, 5, 6]);
    native.accepts = Number.POSITIVE_INFINITY;
    socket.onDrain();
    await writing;
    expect(native.written).toEqual([1, 2, 3, 4, 5, 6, 7]);
    await writer.close();
    expect(native.shutdowns).toBe(1);
  });

  it("pauses the socket past the read limit and resumes as the consumer reads", async () => {
    const { socket, native } = opened({ readLimit: 100 });
    for (let i = 0; i < 5; i++) socket.onData(new Uint8Array(40).fill(i));
    expect(native.paused).toBe(true);
    expect(native.pauses).toBe(1);
    const reader = socket.readable.getReader();
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { value } = await reader.read();
      seen.push(value?.[0] ?? -1);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4]);
    expect(native.paused).toBe(false);
    // Data for a waiting reader goes straight through.
    const next = reader.read();
    socket.onData(new Uint8Array([42]));
    expect((await next).value).toEqual(new Uint8Array([42]));
    socket.onEnd();
    expect((await reader.read()).done).toBe(true);
  });

  it("releases the socket once both directions are done", async () => {
    const { socket, native } = opened();
    socket.onEnd();
    expect((await socket.readable.getReader().read()).done).toBe(true);
    expect(native.ended).toBe(0);
    await socket.writable.close();
    expect(native.ended).toBe(1);
    socket.onClose();
    await socket.closed;
  });

  it("client startTls refuses while unread plain bytes are queued", () => {
    const { socket } = opened();
    socket.onData(new Uint8Array([1, 2, 3]));
    expect(() => socket.startTls({})).toThrow(FtpUsageError);
  });

  it("divert hands the queued bytes over first, then every callback", () => {
    const { socket } = opened();
    socket.onData(new Uint8Array([1]));
    socket.onData(new Uint8Array([2]));
    const got: number[] = [];
    let ended = false;
    socket.divert({
      data: (chunk) => got.push(...chunk),
      drain: () => {},
      end: () => {
        ended = true;
      },
      close: () => {},
    });
    socket.onData(new Uint8Array([3]));
    socket.onEnd();
    expect(got).toEqual([1, 2, 3]);
    expect(ended).toBe(true);
  });

  it("a TLS client sets the session before the handshake and prefers a newer ticket", async () => {
    const session = { runtime: "bun", data: new Uint8Array([1]) };
    const { socket, native } = opened({ tls: "client", clientTls: { session } });
    expect(native.session).toEqual(new Uint8Array([1]));
    native.reused = true;
    socket.onHandshake(true, null);
    const info = await socket.opened;
    expect(info.tls).toEqual({
      protocol: "TLSv1.3",
      cipher: "TLS_AES_128_GCM_SHA256",
      resumed: true,
      authorized: true,
    });
    // Resumed, no new ticket yet: the session it resumed.
    expect(socket.tlsSession()?.data).toEqual(new Uint8Array([1]));
    socket.onSession(new Uint8Array([2]));
    expect(socket.tlsSession()).toEqual({ runtime: "bun", data: new Uint8Array([2]) });
  });

  it("a failed handshake rejects opened with TlsError and terminates", async () => {
    const { socket, native } = opened({ tls: "client", clientTls: {} });
    socket.onHandshake(false, new Error("unable to verify the first certificate"));
    await expect(socket.opened).rejects.toMatchObject({
      name: "TlsError",
      address: "127.0.0.1:21",
      message: 'TLS handshake with "127.0.0.1:21" failed: unable to verify the first certificate',
    });
    expect(native.ended).toBe(1);
  });

  it("close() is idempotent and ends with Bun's close callback", async () => {
    const { socket, native } = opened();
    const first = socket.close();
    const second = socket.close();
    socket.onClose();
    await Promise.all([first, second, socket[Symbol.asyncDispose]()]);
    expect(native.ended).toBe(1);
  });
});

describe("clientTlsOptions", () => {
  it("sends SNI for names, not for IP literals, and maps versions to OpenSSL numbers", () => {
    expect(clientTlsOptions("ftp.example.com", {}).serverName).toBe("ftp.example.com");
    expect(clientTlsOptions("127.0.0.1", {}).serverName).toBeUndefined();
    expect(clientTlsOptions("::1", {}).serverName).toBeUndefined();
    expect(clientTlsOptions("127.0.0.1", { servername: "localhost" }).serverName).toBe("localhost");
    const limited = clientTlsOptions("h", { minVersion: "TLSv1.2", maxVersion: "TLSv1.3" });
    expect([limited.minVersion, limited.maxVersion]).toEqual([0x0303, 0x0304]);
    expect(clientTlsOptions("h", {}).rejectUnauthorized).toBe(true);
  });
});
