#!/usr/bin/env node
// `pnpm lint`: biome over the whole repository, then scripts/check-exports.mjs (npm and
// JSR exports agree). Both always run, so one's failure does not hide the other's
// findings; exits non-zero if either failed. Extra arguments go to biome
// (`pnpm lint --write`).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const biome = spawnSync(
  join(root, "node_modules", ".bin", "biome"),
  ["check", ".", ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: "inherit",
  },
);
const exports = spawnSync(process.execPath, [join(root, "scripts", "check-exports.mjs")], {
  cwd: root,
  stdio: "inherit",
});
const failed = [biome.status !== 0 && "biome", exports.status !== 0 && "check-exports"].filter(
  Boolean,
);
if (failed.length > 0) console.error(`lint: ${failed.join(" and ")} failed`);
process.exit(failed.length > 0 ? 1 : 0);
