import { spawn } from "node:child_process";
import { readdir, readFile, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { connect } from "@ftpkit/client";
import type { FtpServer } from "@ftpkit/server";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EXIT } from "../src/exit-codes.ts";
import { runCli, sockets, startServer, tempDir } from "./helpers.ts";

const big = Uint8Array.from({ length: 200_000 }, (_, i) => (i * 31 + (i >> 8)) & 0xff);
const SEED = {
  "a.txt": "alpha\n",
  "b.bin": big,
  "docs/readme.md": "# docs\n",
  "docs/deep/note.txt": "deep\n",
  "empty/": "",
};

let server: FtpServer;
let url: string;
let dir: { path: string; remove: () => Promise<void> };

beforeAll(async () => {
  ({ server, url } = await startServer(SEED));
});
afterAll(async () => {
  await server.close();
});
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

describe("ftpkit ls", () => {
  it("lists a folder, folders with a trailing slash", async () => {
    const run = await runCli(["ls", url]);
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout.trim().split("\n")).toEqual(["a.txt", "b.bin", "docs/", "empty/"]);
  });

  it("-l shows kind and size", async () => {
    const run = await runCli(["ls", `${url}docs/`, "-l"]);
    expect(run.code).toBe(EXIT.ok);
    const lines = run.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^d\s+-\s+\d{4}-\d\d-\d\d \d\d:\d\d {2}deep\/$/);
    expect(lines[1]).toMatch(/^-\s+7\s+\d{4}-\d\d-\d\d \d\d:\d\d {2}readme\.md$/);
  });
});

