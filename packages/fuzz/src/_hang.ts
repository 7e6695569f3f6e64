import { TARGETS } from "./targets/index.ts";
import { makeInput, runCase } from "./runner.ts";
import { loadSeeds } from "./seeds.ts";
import { FULL_PROFILE } from "./target.ts";
import { caseBytes, caseSize } from "./fuzz-case.ts";
import { preview } from "./bytes.ts";
const seeds = loadSeeds();
const t = TARGETS.find((x) => x.name === process.argv[2])!;
for (let i = 0; i < 5000; i++) {
  const input = makeInput(t, 1, i, seeds, FULL_PROFILE);
  const t0 = performance.now();
  if (caseSize(input) > 3000) { console.log(i, caseSize(input), preview(caseBytes(input), 200)); }
  if (i > Number(process.argv[3] ?? 1e9)) break;
  runCase(t, input);
  const ms = performance.now() - t0;
  if (ms > 100) console.log("SLOW", i, ms.toFixed(0), caseSize(input), preview(caseBytes(input), 200));
}
