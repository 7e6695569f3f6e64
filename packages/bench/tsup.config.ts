import { defineConfig } from "tsup";

/**
 * The bench runs what npm users run: each runner, and @ftpkit/server's CLI, bundled
 * into plain JavaScript under dist/ and started with plain `node`. Run through tsx
 * instead, every function would carry esbuild's `keepNames` wrapper and a transpiling
 * loader, which costs the client about a third more CPU on 1000 small files.
 */
export default defineConfig({
  entry: {
    "ftpkit-runner": "src/runners/ftpkit-runner.ts",
    "basic-ftp-runner": "src/runners/basic-ftp-runner.ts",
    "raw-runner": "src/runners/raw-runner.ts",
    "ftpkit-server": "../server/src/cli.ts",
  },
  outDir: "dist",
  format: ["esm"],
  platform: "node",
  target: "node20",
  clean: true,
  splitting: false,
  sourcemap: false,
  dts: false,
  // Everything in, workspace packages and their dependencies (pako, basic-ftp) too.
  noExternal: [/.*/],
  // basic-ftp is CommonJS: its require() of Node's modules needs one in an ES module.
  banner: {
    js: 'import { createRequire } from "node:module"; const require = createRequire(import.meta.url);',
  },
});
