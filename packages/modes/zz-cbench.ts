import { createDecoder, createEncoder } from "./src/index.ts";

const N = 16384;
const files: Uint8Array[] = [];
let x = 1;
for (let f = 0; f < 256; f++) {
  const b = new Uint8Array(N);
  for (let i = 0; i < N; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  files.push(b);
}
function bench(name: string, fn: (b: Uint8Array) => void) {
  for (let r = 0; r < 3000; r++) fn(files[r & 255]!);
  const t = performance.now();
  const n = 20000;
  for (let r = 0; r < n; r++) fn(files[r & 255]!);
  console.log(name, (((performance.now() - t) / n) * 1000).toFixed(2), "µs/16KiB");
}
let sink = 0;
bench("C encode", (b) => {
  const e = createEncoder("C");
  for (const p of e.data(b)) sink += p.length;
  for (const p of e.eof()) sink += p.length;
});
bench("B encode", (b) => {
  const e = createEncoder("B");
  for (const p of e.data(b)) sink += p.length;
  for (const p of e.eof()) sink += p.length;
});
const wires = files.map((b) => {
  const e = createEncoder("C");
  const parts = [...e.data(b), ...e.eof()];
  const n = parts.reduce((a, p) => a + p.length, 0);
  const w = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    w.set(p, o);
    o += p.length;
  }
  return w;
});
let k = 0;
bench("C decode", () => {
  const d = createDecoder("C");
  sink += d.push(wires[k++ & 255]!).length;
});
bench("C decode in place (+slice)", () => {
  const d = createDecoder("C", { decodeInPlace: true });
  sink += d.push(wires[k++ & 255]!.slice()).length;
});
bench("slice only", () => {
  sink += wires[k++ & 255]!.slice().length;
});
console.log(sink > 0);