describe("ftpkit get", () => {
  it("saves files under their base names, and every file of a folder URL", async () => {
    const run = await runCli(["get", `${url}a.txt`, `${url}b.bin`, `${url}docs/`, "-o", dir.path]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(EXIT.ok);
    expect((await readdir(dir.path)).sort()).toEqual(["a.txt", "b.bin", "readme.md"]);
    expect(await readFile(join(dir.path, "a.txt"), "utf8")).toBe("alpha\n");
    expect(new Uint8Array(await readFile(join(dir.path, "b.bin")))).toEqual(big);
    expect(await readFile(join(dir.path, "readme.md"), "utf8")).toBe("# docs\n");
    expect(run.stdout).toMatch(/^3 files, 200 kB in .*\(.*\), mode [BCSEZ]$/m);
  });

  for (const [mode, concurrency] of [
    ["S", "1"],
    ["C", "1"],
    ["S", "3"],
  ] as const) {
    it(`--mode ${mode} --concurrency ${concurrency} gives the same bytes`, async () => {
      const run = await runCli([
        "get",
        `${url}b.bin`,
        `${url}a.txt`,
        "--mode",
        mode,
        "--concurrency",
        concurrency,
        "-o",
        dir.path,
      ]);
      expect(run.code).toBe(EXIT.ok);
      expect(new Uint8Array(await readFile(join(dir.path, "b.bin")))).toEqual(big);
      expect(await readFile(join(dir.path, "a.txt"), "utf8")).toBe("alpha\n");
    });
  }

  it("-o - writes the bytes to standard output and the lines to standard error", async () => {
    const run = await runCli(["get", `${url}a.txt`, `${url}docs/readme.md`, "-o", "-"]);
    expect(run.code).toBe(EXIT.ok);
    expect(new TextDecoder().decode(Buffer.concat(run.data))).toBe("alpha\n# docs\n");
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^2 files, 13 B in /m);
  });

  it("a missing file fails alone: exit 1, the others saved, no partial files", async () => {
    const run = await runCli([
      "get",
      `${url}a.txt`,
      `${url}missing.txt`,
      `${url}b.bin`,
      "-o",
      dir.path,
    ]);
    expect(run.code).toBe(EXIT.failed);
    expect(run.stderr).toMatch(/^ftpkit: missing\.txt: .*550/m);
    expect((await readdir(dir.path)).sort()).toEqual(["a.txt", "b.bin"]);
    expect(run.stdout).toMatch(/2 files, .*1 failed/);
  });

  it("a server that is not there: exit 3", async () => {
    const { server: gone, url: goneUrl } = await startServer({});
    await gone.close();
    const run = await runCli(["get", `${goneUrl}a.txt`, "-o", dir.path]);
    expect(run.code).toBe(EXIT.connect);
    expect(run.stderr).toMatch(
      /^ftpkit: Cannot log in at "ftp:\/\/u:\*\*\*\*@127\.0\.0\.1:\d+\/": .*refused/,
    );
  });

  it("a wrong password: exit 3", async () => {
    const run = await runCli(["get", `${url.replace("u:p@", "u:wrong@")}a.txt`, "-o", dir.path]);
    expect(run.code).toBe(EXIT.connect);
    expect(run.stderr).toMatch(/530/);
  });

  it("draws a progress bar on a terminal, plain lines otherwise", async () => {
    const tty = await runCli(["get", `${url}b.bin`, "-o", dir.path], { tty: true });
    expect(tty.code).toBe(EXIT.ok);
    expect(tty.stderr).toMatch(/\r\u001b\[2K\[#+\.*\] +\d+%/);
    expect(tty.stderr).toMatch(/\[#{24}\] 100%/);
    const plain = await runCli(["get", `${url}b.bin`, "-o", dir.path]);
    expect(plain.stderr).toBe("");
    expect(plain.stdout).not.toMatch(/\r/);
    const quiet = await runCli(["get", `${url}b.bin`, "-o", dir.path, "-q"], { tty: true });
    expect(quiet.stdout + quiet.stderr).toBe("");
  });
});

describe("ftpkit mirror", () => {
  it("copies the tree, then skips what is up to date, and --force fetches again", async () => {
    const target = join(dir.path, "copy");
    const first = await runCli(["mirror", url, target]);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(EXIT.ok);
    expect(await readFile(join(target, "docs/deep/note.txt"), "utf8")).toBe("deep\n");
    expect(new Uint8Array(await readFile(join(target, "b.bin")))).toEqual(big);
    expect((await stat(join(target, "empty"))).isDirectory()).toBe(true);
    expect(first.stdout).toMatch(/^4 files, .*0 up to date, 3 folders$/m);

    const before = server.log.stats().transfers;
    const second = await runCli(["mirror", url, target]);
    expect(second.code).toBe(EXIT.ok);
    expect(second.stdout).toMatch(/^0 files, .*4 up to date/m);
    // Only the listings went over data connections.
    expect(server.log.stats().transfers - before).toBe(4);

    // A changed local copy is fetched again; so is everything with --force.
    await writeFile(join(target, "a.txt"), "changed locally, longer\n");
    const third = await runCli(["mirror", url, target]);
    expect(third.stdout).toMatch(/^1 file, .*3 up to date/m);
    expect(await readFile(join(target, "a.txt"), "utf8")).toBe("alpha\n");
    const forced = await runCli(["mirror", url, target, "--force"]);
    expect(forced.stdout).toMatch(/^4 files, .*0 up to date/m);
  });

  it("a local copy older than the remote file is fetched again", async () => {
    const target = join(dir.path, "copy");
    await runCli(["mirror", `${url}docs/`, target]);
    await utimes(join(target, "readme.md"), new Date(2000, 0, 1), new Date(2000, 0, 1));
    const again = await runCli(["mirror", `${url}docs`, target]);
    expect(again.stdout).toMatch(/^1 file, .*1 up to date, 1 folder$/m);
  });
});

describe("ftpkit serve", () => {
  it("serves a folder read-only to anonymous users until the signal", async () => {
    await writeFile(join(dir.path, "served.txt"), "served\n");
    const controller = new AbortController();
    let announced: (u: string) => void = () => {};
    const listening = new Promise<string>((resolve) => {
      announced = resolve;
    });
    const running = runCli(["serve", dir.path, "--port", "0"], {
      signal: controller.signal,
      onListening: (u) => announced(u),
    });
    const served = await listening;
    expect(served).toMatch(/^ftp:\/\/127\.0\.0\.1:\d+\/$/);
    {
      await using session = await connect(served, { sockets });
      const names: string[] = [];
      for await (const file of session.retrieve(["served.txt"])) names.push(await file.text());
      expect(names).toEqual(["served\n"]);
      await expect(session.send("MKD nope")).resolves.toMatchObject({ code: 550 });
    }
    controller.abort();
    const run = await running;
    expect(run.code).toBe(EXIT.ok);
    expect(run.stdout).toMatch(
      /serving ".*" at ftp:\/\/127\.0\.0\.1:\d+\/ \(anonymous, read-only\)/,
    );
    expect(run.stdout).toMatch(/stopped after 1 session\(s\), 1 transfer\(s\)/);
  });

  it("refuses a path that is not a folder", async () => {
    const run = await runCli(["serve", join(dir.path, "nope")]);
    expect(run.code).toBe(EXIT.usage);
    expect(run.stderr).toMatch(/is not a folder/);
  });
});

describe("the ftpkit binary", () => {
  const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
  const tsx = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));
  const spawnCli = (
    args: string[],
  ): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const child = spawn(tsx, [cli, ...args], { stdio: ["ignore", "pipe", "pipe"] });
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

  it("exits 0 with the file on stdout, 1 on a failed file, 2 on a bad command line", {
    timeout: 30_000,
  }, async () => {
    const ok = await spawnCli(["get", `${url}a.txt`, "-o", "-"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe("alpha\n");
    const failed = await spawnCli(["get", `${url}nope.txt`, "-o", "-", "-q"]);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/nope\.txt: .*550/);
    const usage = await spawnCli(["get", "--mode", "X", `${url}a.txt`]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--mode must be one of auto, S, B, C, Z, E, got "X"/);
  });
});
