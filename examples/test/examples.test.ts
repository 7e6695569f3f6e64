/**
 * Runs examples/{node,deno,bun}/retrieve.ts the way a user would (tsx, deno, bun from
 * node_modules/.bin): against their built-in server, and against a server this test
 * starts, checking each file's sha256 in their output.
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createServer, type FtpServer, memoryStorage } from "@ftpkit/server";
import { nodeSockets } from "@ftpkit/socket-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const examples = fileURLToPath(new URL("..", import.meta.url));
const bin = (name: string): string =>
  fileURLToPath(new URL(`../../node_modules/.bin/${name}`, import.meta.url));

interface Runtime {
  name: string;
  command: string;
  args: string[];
}

const RUNTIMES: Runtime[] = [
  { name: "node", command: bin("tsx"), args: ["node/retrieve.ts"] },
  // The repository's deno.json resolves @ftpkit/* to the workspace's sources.
  {
    name: "deno",
    command: bin("deno"),
    args: ["run", "--config", "../deno.json", "--allow-net", "deno/retrieve.ts"],
  },
  { name: "bun", command: bin("bun"), args: ["bun/retrieve.ts"] },
];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(runtime: Runtime, extra: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(runtime.command, [...runtime.args, ...extra], {
      cwd: examples,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, NO_COLOR: "1" },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The "sha256  size  mode  path" lines of an example's output, by path. */
function fileLines(stdout: string): Map<string, { sha256: string; size: number; mode: string }> {
  const out = new Map<string, { sha256: string; size: number; mode: string }>();
  for (const line of stdout.split("\n")) {
    const m = /^([0-9a-f]{64})\s+(\d+)\s+([SBCZE])\s+(\S.*?)(\s+ok|\s+MISMATCH)?$/.exec(line);
    if (m) out.set(m[4]!, { sha256: m[1]!, size: Number(m[2]), mode: m[3]! });
  }
  return out;
}

const encoder = new TextEncoder();
const FILES: Record<string, Uint8Array> = {
  "alpha.txt": encoder.encode("alpha\n"),
  "empty.bin": new Uint8Array(0),
  "big.bin": Uint8Array.from({ length: 300_000 }, (_, i) => (i * 7 + (i >> 9)) & 0xff),
  "sub/inner.txt": encoder.encode("inner\n"),
};
const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

let server: FtpServer;
let base: string;

beforeAll(async () => {
  server = createServer({
    sockets: nodeSockets(),
    storage: memoryStorage(FILES),
    users: { tester: "secret" },
  });
  const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
  base = `ftp://tester:secret@127.0.0.1:${port}/`;
});

afterAll(async () => {
  await server?.close();
});

for (const runtime of RUNTIMES) {
  describe.skipIf(!existsSync(runtime.command))(`examples/${runtime.name}/retrieve.ts`, () => {
    it("retrieves and checks every file of its built-in server", { timeout: 60_000 }, async () => {
      const result = await run(runtime, []);
      expect(result.stderr).not.toMatch(/FAILED|MISMATCH|retrieve failed/);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(
        /^built-in @ftpkit\/server at ftp:\/\/demo:demo@127\.0\.0\.1:\d+\/ with 50 files$/m,
      );
      const lines = fileLines(result.stdout);
      expect(lines.size).toBe(50);
      expect([...lines.values()].every((l) => l.mode === "B")).toBe(true);
      expect(result.stdout.match(/ {2}ok$/gm)?.length).toBe(50);
      expect(result.stdout).toMatch(/^all 50 files intact$/m);
    });

    it("retrieves every file of a folder URL with the right bytes", {
      timeout: 60_000,
    }, async () => {
      const result = await run(runtime, [base, "--mode", "S"]);
      expect(result.stderr).toBe("");
      expect(result.code).toBe(0);
      const lines = fileLines(result.stdout);
      // The folder's files, not the subfolder's.
      expect([...lines.keys()].sort()).toEqual(["alpha.txt", "big.bin", "empty.bin"]);
      for (const [path, line] of lines) {
        expect(line.sha256).toBe(sha256(FILES[path]!));
        expect(line.size).toBe(FILES[path]!.length);
        expect(line.mode).toBe("S");
      }
      expect(result.stdout).toMatch(/^3 files, 0\.30 MB in .* mode S, \d+ data connection\(s\)$/m);
    });

    it("retrieves one file named by the URL, in a subfolder", { timeout: 60_000 }, async () => {
      const result = await run(runtime, [`${base}sub/inner.txt`]);
      expect(result.code).toBe(0);
      const lines = fileLines(result.stdout);
      expect([...lines.keys()]).toEqual(["inner.txt"]);
      expect(lines.get("inner.txt")?.sha256).toBe(sha256(FILES["sub/inner.txt"]!));
    });

    it("reports a missing file and exits with 1", { timeout: 60_000 }, async () => {
      const result = await run(runtime, [`${base}no-such-file.txt`]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/FAILED no-such-file\.txt: .*550/);
    });
  });
}
