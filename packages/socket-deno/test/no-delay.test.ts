import { afterEach, describe, expect, it } from "vitest";
import type { DenoNamespace, DenoTcpConn, DenoTcpListener } from "../src/deno-api.ts";
import { denoSockets } from "../src/index.ts";

/** A connection that records `setNoDelay` calls and never receives a byte. */
interface FakeConn extends DenoTcpConn {
  readonly noDelayCalls: (boolean | undefined)[];
}

function fakeConn(localPort: number, remotePort: number, refuseNoDelay = false): FakeConn {
  const noDelayCalls: (boolean | undefined)[] = [];
  let closed = false;
  let wake: (() => void) | undefined;
  return {
    noDelayCalls,
    localAddr: { transport: "tcp", hostname: "127.0.0.1", port: localPort },
    remoteAddr: { transport: "tcp", hostname: "127.0.0.1", port: remotePort },
    // Nothing arrives; close() ends a pending read as Deno does, with BadResource.
    read: () =>
      new Promise<number | null>((_, reject) => {
        const fail = (): void =>
          reject(Object.assign(new Error("closed"), { name: "BadResource" }));
        if (closed) fail();
        else wake = fail;
      }),
    write: async (data) => data.byteLength,
    closeWrite: async () => {},
    close: () => {
      closed = true;
      wake?.();
    },
    setNoDelay: (noDelay?: boolean) => {
      if (refuseNoDelay) throw Object.assign(new Error("Invalid argument"), { name: "Error" });
      noDelayCalls.push(noDelay);
    },
  };
}

/** A `Deno` namespace whose connect and accept hand out the given fake connections. */
function installFakeDeno(connected: FakeConn, accepted: FakeConn): void {
  const listener: DenoTcpListener = {
    addr: { transport: "tcp", hostname: "127.0.0.1", port: 2121 },
    accept: async () => accepted,
    close: () => {},
  };
  const deno: DenoNamespace = {
    connect: async () => connected,
    listen: () => listener,
  };
  (globalThis as { Deno?: DenoNamespace }).Deno = deno;
}

afterEach(() => {
  delete (globalThis as { Deno?: DenoNamespace }).Deno;
});

describe("TCP_NODELAY on every connection", () => {
  it("is set on connected and on accepted connections by default", async () => {
    const connected = fakeConn(50000, 2121);
    const accepted = fakeConn(2121, 50000);
    installFakeDeno(connected, accepted);
    const sockets = denoSockets();
    await using listener = await sockets.listen({ host: "127.0.0.1", port: 2121 });
    await using client = await sockets.connect({ host: "127.0.0.1", port: 2121 });
    await using server = await listener.accept();
    expect(connected.noDelayCalls).toEqual([true]);
    expect(accepted.noDelayCalls).toEqual([true]);
    expect((await client.opened).localAddress.port).toBe(50000);
    expect((await server.opened).localAddress.port).toBe(2121);
  });

  it("is left alone with noDelay: false", async () => {
    const connected = fakeConn(50001, 2121);
    const accepted = fakeConn(2121, 50001);
    installFakeDeno(connected, accepted);
    const sockets = denoSockets({ noDelay: false });
    await using listener = await sockets.listen({ host: "127.0.0.1", port: 2121 });
    await using _client = await sockets.connect({ host: "127.0.0.1", port: 2121 });
    await using _server = await listener.accept();
    expect(connected.noDelayCalls).toEqual([]);
    expect(accepted.noDelayCalls).toEqual([]);
  });

  it("does not fail a connection whose setNoDelay throws (a peer that already reset)", async () => {
    const connected = fakeConn(50002, 2121, true);
    const accepted = fakeConn(2121, 50002, true);
    installFakeDeno(connected, accepted);
    const sockets = denoSockets();
    await using listener = await sockets.listen({ host: "127.0.0.1", port: 2121 });
    await using client = await sockets.connect({ host: "127.0.0.1", port: 2121 });
    await using server = await listener.accept();
    expect((await client.opened).remoteAddress.port).toBe(2121);
    expect((await server.opened).remoteAddress.port).toBe(50002);
  });
});
