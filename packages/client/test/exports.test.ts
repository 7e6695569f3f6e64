/** The error classes a user of the client meets come from `@ftpkit/client` itself. */

import * as errors from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import * as client from "../src/index.ts";

// Looked up by name on purpose: the test is about what the namespaces contain.
const fromClient = client as unknown as Record<string, unknown>;
const fromErrors = errors as unknown as Record<string, unknown>;

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
    ]) {
      expect(fromClient[name], name).toBeDefined();
      expect(fromClient[name], name).toBe(fromErrors[name]);
    }
    const timeout = new client.SocketTimeoutError('Connecting to "127.0.0.1:21" timed out', {
      address: "127.0.0.1:21",
      reason: "timeout",
    });
    expect(client.SocketError.isInstance(timeout)).toBe(true);
    expect(client.SocketAbortedError.isInstance(timeout)).toBe(false);
  });
});
