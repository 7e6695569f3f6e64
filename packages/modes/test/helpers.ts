import {
  createDecoder,
  type DecoderOptions,
  type ModeEvent,
  type TransferMode,
} from "../src/index.ts";

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Cuts `bytes` into pieces of the given sizes (cycled); the last piece takes the rest. */
export function chunk(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  let k = 0;
  while (i < bytes.length) {
    const size = Math.max(1, sizes.length === 0 ? bytes.length : sizes[k++ % sizes.length]!);
    out.push(bytes.subarray(i, i + size));
    i += size;
  }
  return out;
}

/** Non-data events with the data between them merged, for comparisons. */
export type Flat = { type: "data"; hex: string } | Exclude<ModeEvent, { type: "data" }>;

export function flatten(events: readonly ModeEvent[]): Flat[] {
  const out: Flat[] = [];
  let pending: Uint8Array[] = [];
  const flush = (): void => {
    if (pending.length > 0)
      out.push({ type: "data", hex: Buffer.from(concat(pending)).toString("hex") });
    pending = [];
  };
  for (const ev of events) {
    if (ev.type === "data") pending.push(ev.data);
    else {
      flush();
      out.push(ev);
    }
  }
  flush();
  return out;
}

export function decodeChunks(
  mode: TransferMode,
  chunks: readonly Uint8Array[],
  options: DecoderOptions = {},
): ModeEvent[] {
  const d = createDecoder(mode, options);
  const events: ModeEvent[] = [];
  for (const c of chunks) events.push(...d.push(c));
  events.push(...d.end());
  return events;
}

export function dataOf(events: readonly ModeEvent[]): Uint8Array {
  return concat(events.flatMap((e) => (e.type === "data" ? [e.data] : [])));
}

export const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
export const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** Every item of a web stream or an async iterable (web streams are read through a reader). */
export async function collect<T>(source: ReadableStream<T> | AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  if ("getReader" in source) {
    const reader = source.getReader();
    try {
      for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value);
    } finally {
      reader.releaseLock();
    }
    return out;
  }
  for await (const x of source) out.push(x);
  return out;
}
