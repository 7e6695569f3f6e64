import {
  FtpAbortError,
  FtpProtocolError,
  FtpUsageError,
  TruncatedTransferError,
} from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import {
  createEncoder,
  FileSplitter,
  type FileSplitterEvent,
  splitFileBodies,
  type TransferMode,
} from "../src/index.ts";
import { ascii, chunk, collect, concat } from "./helpers.ts";

function encodeFiles(mode: TransferMode, files: Uint8Array[]): Uint8Array {
  const e = createEncoder(mode);
  return concat(files.flatMap((f) => [...e.data(f), ...e.eof()]));
}

function splitAll(
  mode: TransferMode,
  chunks: Uint8Array[],
): { files: string[]; events: FileSplitterEvent[] } {
  const s = new FileSplitter(mode);
  const events = [...chunks.flatMap((c) => s.push(c)), ...s.end()];
  const files: string[] = [];
  let parts: Uint8Array[] = [];
  for (const ev of events) {
    if (ev.type === "data") parts.push(ev.data);
    if (ev.type === "fileEnd") {
      expect(ev.index).toBe(files.length);
      expect(ev.size).toBe(concat(parts).length);
      files.push(Buffer.from(concat(parts)).toString());
      parts = [];
    }
  }
  return { files, events };
}

const names = ["first file", "", "third", "x".repeat(70000)];

describe("FileSplitter", () => {
  for (const mode of ["B", "C", "E"] as const) {
    it(`MODE ${mode}: one connection, one fileEnd per file, bytes after EOF go to the next file`, () => {
      const wire = encodeFiles(mode, names.map(ascii));
      for (const sizes of [[wire.length], [1], [3, 17, 2], [4096]]) {
        expect(splitAll(mode, chunk(wire, sizes)).files).toEqual(names);
      }
    });

    it(`MODE ${mode}: closing inside a file is a TruncatedTransferError with that file's bytes`, () => {
      const wire = encodeFiles(mode, [ascii("complete"), ascii("cut short here")]);
      const cut = wire.subarray(0, wire.length - 3);
      const s = new FileSplitter(mode);
      const events = s.push(cut);
      expect(events.filter((e) => e.type === "fileEnd")).toHaveLength(1);
      try {
        s.end();
        expect.unreachable();
      } catch (e) {
        expect(TruncatedTransferError.isInstance(e)).toBe(true);
        expect((e as TruncatedTransferError).bytesDelivered).toBe(s.bytesDelivered);
        expect(s.bytesDelivered).toBeGreaterThan(0);
      }
    });

    it(`MODE ${mode}: a connection that closes with no file at all ends cleanly`, () => {
      expect(new FileSplitter(mode).end()).toEqual([]);
    });
  }

  it("MODE S: the end of the connection is the one file's end", () => {
    expect(splitAll("S", [ascii("ab"), ascii("c")]).files).toEqual(["abc"]);
    expect(splitAll("S", []).files).toEqual([""]);
  });

  it("MODE Z: one file; no stream end is a truncation even with no byte", () => {
    const wire = encodeFiles("Z", [ascii("zipped")]);
    expect(splitAll("Z", chunk(wire, [5])).files).toEqual(["zipped"]);
    expect(() => new FileSplitter("Z").end()).toThrow(TruncatedTransferError);
  });

  it("passes restart markers through", () => {
    const e = createEncoder("B");
    const wire = concat([...e.data(ascii("a")), ...e.restart("m1"), ...e.eof()]);
    expect(splitAll("B", [wire]).events.map((ev) => ev.type)).toEqual([
      "data",
      "restart",
      "fileEnd",
    ]);
  });
});

/** A pull-counting web stream over chunks: the test sees how far the reader got. */
function countingStream(chunks: Uint8Array[]): {
  stream: ReadableStream<Uint8Array>;
  pulls: () => number;
  cancelled: () => boolean;
} {
  let i = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (i < chunks.length) controller.enqueue(chunks[i++]!);
        else controller.close();
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulls: () => i, cancelled: () => cancelled };
}

