import {
  ConnectionRefusedError,
  ConnectionResetError,
  SocketError,
  TlsError,
} from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { reasonOf, toSocketError } from "../src/socket-errors.ts";

/** A Deno error as `Deno.errors.*` makes them: a class name and, lately, a code. */
function denoError(name: string, code?: string): Error {
  const error = new Error(`${name} (os error)`);
  error.name = name;
  if (code !== undefined) Object.assign(error, { code });
  return error;
}

describe("socket error mapping", () => {
  it("maps Deno error names and Node codes to reasons", () => {
    expect(reasonOf(denoError("ConnectionRefused"))).toBe("refused");
    expect(reasonOf(denoError("ConnectionReset"))).toBe("reset");
    expect(reasonOf(denoError("BrokenPipe"))).toBe("reset");
    expect(reasonOf(denoError("AddrInUse"))).toBe("address-in-use");
    expect(reasonOf(denoError("BadResource"))).toBe("closed");
    expect(reasonOf(denoError("Whatever", "ECONNREFUSED"))).toBe("refused");
    expect(reasonOf({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" })).toBe("tls");
    expect(reasonOf({ code: "ERR_TLS_CERT_ALTNAME_INVALID" })).toBe("tls");
    expect(reasonOf("a string")).toBe("other");
  });

  it("builds the typed error with the address quoted and the cause kept", () => {
    const cause = denoError("ConnectionRefused", "ECONNREFUSED");
    const error = toSocketError(cause, "127.0.0.1:40001", "connect");
    expect(ConnectionRefusedError.isInstance(error)).toBe(true);
    expect(error.message).toBe('Cannot connect to "127.0.0.1:40001": connection refused');
    expect(error.address).toBe("127.0.0.1:40001");
    expect(error.cause).toBe(cause);

    expect(
      ConnectionResetError.isInstance(toSocketError(denoError("ConnectionReset"), "h:1", "read")),
    ).toBe(true);
    const tls = toSocketError(new Error("bad cert"), "[::1]:990", "tls", "tls");
    expect(TlsError.isInstance(tls)).toBe(true);
    expect(tls.message).toBe('TLS handshake with "[::1]:990" failed: bad cert');
  });

  it("passes a SocketError through unchanged", () => {
    const original = new SocketError("x", { address: "a:1", reason: "other" });
    expect(toSocketError(original, "b:2", "read")).toBe(original);
  });
});
