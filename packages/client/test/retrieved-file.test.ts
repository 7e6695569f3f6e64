/**
 * The ways to read a RetrievedFile: straight from the transfer (`bytes()`, `text()`,
 * `pipeTo(sink)`, `discard()`, `for await` over the file) or through `body`, a stream
 * made when first touched. Whichever comes first holds the body.
 */

import { FtpAbortError, FtpReplyError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { connect, type UsedMode } from "../src/index.ts";
import { equalBytes, ourServer, seedFiles } from "./helpers/our-server.ts";

const modes: UsedMode[] = ["S", "B"];

describe("reading a RetrievedFile", () => {
  for (const mode of modes) {
    it(`MODE ${mode}: for await over the file, then over the body, then bytes(): all the same bytes`, async () => {
      const seed = seedFiles(3, () => 150_000);
      await using ours = await ourServer(seed);
      await using session = await connect(ours.url, { sockets: ours.sockets });
      const paths = Object.keys(seed);
      const got: Uint8Array[] = [];
      let k = 0;
      for await (const file of session.retrieve(paths, { mode })) {
        const chunks: Uint8Array[] = [];
        if (k === 0) for await (const c of file) chunks.push(c);
        else if (k === 1) for await (const c of file.body) chunks.push(c);
        else chunks.push(await file.bytes());
        got.push(Buffer.concat(chunks));
        k++;
      }
      for (const [i, p] of paths.entries()) expect(equalBytes(got[i]!, seed[p]!), p).toBe(true);
    });

    it(`MODE ${mode}: leaving a for await over the file early cancels the transfer; the next file comes whole`, async () => {
      const seed = seedFiles(2, () => 400_000);
      await using ours = await ourServer(seed);
      await using session = await connect(ours.url, { sockets: ours.sockets, timeout: 5000 });
      const paths = Object.keys(seed);
      let first = 0;
      let second: Uint8Array | undefined;
      for await (const file of session.retrieve(paths, { mode })) {
        if (file.index === 0) {
          for await (const c of file) {
            first += c.length;
            break;
          }
        } else {
          second = await file.bytes();
        }
      }
      expect(first).toBeGreaterThan(0);
      expect(first).toBeLessThan(400_000);
      expect(equalBytes(second!, seed[paths[1]!]!)).toBe(true);
      expect(await session.size(paths[0]!)).toBe(400_000);
    });
  }

  it("the body touched while bytes() reads is locked; once bytes() is done it is a closed stream", async () => {
    const seed = seedFiles(1, () => 100_000);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    for await (const file of session.retrieve(Object.keys(seed), { mode: "B" })) {
      const all = file.bytes();
      expect(file.body.locked).toBe(true);
      expect(() => file.body.getReader()).toThrow(TypeError);
      await expect(file.bytes()).rejects.toBeInstanceOf(TypeError);
      expect((await all).length).toBe(100_000);
      expect(file.body.locked).toBe(false);
      const reader = file.body.getReader();
      expect((await reader.read()).done).toBe(true);
    }
  });

  it("pipeTo(sink): a sink that fails cancels the transfer and the session goes on", async () => {
    const seed = seedFiles(2, () => 300_000);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets, timeout: 5000 });
    const paths = Object.keys(seed);
    const outcomes: unknown[] = [];
    for await (const file of session.retrieve(paths, { mode: "B" })) {
      let written = 0;
      const sink = new WritableStream<Uint8Array>({
        write(chunk) {
          written += chunk.length;
          if (file.index === 0) throw new Error("disk full");
        },
      });
      outcomes.push(
        await file.pipeTo(sink).then(
          () => written,
          (e: unknown) => e,
        ),
      );
    }
    expect((outcomes[0] as Error).message).toBe("disk full");
    expect(outcomes[1]).toBe(300_000);
  });

  it("pipeTo(sink): a file that fails aborts the sink with its error", async () => {
    const seed = seedFiles(1);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    let aborted: unknown;
    for await (const file of session.retrieve(["missing.bin"], { mode: "B" })) {
      expect(file.ok).toBe(false);
      const sink = new WritableStream<Uint8Array>({
        abort(reason) {
          aborted = reason;
        },
      });
      await expect(file.pipeTo(sink)).rejects.toBeInstanceOf(FtpReplyError);
    }
    // As ReadableStream.pipeTo does with an errored source.
    expect(aborted).toBeInstanceOf(FtpReplyError);
  });

  it("pipeTo with options goes through the stream (a signal stops it)", async () => {
    const seed = seedFiles(1, () => 500_000);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets, timeout: 5000 });
    for await (const file of session.retrieve(Object.keys(seed), { mode: "B" })) {
      const controller = new AbortController();
      let written = 0;
      const sink = new WritableStream<Uint8Array>({
        write(chunk) {
          written += chunk.length;
          controller.abort(new FtpAbortError("enough"));
        },
      });
      await expect(file.pipeTo(sink, { signal: controller.signal })).rejects.toThrow("enough");
      expect(written).toBeGreaterThan(0);
    }
    expect(await session.size("f0000.bin")).toBe(500_000);
  });
});
