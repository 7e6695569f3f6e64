/** The error classes a user of the client meets come from `@ftpkit/client` itself. */

import * as errors from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import * as client from "../src/index.ts";

describe("the package's exports", () => {
  it("re-exports the whole error family of @ftpkit/errors, the socket errors included", () => {
    for (const name of [
      "FtpError",
      "FtpReplyError",
      "FtpProtocolError",
      "FtpTimeoutError",
      "FtpAbortError",
      "FtpUsageError",
      "TruncatedTransferError",
      "SocketError",
      "ConnectionRefusedError",
      "ConnectionResetError",
      "SocketTimeoutError",
      "SocketAbortedError",
      "TlsError",
    ] as const) {
      expect(client[name], name).toBe(errors[name]);
    }
    const timeout = new client.SocketTimeoutError('Connecting to "127.0.0.1:21" timed out', {
      address: "127.0.0.1:21",
      reason: "timeout",
    });
    expect(client.SocketError.isInstance(timeout)).toBe(true);
    expect(client.SocketAbortedError.isInstance(timeout)).toBe(false);
  });
});
