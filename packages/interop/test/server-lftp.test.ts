import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testCertificate } from "@ftpkit/conformance";
import { type FtpServer, folderStorage, memoryStorage } from "@ftpkit/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, requireClient, run, sha256, startServer } from "./server-support.ts";

const lftp = requireClient("lftp", "apt-get install -y lftp");

/** lftp settings that make a failure fail fast instead of retrying for minutes. */
const QUICK =
  "set cmd:fail-exit yes; set net:max-retries 1; set net:reconnect-interval-base 1; set net:timeout 10; set ftp:passive-mode on;";

describe.skipIf(lftp.skip)("lftp against @ftpkit/server", () => {
  let dir: string;
  let server: FtpServer | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ftpkit-lftp-"));
  });
  afterEach(async () => {
    await server?.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("mget, mirror and put against a folder storage", async () => {
    const root = join(dir, "root");
    await mkdir(join(root, "tree", "deep"), { recursive: true });
    const files: Record<string, Uint8Array> = {
      "a.bin": randomBytes(200_000, 1),
      "b.bin": randomBytes(10, 2),
      "tree/x.txt": new TextEncoder().encode("x\n"),
      "tree/deep/y.bin": randomBytes(70_000, 3),
    };
    for (const [p, data] of Object.entries(files)) await writeFile(join(root, p), data);
    const started = await startServer({ storage: folderStorage(root), users: { anna: "pw" } });
    server = started.server;
    const local = join(dir, "local");
    await mkdir(local);
    await writeFile(join(local, "up.bin"), randomBytes(123_456, 4));
    await run(
      "lftp",
      [
        "-c",
        `${QUICK} open -u anna,pw ftp://127.0.0.1:${started.port}; mget a.bin b.bin; mirror tree mirrored; put up.bin -o uploaded.bin`,
      ],
      { cwd: local },
    );
    expect(sha256(await readFile(join(local, "a.bin")))).toBe(sha256(files["a.bin"]!));
    expect(sha256(await readFile(join(local, "b.bin")))).toBe(sha256(files["b.bin"]!));
    expect(await readFile(join(local, "mirrored", "x.txt"), "utf8")).toBe("x\n");
    expect(sha256(await readFile(join(local, "mirrored", "deep", "y.bin")))).toBe(
      sha256(files["tree/deep/y.bin"]!),
    );
    expect((await readdir(join(local, "mirrored"))).sort()).toEqual(["deep", "x.txt"]);
    expect(sha256(await readFile(join(root, "uploaded.bin")))).toBe(
      sha256(await readFile(join(local, "up.bin"))),
    );
    // Every file went over a data connection of its own (STREAM mode).
    const stats = server.log.stats();
    expect(stats.commands.RETR).toBe(4);
    expect(stats.commands.STOR).toBe(1);
    expect(stats.dataConnections).toBeGreaterThanOrEqual(5);
  });

  it("FTPS while the server requires TLS and TLS session reuse", async () => {
    const ca = join(dir, "ca.pem");
    await writeFile(ca, testCertificate.ca);
    const storage = memoryStorage({
      "s1.bin": randomBytes(50_000, 5),
      "s2.bin": randomBytes(60_000, 6),
    });
    const started = await startServer({
      storage,
      tls: {
        cert: testCertificate.cert,
        key: testCertificate.key,
        require: true,
        requireSessionReuse: true,
      },
    });
    server = started.server;
    const local = join(dir, "tls");
    await mkdir(local);
    await writeFile(join(local, "tls-up.bin"), randomBytes(40_000, 7));
    await run(
      "lftp",
      [
        "-c",
        `${QUICK} set ftp:ssl-force true; set ftp:ssl-protect-data true; set ftp:ssl-protect-list true; set ssl:ca-file ${ca}; open -u anonymous,x ftp://localhost:${started.port}; mget s1.bin s2.bin; put tls-up.bin; cls -1`,
      ],
      { cwd: local },
    );
    expect(sha256(await readFile(join(local, "s1.bin")))).toBe(sha256(storage.readFile("/s1.bin")));
    expect(sha256(await readFile(join(local, "s2.bin")))).toBe(sha256(storage.readFile("/s2.bin")));
    expect(sha256(storage.readFile("/tls-up.bin"))).toBe(
      sha256(await readFile(join(local, "tls-up.bin"))),
    );
    const opens = server.log.filter({ kind: "data-open" });
    expect(opens.length).toBeGreaterThanOrEqual(4);
    expect(opens.every((e) => e.kind === "data-open" && e.secure && e.resumed === true)).toBe(true);
    expect(server.log.count({ kind: "reply", code: 522 })).toBe(0);
  });
});
