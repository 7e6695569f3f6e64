import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FtpUsageError } from "@ftpkit/errors";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { connect, localParts } from "../src/index.ts";
import { memoryAdapter } from "./helpers/memory-adapter.ts";
import { ourServer } from "./helpers/our-server.ts";
import { ScriptedServer } from "./helpers/scripted-server.ts";

let base: string;
beforeEach(async () => {
  base = await mkdtemp(join(tmpdir(), "ftpkit-dl-"));
});
afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

async function tree(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix + e.name;
    if (e.isDirectory()) out.push(...(await tree(join(dir, e.name), `${rel}/`)));
    else out.push(rel);
  }
  return out.sort();
}

describe("localParts: hostile names never leave the folder", () => {
  it.each([
    ["../x"],
    ["a/../../x"],
    [".."],
    ["C:\\x"],
    ["C:x"],
    ["a\\..\\x"],
    ["nul\0byte"],
    ["line\nbreak"],
    [""],
    ["/"],
    ["./."],
  ])("refuses %j", (name) => {
    expect(() => localParts(name)).toThrow(FtpUsageError);
  });

  it("keeps ordinary names and drops leading slashes", () => {
    expect(localParts("a.txt")).toEqual(["a.txt"]);
    expect(localParts("/etc/x")).toEqual(["etc", "x"]);
    expect(localParts("dir//./b c.txt")).toEqual(["dir", "b c.txt"]);
    expect(localParts("..a/b..")).toEqual(["..a", "b.."]);
  });
});

describe("downloadTo", () => {
  it("saves files under the folder, creating subfolders, with temporary names renamed at the end", async () => {
    await using ours = await ourServer({ "a.txt": "A", "dir/sub/b.txt": "BB" });
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const results = await session.downloadTo(join(base, "out"), [
      "a.txt",
      "dir/sub/b.txt",
      "missing",
    ]);
    expect(results.map((r) => [r.path, r.ok])).toEqual([
      ["a.txt", true],
      ["dir/sub/b.txt", true],
      ["missing", false],
    ]);
    expect(await tree(join(base, "out"))).toEqual(["a.txt", "dir/sub/b.txt"]);
    expect(await readFile(join(base, "out", "dir/sub/b.txt"), "utf8")).toBe("BB");
  });

  it("refuses hostile names from a listing without asking the server for them", async () => {
    const sockets = memoryAdapter();
    const hostile = ["../escape.txt", "/etc/passwd-copy", "C:\\win.txt", "a/../../x", "ok.txt"];
    const files: Record<string, string> = {};
    for (const name of hostile) files[name] = `content of ${name}`;
    await using server = await ScriptedServer.start(sockets, { files });
    await using session = await connect(server.url, { sockets });
    const names = (await session.list()).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(hostile));
    const target = join(base, "inside", "target");
    const results = await session.downloadTo(target, names);
    const ok = results.filter((r) => r.ok).map((r) => r.path);
    expect(ok.sort()).toEqual(["/etc/passwd-copy", "ok.txt"]);
    for (const r of results.filter((x) => !x.ok)) expect(r.error).toBeInstanceOf(FtpUsageError);
    // Nothing outside the target folder: the only things under base are inside it.
    expect(await tree(base)).toEqual(["inside/target/etc/passwd-copy", "inside/target/ok.txt"]);
    const retrs = server.commands.filter((c) => c.startsWith("RETR"));
    expect(retrs.sort()).toEqual(["RETR /etc/passwd-copy", "RETR ok.txt"]);
  });

  it("refuses a subfolder that is a symlink leading outside", async () => {
    await mkdir(join(base, "target"), { recursive: true });
    await mkdir(join(base, "elsewhere"));
    await symlink(join(base, "elsewhere"), join(base, "target", "link"));
    await using ours = await ourServer({ "link/x.txt": "X", "y.txt": "Y" });
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const results = await session.downloadTo(join(base, "target"), ["link/x.txt", "y.txt"]);
    expect(results.map((r) => r.ok)).toEqual([false, true]);
    expect(await readdir(join(base, "elsewhere"))).toEqual([]);
  });
});
