import { describe, expect, test } from "vitest";
import {
  ConnectionRefusedError,
  FtpError,
  FtpProtocolError,
  SocketError,
  TruncatedTransferError,
} from "../src/index.ts";

describe("FtpError family", () => {
  test("carries command, code, reply text and cause", () => {
    const cause = new Error("inner");
    const e = new FtpError('"RETR a" failed: 550 No such file', {
      command: "RETR a",
      code: 550,
      replyText: "No such file",
      cause,
    });
    expect(e.name).toBe("FtpError");
    expect(e.command).toBe("RETR a");
    expect(e.code).toBe(550);
    expect(e.replyText).toBe("No such file");
    expect(e.cause).toBe(cause);
    expect(e).toBeInstanceOf(Error);
  });

  test("subclass names are stable and isInstance follows the hierarchy", () => {
    const e = new ConnectionRefusedError("refused", { address: "127.0.0.1:1", reason: "refused" });
    expect(e.name).toBe("ConnectionRefusedError");
    expect(ConnectionRefusedError.isInstance(e)).toBe(true);
    expect(SocketError.isInstance(e)).toBe(true);
    expect(FtpError.isInstance(e)).toBe(true);
    expect(FtpProtocolError.isInstance(e)).toBe(false);
    expect(TruncatedTransferError.isInstance(new Error("x"))).toBe(false);
    expect(FtpError.isInstance(null)).toBe(false);
  });

  test("isInstance recognises an error from another copy of the package", () => {
    // Another copy has other constructors; only the symbol-keyed kinds are shared.
    const foreign = Object.create(Error.prototype);
    Object.defineProperty(foreign, Symbol.for("@ftpkit/errors.kinds"), {
      value: ["TruncatedTransferError", "FtpError"],
    });
    expect(TruncatedTransferError.isInstance(foreign)).toBe(true);
    expect(FtpError.isInstance(foreign)).toBe(true);
    expect(SocketError.isInstance(foreign)).toBe(false);
  });

  test("TruncatedTransferError keeps the bytes delivered", () => {
    const e = new TruncatedTransferError("cut", { bytesDelivered: 42, path: "a.bin" });
    expect(e.bytesDelivered).toBe(42);
    expect(e.path).toBe("a.bin");
  });
});
