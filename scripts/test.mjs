#!/usr/bin/env node
// `pnpm test`: everything CI runs, in this order, each step's output streamed as it comes:
//   1. turbo run test: every workspace package's vitest suite (packages/*, examples/*)
//   2. deno test -A on every packages/*/runtime/deno.test.ts
//   3. bun test on every packages/*/runtime/bun.test.ts
// Then a summary: each step's result and test counts, and everything that was skipped
// and why (servers missing, a runtime missing, a package without tests). Exits non-zero
// if any step failed. Lint and typecheck are separate scripts (`pnpm lint`,
// `pnpm typecheck`); .ci/run calls them too.
//
// Env: FTPKIT_TEST_CONCURRENCY (turbo's, default 2: this machine has 2 cores),
//      FTPKIT_TEST_ONLY=vitest,deno,bun (run a subset of the steps).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const bin = (name) => join(root, "node_modules", ".bin", name);
const only = (process.env.FTPKIT_TEST_ONLY ?? "vitest,deno,bun").split(",");
const concurrency = process.env.FTPKIT_TEST_CONCURRENCY ?? "2";

const scratch = mkdtempSync(join(tmpdir(), "ftpkit-test-"));
const skipLog = join(scratch, "skips.jsonl");
/** @type {{ name: string, ok: boolean, seconds: number, summary: string[] }[]} */
const results = [];
/** @type {Map<string, string>} what -> why */
const skipped = new Map();

const SUMMARY_LINE = [
  // vitest: " Test Files  3 passed (3)", "      Tests  22 passed | 1 skipped (23)"
  /^\s*(Test Files|Tests)\s+\d+ .*\(\d+\)\s*$/,
  // deno: "ok | 12 passed | 0 failed (1s)", "FAILED | 1 passed | 2 failed (1s)"
  /^(ok|FAILED) \| \d+ passed/,
  // bun: " 12 pass", " 0 fail", "Ran 12 tests across 1 file."
  /^\s*\d+ (pass|fail|skip)\s*$/,
  /^Ran \d+ tests? across/,
];
// A package's turbo lines are prefixed "name:task: ".
const TURBO_PREFIX = /^([^\s:]+):[\w-]+: ?/;
const ANSI = /\u001b\[[0-9;]*[A-Za-z]/g;

/** Runs a command, streaming its output, and collects summary and "[skip]" lines. */
function run(name, command, args, options = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    console.log(`\n━━ ${name}: ${[relative(root, command) || command, ...args].join(" ")}`);
    const child = spawn(command, args, {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, FTPKIT_SKIP_LOG: skipLog, ...options.env },
    });
    const summary = [];
    let pending = "";
    const scan = (text) => {
      pending += text;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const raw of lines) {
        const line = raw.replace(ANSI, "");
        const prefix = TURBO_PREFIX.exec(line);
        const body = prefix ? line.slice(prefix[0].length) : line;
        const where = prefix ? `${prefix[1]}: ` : "";
        if (SUMMARY_LINE.some((re) => re.test(body))) summary.push(`${where}${body.trim()}`);
        // turbo's closing lines: "Failed:    @ftpkit/a#test, @ftpkit/b#test"
        const failedTasks = /^\s*Failed:\s+(\S.*)$/.exec(body);
        if (failedTasks && !prefix) summary.push(`failed: ${failedTasks[1].trim()}`);
        const skip = /\[skip\] ([^:]+): (.*)$/.exec(body);
        if (skip) skipped.set(skip[1], skip[2]);
        if (/No test files found/.test(body)) skipped.set(`${where}vitest`, "no test files yet");
      }
    };
    child.stdout.on("data", (chunk) => {
      process.stdout.write(chunk);
      scan(chunk.toString("utf8"));
    });
    child.stderr.on("data", (chunk) => {
      process.stderr.write(chunk);
      scan(chunk.toString("utf8"));
    });
    const finish = (ok) => {
      scan("\n");
      results.push({ name, ok, seconds: (Date.now() - started) / 1000, summary });
      resolve(ok);
    };
    child.on("error", (error) => {
      console.error(`${name}: could not start "${command}": ${error.message}`);
      finish(false);
    });
    child.on("close", (code, signal) => finish(code === 0 && signal === null));
  });
}

/** packages/<pkg>/runtime/<file>, as "./packages/..." paths. */
function runtimeTests(file) {
  const dir = join(root, "packages");
  return readdirSync(dir)
    .filter((pkg) => existsSync(join(dir, pkg, "runtime", file)))
    .sort()
    .map((pkg) => `./packages/${pkg}/runtime/${file}`);
}

/** examples/* folders that are not workspace packages with a test script (turbo runs those). */
function examplesWithoutTests() {
  const dir = join(root, "examples");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .filter((name) => {
      const pkg = join(dir, name, "package.json");
      if (!existsSync(pkg)) return true;
      return JSON.parse(readFileSync(pkg, "utf8")).scripts?.test === undefined;
    });
}

if (only.includes("vitest")) {
  await run("vitest (turbo run test)", bin("turbo"), [
    "run",
    "test",
    "--output-logs=full",
    "--ui=stream",
    `--concurrency=${concurrency}`,
    "--continue",
  ]);
}

for (const [step, runtime, file, argsFor] of [
  ["deno", "deno", "deno.test.ts", (path) => ["test", "-A", path]],
  ["bun", "bun", "bun.test.ts", (path) => ["test", path]],
]) {
  if (!only.includes(step)) continue;
  const files = runtimeTests(file);
  if (files.length === 0) {
    skipped.set(`${runtime} runtime tests`, `no packages/*/runtime/${file} yet`);
    continue;
  }
  if (!existsSync(bin(runtime))) {
    skipped.set(`${runtime} runtime tests`, `${bin(runtime)} is missing: run pnpm install`);
    results.push({
      name: `${runtime} (${files.length} files)`,
      ok: false,
      seconds: 0,
      summary: [],
    });
    continue;
  }
  for (const path of files) await run(`${runtime} ${path}`, bin(runtime), argsFor(path));
}

for (const name of examplesWithoutTests()) {
  skipped.set(`examples/${name}`, 'no package.json with a "test" script');
}

if (existsSync(skipLog)) {
  for (const line of readFileSync(skipLog, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    try {
      const { what, reason } = JSON.parse(line);
      skipped.set(what, reason);
    } catch {
      // a line cut off by a crashed test process
    }
  }
}
rmSync(scratch, { recursive: true, force: true });

console.log("\n━━ summary");
for (const r of results) {
  console.log(`${r.ok ? "PASS" : "FAIL"}  ${r.name}  (${r.seconds.toFixed(1)} s)`);
  for (const line of r.summary) console.log(`        ${line}`);
}
if (skipped.size > 0) {
  console.log("\nskipped:");
  for (const [what, why] of skipped) console.log(`  - ${what}: ${why}`);
}
const failed = results.filter((r) => !r.ok);
console.log(
  failed.length === 0
    ? "\nall passed"
    : `\n${failed.length} step(s) failed: ${failed.map((r) => r.name).join(", ")}`,
);
process.exit(failed.length === 0 ? 0 : 1);
