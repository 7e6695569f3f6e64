import {
  ConnectionRefusedError,
  ConnectionResetError,
  SocketError,
  SocketTimeoutError,
  TlsError,
} from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { isTlsFailure, toSocketError } from "../src/socket-errors.ts";

const nodeError = (code: string, message = code): Error =>
  Object.assign(new Error(message), { code });

describe("toSocketError", () => {
  const address = "127.0.0.1:2121";

  it.each([
    ["ECONNREFUSED", "connect", ConnectionRefusedError, "refused"],
    ["ECONNRESET", "io", ConnectionResetError, "reset"],
    ["EPIPE", "io", ConnectionResetError, "reset"],
    ["ECONNRESET", "tls", TlsError, "tls"],
    ["ETIMEDOUT", "connect", SocketTimeoutError, "timeout"],
    ["EHOSTUNREACH", "connect", SocketError, "unreachable"],
    ["EADDRINUSE", "listen", SocketError, "address-in-use"],
    ["ERR_STREAM_DESTROYED", "io", SocketError, "closed"],
    ["UNABLE_TO_VERIFY_LEAF_SIGNATURE", "tls", TlsError, "tls"],
    ["ERR_TLS_CERT_ALTNAME_INVALID", "tls", TlsError, "tls"],
    ["ERR_SSL_WRONG_VERSION_NUMBER", "io", TlsError, "tls"],
    ["EWHATEVER", "io", SocketError, "other"],
  ] as const)("%s while %s → %s (%s)", (code, phase, type, reason) => {
    const cause = nodeError(code);
    const error = toSocketError(cause, address, phase);
    expect(error).toBeInstanceOf(type);
    expect(error.reason).toBe(reason);
    expect(error.address).toBe(address);
    expect(error.cause).toBe(cause);
    expect(error.message).toContain(`"${address}"`);
  });

  it("words the refused message as the house style says", () => {
    expect(toSocketError(nodeError("ECONNREFUSED"), address, "connect").message).toBe(
      'Cannot connect to "127.0.0.1:2121": connection refused',
    );
  });

  it("passes a SocketError through unchanged", () => {
    const original = new SocketError("x", { address, reason: "other" });
    expect(toSocketError(original, address, "io")).toBe(original);
  });

  it("recognises OpenSSL errors by their library field", () => {
    expect(isTlsFailure(Object.assign(new Error("bad"), { library: "SSL routines" }))).toBe(true);
    expect(isTlsFailure(nodeError("ECONNRESET"))).toBe(false);
  });
});
