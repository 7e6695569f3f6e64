import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { HOSTILE_CASES } from "./hostile.ts";
import { runHostile } from "./hostile-runner.ts";
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const memory = (): number => { gc(); const m = process.memoryUsage(); return m.heapUsed + m.arrayBuffers; };
for (const c of HOSTILE_CASES) {
  if (process.argv[2] && !c.name.includes(process.argv[2])) continue;
  const r = runHostile(c, { memory, now: () => performance.now() });
  console.log(`${r.ok ? "ok  " : "FAIL"} ${c.name.padEnd(40)} fed ${(r.fed/2**20).toFixed(2)} MiB ${r.ms.toFixed(0)} ms retained ${r.retained === undefined ? "-" : (r.retained/2**20).toFixed(1)} MiB ${r.error ?? ""} ${r.endError ?? ""}`.slice(0, 220));
  for (const p of r.problems) console.log("     ", p);
  if (r.steps) console.log("      steps", r.steps.map(([s, t]) => `${s}:${t.toFixed(0)}`).join(" "));
}