async function text(body: ReadableStream<Uint8Array>): Promise<string> {
  return Buffer.from(concat(await collect(body))).toString();
}

describe("splitFileBodies", () => {
  it("yields one body per file, in order, leftover bytes carried to the next file", async () => {
    const wire = encodeFiles("B", [ascii("one"), ascii(""), ascii("three")]);
    const got: string[] = [];
    for await (const body of splitFileBodies("B", [wire])) got.push(await text(body));
    expect(got).toEqual(["one", "", "three"]);
  });

  it("reads the source only as bodies are pulled (backpressure)", async () => {
    const file = new Uint8Array(64 * 1024).fill(1);
    const wire = encodeFiles("E", [file, file]);
    const src = countingStream(chunk(wire, [1024]));
    const files = splitFileBodies("E", src.stream);
    const body = await files.nextFile();
    const reader = body!.getReader();
    await reader.read();
    const after = src.pulls();
    expect(after).toBeLessThanOrEqual(2);
    await reader.read();
    expect(src.pulls()).toBeLessThanOrEqual(after + 1);
    reader.releaseLock();
    await files.cancel();
    expect(src.cancelled()).toBe(true);
  });

  it("nextFile() drains an unread body, which then errors with FtpAbortError; a cancelled one does not", async () => {
    const wire = encodeFiles("C", [ascii("skipped"), ascii("cancelled"), ascii("read")]);
    const files = splitFileBodies("C", chunk(wire, [4]));
    const skipped = (await files.nextFile())!;
    const cancelled = (await files.nextFile())!;
    await expect(text(skipped)).rejects.toSatisfy((e: unknown) => FtpAbortError.isInstance(e));
    await cancelled.cancel();
    const read = (await files.nextFile())!;
    expect(await text(read)).toBe("read");
    expect(await files.nextFile()).toBeUndefined();
    expect(files.filesCompleted).toBe(3);
  });

  it("errors the body and nextFile() with TruncatedTransferError when the connection closes inside a file", async () => {
    const wire = encodeFiles("B", [ascii("whole"), ascii("partial")]);
    const files = splitFileBodies("B", [wire.subarray(0, wire.length - 2)]);
    expect(await text((await files.nextFile())!)).toBe("whole");
    const body = (await files.nextFile())!;
    const error = await text(body).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(TruncatedTransferError.isInstance(error)).toBe(true);
    expect((error as TruncatedTransferError).bytesDelivered).toBe(5);
    await expect(files.nextFile()).rejects.toSatisfy((e: unknown) =>
      TruncatedTransferError.isInstance(e),
    );
  });

  it("reports protocol errors, restart markers, and disposes twice harmlessly", async () => {
    const markers: string[] = [];
    const e = createEncoder("B");
    const wire = concat([...e.data(ascii("a")), ...e.restart("R7"), ...e.eof()]);
    {
      await using files = splitFileBodies("B", [wire], { onRestart: (m) => markers.push(m) });
      expect(await text((await files.nextFile())!)).toBe("a");
      await files[Symbol.asyncDispose]();
    }
    expect(markers).toEqual(["R7"]);
    const bad = splitFileBodies("B", [Uint8Array.of(0x01, 0, 0)]);
    await expect(bad.nextFile()).rejects.toBeInstanceOf(FtpProtocolError);
    await bad.cancel();
    await expect(bad.nextFile()).rejects.toBeInstanceOf(FtpUsageError);
  });

  it("break in for await cancels the source", async () => {
    const src = countingStream([encodeFiles("B", [ascii("a"), ascii("b")])]);
    for await (const body of splitFileBodies("B", src.stream)) {
      expect(await text(body)).toBe("a");
      break;
    }
    expect(src.cancelled()).toBe(true);
  });

  it("MODE Z: a single body that ends at the zlib stream's end", async () => {
    const wire = encodeFiles("Z", [ascii("deflated body")]);
    const files = splitFileBodies("Z", chunk(wire, [3]));
    expect(await text((await files.nextFile())!)).toBe("deflated body");
    expect(await files.nextFile()).toBeUndefined();
  });
});
