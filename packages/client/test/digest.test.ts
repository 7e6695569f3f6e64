import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createDigest } from "../src/digest.ts";

describe("digests for HASH", () => {
  it("SHA-256 matches node:crypto over any chunking", () => {
    const data = new Uint8Array(10_000).map((_, i) => (i * 131) & 0xff);
    for (const size of [0, 1, 55, 56, 63, 64, 65, 1000, 10_000]) {
      const part = data.subarray(0, size);
      const d = createDigest("SHA-256")!;
      for (let at = 0; at < part.length; at += 7) d.update(part.subarray(at, at + 7));
      expect(d.hex()).toBe(createHash("sha256").update(part).digest("hex"));
    }
  });

  it("CRC32 of the check string is cbf43926", () => {
    const d = createDigest("crc32")!;
    d.update(new TextEncoder().encode("123456789"));
    expect(d.hex()).toBe("cbf43926");
    expect(createDigest("MD4")).toBeUndefined();
  });
});
