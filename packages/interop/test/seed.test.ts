import { createHash } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createTempRoot, seedChunks, seedContent, seedRoot } from "../src/index.ts";

describe("seedRoot", () => {
  it("writes the standard set with the probes' names, contents and mtime", async () => {
    await using root = await createTempRoot();
    const files = await seedRoot(root.path, { standard: true });
    expect(files.map((f) => f.path)).toEqual([
      "hello.txt",
      "text.txt",
      "rand.bin",
      "dir/inner.txt",
      "name with spaces.txt",
      "ünïcödé.txt",
    ]);
    expect(readFileSync(`${root.path}/hello.txt`, "utf8")).toBe("hello\n");
    expect(readFileSync(`${root.path}/text.txt`, "utf8").split("\n")).toHaveLength(1001);
    expect(statSync(`${root.path}/rand.bin`).size).toBe(1 << 20);
    expect(statSync(`${root.path}/hello.txt`).mtime.toISOString()).toBe("2020-01-02T03:04:05.000Z");
    expect(statSync(root.path).mode & 0o777).toBe(0o755);
  });

  it("generates series whose bytes and sha256 match seedContent", async () => {
    await using root = await createTempRoot();
    const [big, text] = await seedRoot(root.path, {
      series: [
        { count: 1, size: 3 * 1024 * 1024 + 3, prefix: "big-" },
        { count: 1, size: 10_000, content: "text", suffix: ".txt" },
      ],
    });
    const onDisk = readFileSync(`${root.path}/big-0000.bin`);
    expect(onDisk.length).toBe(3 * 1024 * 1024 + 3);
    expect(createHash("sha256").update(onDisk).digest("hex")).toBe(big!.sha256);
    expect(Buffer.from(seedContent("big-0000.bin", onDisk.length)).equals(onDisk)).toBe(true);
    const textOnDisk = readFileSync(`${root.path}/file-0000.txt`, "utf8");
    expect(textOnDisk.startsWith("00000000 file-0000.txt the quick brown fox")).toBe(true);
    expect(text!.size).toBe(10_000);
  });

  it("gives different files different content and the same file the same content", () => {
    expect(seedContent("a.bin", 64)).toEqual(seedContent("a.bin", 64));
    expect(seedContent("a.bin", 64)).not.toEqual(seedContent("b.bin", 64));
    const chunks = [...seedChunks("c.bin", (1 << 20) + 5)];
    expect(chunks.map((c) => c.length)).toEqual([1 << 20, 5]);
  });

  it("refuses paths that leave the root", async () => {
    await using root = await createTempRoot();
    await expect(seedRoot(root.path, { files: { "../x": "no" } })).rejects.toThrow(
      /inside the root/,
    );
    await expect(seedRoot(root.path, { files: { "/etc/x": "no" } })).rejects.toThrow(/relative/);
  });
});
