import {
  ConnectionRefusedError,
  ConnectionResetError,
  SocketError,
  SocketTimeoutError,
  TlsError,
} from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { connectTimeoutError, reasonOf, toSocketError } from "../src/index.ts";

describe("socket error mapping", () => {
  it("maps Node-style codes (Bun's, Node's, Deno's) to reasons", () => {
    expect(reasonOf({ code: "ECONNREFUSED" })).toBe("refused");
    expect(reasonOf({ code: "ECONNRESET" })).toBe("reset");
    expect(reasonOf({ code: "EPIPE" })).toBe("reset");
    expect(reasonOf({ code: "EADDRINUSE" })).toBe("address-in-use");
    expect(reasonOf({ code: "ENOTFOUND" })).toBe("unreachable");
    expect(reasonOf({ code: "DEPTH_ZERO_SELF_SIGNED_CERT" })).toBe("tls");
    expect(reasonOf({ code: "ERR_SSL_WRONG_VERSION_NUMBER" })).toBe("tls");
    expect(reasonOf(new Error("no code"))).toBe("other");
  });

  it("looks names up only when the runtime gives a table of them", () => {
    const brokenPipe = { name: "BrokenPipe" };
    expect(reasonOf(brokenPipe)).toBe("other");
    expect(reasonOf(brokenPipe, { BrokenPipe: "reset" })).toBe("reset");
    expect(reasonOf({ name: "Error", code: "EPIPE" }, { Error: "other" })).toBe("reset");
    expect(reasonOf({ name: "ECONNREFUSED" }, {})).toBe("refused");
  });

  it("builds the typed error with the address quoted and the cause kept", () => {
    const cause = Object.assign(new Error("Failed to connect"), { code: "ECONNREFUSED" });
    const refused = toSocketError(cause, "127.0.0.1:40001", "connect");
    expect(ConnectionRefusedError.isInstance(refused)).toBe(true);
    expect(refused.message).toBe('Cannot connect to "127.0.0.1:40001": connection refused');
    expect(refused.cause).toBe(cause);
    const reset = toSocketError(
      Object.assign(new Error("reset"), { code: "ECONNRESET" }),
      "h:1",
      "read",
    );
    expect(ConnectionResetError.isInstance(reset)).toBe(true);
    expect(reset.message).toBe('Connection to "h:1" was reset while reading: reset');
    expect(TlsError.isInstance(toSocketError(new Error("x"), "h:1", "tls", "tls"))).toBe(true);
  });

  it("passes a SocketError through unchanged", () => {
    const original = new SocketError("x", { address: "a:1", reason: "other" });
    expect(toSocketError(original, "b:2", "read")).toBe(original);
  });

  it("names the timeout", () => {
    const error = connectTimeoutError("127.0.0.1:21", 300);
    expect(SocketTimeoutError.isInstance(error)).toBe(true);
    expect(error.message).toBe('Connecting to "127.0.0.1:21" timed out after 300 ms');
  });
});
