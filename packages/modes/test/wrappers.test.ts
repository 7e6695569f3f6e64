import { TruncatedTransferError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import {
  createDecoderStream,
  createEncoderStream,
  decodeIterable,
  decodeStream,
  type EncoderInput,
  encodeIterable,
  encodeStream,
  type ModeEvent,
} from "../src/index.ts";
import { ascii, collect, concat, dataOf, flatten } from "./helpers.ts";

function streamOf<T>(items: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}

describe("web-stream wrappers", () => {
  it("encode then decode through TransformStreams, eof added at the end of input", async () => {
    for (const mode of ["S", "B", "C", "Z", "E"] as const) {
      const wire = await collect(
        streamOf([ascii("hello "), ascii("world")]).pipeThrough(createEncoderStream(mode)),
      );
      const events = await collect(streamOf(wire).pipeThrough(createDecoderStream(mode)));
      expect(Buffer.from(dataOf(events)).toString()).toBe("hello world");
      expect(events.at(-1)?.type === "eof" || events.at(-1)?.type === "eod").toBe(true);
    }
  });

  it("takes commands: records, restart markers, explicit eof between files", async () => {
    const inputs: EncoderInput[] = [
      ascii("r1"),
      { type: "record" },
      { type: "restart", marker: "9" },
      { type: "data", data: ascii("r2") },
      { type: "eof" },
    ];
    const wire = await collect(encodeStream("B", streamOf(inputs), { structure: "R" }));
    const events = await collect(decodeStream("B", streamOf(wire), { structure: "R" }));
    expect(flatten(events)).toEqual([
      { type: "data", hex: Buffer.from("r1").toString("hex") },
      { type: "eor" },
      { type: "restart", marker: "9" },
      { type: "data", hex: Buffer.from("r2").toString("hex") },
      { type: "eof" },
    ]);
  });

  it("errors the stream with TruncatedTransferError on a cut connection", async () => {
    const wire = await collect(encodeStream("B", streamOf([ascii("abcdef")])));
    const cut = concat(wire).subarray(0, 5);
    await expect(collect(decodeStream("B", streamOf([cut])))).rejects.toBeInstanceOf(
      TruncatedTransferError,
    );
  });
});

describe("async-iterable wrappers", () => {
  it("encode then decode (iterables, async generators, web streams as sources)", async () => {
    async function* source(): AsyncGenerator<Uint8Array> {
      yield ascii("aaaa    ");
      yield ascii("bbbb");
    }
    const wire = await collect(encodeIterable("C", source(), { type: "A" }));
    const events: ModeEvent[] = await collect(decodeIterable("C", wire, { type: "A" }));
    expect(Buffer.from(dataOf(events)).toString()).toBe("aaaa    bbbb");
    const fromStream = await collect(decodeIterable("C", streamOf(wire), { type: "A" }));
    expect(flatten(fromStream)).toEqual(flatten(events));
  });

  it("throws TruncatedTransferError at the end of a cut source, and cancels the source on break", async () => {
    const wire = concat(await collect(encodeIterable("Z", [ascii("x".repeat(1000))])));
    await expect(collect(decodeIterable("Z", [wire.subarray(0, 6)]))).rejects.toBeInstanceOf(
      TruncatedTransferError,
    );
    let cancelled = false;
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        c.enqueue(ascii("data"));
      },
      cancel() {
        cancelled = true;
      },
    });
    for await (const ev of decodeIterable("S", stream)) {
      expect(ev.type).toBe("data");
      break;
    }
    expect(cancelled).toBe(true);
  });
});
