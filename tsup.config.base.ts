import { defineConfig, type Options } from "tsup";

/** The build every published package shares: ESM, declarations, one entry. */
export function packageBuild(entry: string[] = ["src/index.ts"]): Options | Options[] {
  return defineConfig({
    entry,
    format: ["esm"],
    dts: true,
    sourcemap: true,
    clean: true,
    target: "es2022",
    platform: "neutral",
    external: [/^node:/, /^@ftpkit\//],
  }) as Options;
}
