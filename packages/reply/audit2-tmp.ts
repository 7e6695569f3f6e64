import * as R from "./src/index.ts";
function time(f: () => unknown): number { let best = 1e9; for (let i = 0; i < 3; i++) { const t = performance.now(); try { f(); } catch {} best = Math.min(best, performance.now() - t); } return best; }
for (const n of [16000, 64000, 256000, 1024000]) {
  const p = " 1".repeat(n / 2) + ")";
  const m = "type=OS.unix=slink:" + ";".repeat(n) + " ;x; n";
  console.log(n, "path", time(() => R.parsePathReply(p)).toFixed(1), "mlsx", time(() => R.parseMlsxLine(m)).toFixed(1));
}
