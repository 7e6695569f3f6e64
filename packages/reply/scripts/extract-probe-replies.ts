/**
 * Extracts the reply blocks of the shared probe transcripts
 * (/work/shared/real-servers-probes/*.txt, written by probe.py) into
 * test/fixtures/probe-replies.json, so the tests run from a fresh clone.
 * Development tool, not shipped.
 *
 *   tsx scripts/extract-probe-replies.ts [PROBE_DIR]
 */

import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2] ?? "/work/shared/real-servers-probes";
const KEYS = new Set(["reply", "prelim", "final", "setup_reply", "prelim_after_connect"]);
const out: { server: string; section: string; key: string; lines: string[]; stray: string[] }[] =
  [];

for (const file of readdirSync(dir)
  .filter((f) => f.endsWith(".txt"))
  .sort()) {
  const server = file.replace(/\.txt$/, "");
  let section = "";
  let key = "";
  let block: string[] | undefined;
  let stray: string[] = [];
  const flush = (): void => {
    if (block !== undefined && block.length > 0 && /^\d{3}[ -]/.test(block[0]!)) {
      out.push({ server, section, key, lines: block, stray });
    }
    block = undefined;
    stray = [];
  };
  for (const line of readFileSync(join(dir, file), "utf8").split("\n")) {
    if (line.startsWith("    | ")) {
      if (block === undefined) continue;
      const text = line.slice(6);
      if (text.startsWith("[stray line] ")) stray.push(text.slice(13));
      else block.push(text);
      continue;
    }
    flush();
    if (line.startsWith("## ")) section = line.slice(3);
    const m = /^ {2}([a-z_]+):\s*$/.exec(line);
    if (m !== null && KEYS.has(m[1]!)) {
      key = m[1]!;
      block = [];
    }
  }
  flush();
}
// The same reply often appears as both "prelim" and "final": keep each once per server.
const seen = new Set<string>();
const unique = out.filter((r) => {
  const id = `${r.server}\n${r.lines.join("\n")}\n${r.stray.join("\n")}`;
  if (seen.has(id)) return false;
  seen.add(id);
  return true;
});
writeFileSync(
  new URL("../test/fixtures/probe-replies.json", import.meta.url),
  `[\n${unique.map((r) => JSON.stringify(r)).join(",\n")}\n]\n`,
);
console.log(`${unique.length} distinct replies of ${out.length}`);
