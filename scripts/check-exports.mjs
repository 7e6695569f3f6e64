#!/usr/bin/env node
// check-exports.mjs: every published package must export the same entry points on npm
// and on JSR (the check hono runs between its package.json and jsr.json). Run by
// `pnpm lint`. For each packages/* whose package.json is not private:
//   - package.json "exports" (what runs unbuilt: ./src/*.ts) exists on disk;
//   - "publishConfig.exports" has the same subpaths, each { types, import } pointing at
//     the tsup output of that source file (./src/a/b.ts -> ./dist/a/b.js, .d.ts), and
//     the files are there when dist/ has been built;
//   - "files" ships dist; "type" is "module";
//   - deno.json has a JSR name (@scope/name), the same version, and "exports" with the
//     same subpaths pointing at the same source files;
//   - every @ftpkit/* dependency is itself a published package;
//   - the root deno.json workspace lists exactly the published packages.
// Prints every problem found and exits 1 if there was one.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const problems = [];
const problem = (where, text) => problems.push(`${where}: ${text}`);

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    return error.code === "ENOENT" ? undefined : { __error: error.message };
  }
}

/** Normalises an exports field to { subpath: value }. */
function subpaths(exports) {
  if (exports === undefined) return {};
  if (typeof exports === "string") return { ".": exports };
  const keys = Object.keys(exports);
  if (keys.length > 0 && keys.every((k) => !k.startsWith("."))) return { ".": exports };
  return exports;
}

const sameKeys = (a, b) =>
  JSON.stringify(Object.keys(a).sort()) === JSON.stringify(Object.keys(b).sort());

const packagesDir = join(root, "packages");
const published = new Map(); // name -> dir
const all = new Map(); // name -> { dir, pkg }
for (const dir of readdirSync(packagesDir).sort()) {
  const pkg = readJson(join(packagesDir, dir, "package.json"));
  if (pkg === undefined) continue;
  if (pkg.__error) {
    problem(`packages/${dir}/package.json`, pkg.__error);
    continue;
  }
  all.set(pkg.name, { dir, pkg });
  if (pkg.private !== true) published.set(pkg.name, dir);
}

for (const [name, dir] of published) {
  const where = `packages/${dir}`;
  const { pkg } = all.get(name);
  const source = subpaths(pkg.exports);
  const dist = subpaths(pkg.publishConfig?.exports);
  if (Object.keys(source).length === 0) problem(`${where}/package.json`, `"exports" is missing`);
  if (pkg.type !== "module") problem(`${where}/package.json`, `"type" must be "module"`);
  if (!Array.isArray(pkg.files) || !pkg.files.includes("dist")) {
    problem(`${where}/package.json`, `"files" must include "dist"`);
  }
  if (!sameKeys(source, dist)) {
    problem(
      `${where}/package.json`,
      `"exports" subpaths ${JSON.stringify(Object.keys(source))} differ from "publishConfig.exports" subpaths ${JSON.stringify(Object.keys(dist))}`,
    );
  }
  const built = existsSync(join(packagesDir, dir, "dist"));
  for (const [subpath, target] of Object.entries(source)) {
    if (typeof target !== "string" || !/^\.\/src\/.+\.ts$/.test(target)) {
      problem(
        `${where}/package.json`,
        `exports["${subpath}"] must be a "./src/….ts" path, got ${JSON.stringify(target)}`,
      );
      continue;
    }
    if (!existsSync(join(packagesDir, dir, target))) {
      problem(
        `${where}/package.json`,
        `exports["${subpath}"] points at "${target}", which does not exist`,
      );
    }
    const stem = target.replace(/^\.\/src\//, "./dist/").replace(/\.ts$/, "");
    const want = { types: `${stem}.d.ts`, import: `${stem}.js` };
    const got = dist[subpath];
    if (got !== undefined && JSON.stringify(got) !== JSON.stringify(want)) {
      problem(
        `${where}/package.json`,
        `publishConfig.exports["${subpath}"] must be ${JSON.stringify(want)} (the build of "${target}"), got ${JSON.stringify(got)}`,
      );
    }
    if (built) {
      for (const file of Object.values(want)) {
        if (!existsSync(join(packagesDir, dir, file))) {
          problem(
            where,
            `dist/ is built but "${file}" (for exports["${subpath}"]) is missing: rebuild, or add "${target}" to tsup's entries`,
          );
        }
      }
    }
  }

  const deno = readJson(join(packagesDir, dir, "deno.json"));
  if (deno === undefined) {
    problem(where, "deno.json is missing (JSR)");
  } else if (deno.__error) {
    problem(`${where}/deno.json`, deno.__error);
  } else {
    if (typeof deno.name !== "string" || !/^@[a-z0-9-]+\/[a-z0-9-]+$/.test(deno.name)) {
      problem(
        `${where}/deno.json`,
        `"name" must be a scoped JSR name like "@ftpkit/${dir}", got ${JSON.stringify(deno.name)}`,
      );
    } else if (deno.name !== name && name.startsWith("@")) {
      problem(`${where}/deno.json`, `"name" is "${deno.name}" but package.json's is "${name}"`);
    }
    if (deno.version !== pkg.version) {
      problem(
        `${where}/deno.json`,
        `"version" is ${JSON.stringify(deno.version)} but package.json's is ${JSON.stringify(pkg.version)}`,
      );
    }
    const jsr = subpaths(deno.exports);
    if (!sameKeys(source, jsr)) {
      problem(
        `${where}/deno.json`,
        `"exports" subpaths ${JSON.stringify(Object.keys(jsr))} differ from package.json's ${JSON.stringify(Object.keys(source))}`,
      );
    }
    for (const [subpath, target] of Object.entries(jsr)) {
      if (source[subpath] !== undefined && source[subpath] !== target) {
        problem(
          `${where}/deno.json`,
          `exports["${subpath}"] is "${target}" but package.json's is "${source[subpath]}"`,
        );
      }
    }
  }

  for (const field of ["dependencies", "peerDependencies"]) {
    for (const dep of Object.keys(pkg[field] ?? {})) {
      if (!dep.startsWith("@ftpkit/") && dep !== "ftpkit") continue;
      if (!all.has(dep))
        problem(`${where}/package.json`, `${field} "${dep}" is not a workspace package`);
      else if (!published.has(dep))
        problem(
          `${where}/package.json`,
          `${field} "${dep}" is private: a published package cannot depend on it`,
        );
    }
  }
}

const rootDeno = readJson(join(root, "deno.json"));
const members = new Set(
  (rootDeno?.workspace ?? []).map((m) => m.replace(/^\.\//, "").replace(/\/$/, "")),
);
for (const dir of published.values()) {
  if (!members.has(`packages/${dir}`))
    problem("deno.json", `"workspace" lacks "./packages/${dir}"`);
}
for (const member of members) {
  const dir = member.replace(/^packages\//, "");
  if (![...published.values()].includes(dir))
    problem("deno.json", `"workspace" lists "./${member}", which is not a published package`);
}

if (problems.length > 0) {
  console.error(`check-exports: ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  - ${p}`);
  process.exit(1);
}
console.log(`check-exports: ${published.size} published packages agree on npm and JSR exports`);
