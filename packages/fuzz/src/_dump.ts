import { TARGETS } from "./targets/index.ts";
import { runTarget, failureSignature } from "./runner.ts";
import { loadSeeds } from "./seeds.ts";
import { SHORT_PROFILE } from "./target.ts";
import { caseBytes } from "./fuzz-case.ts";
import { preview } from "./bytes.ts";
const seeds = loadSeeds();
const [name, n] = [process.argv[2]!, Number(process.argv[3] ?? 3000)];
const t = TARGETS.find((x) => x.name === name)!;
const r = runTarget(t, { seed: 1, inputs: n, seeds, profile: SHORT_PROFILE, maxFailures: 1000 });
const seen = new Set<string>();
for (const f of r.failures) { const s = failureSignature(f); if (seen.has(s)) continue; seen.add(s); console.log(f.message, "config", f.input.config, "\n   ", preview(caseBytes(f.input), 300)); }
