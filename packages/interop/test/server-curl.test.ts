import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { testCertificate } from "@ftpkit/conformance";
import { type FtpServer, memoryStorage } from "@ftpkit/server";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { randomBytes, requireClient, run, sha256, startServer } from "./server-support.ts";

const curl = requireClient("curl", "apt-get install -y curl");

describe.skipIf(curl.skip)("curl against @ftpkit/server", () => {
  let dir: string;
  let server: FtpServer | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ftpkit-curl-"));
  });
  afterEach(async () => {
    await server?.close();
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const files = {
    "a.bin": randomBytes(100_000, 1),
    "b.bin": randomBytes(3000, 2),
    "pub/c.txt": "see\n",
  };

  it("downloads several URLs over one control connection, one EPSV per file", async () => {
    const started = await startServer({ storage: memoryStorage(files) });
    server = started.server;
    const base = `ftp://127.0.0.1:${started.port}`;
    await run("curl", [
      "-sS",
      "--fail",
      `${base}/a.bin`,
      "-o",
      join(dir, "a.bin"),
      `${base}/b.bin`,
      "-o",
      join(dir, "b.bin"),
      `${base}/pub/c.txt`,
      "-o",
      join(dir, "c.txt"),
    ]);
    expect(sha256(await readFile(join(dir, "a.bin")))).toBe(sha256(files["a.bin"]));
    expect(sha256(await readFile(join(dir, "b.bin")))).toBe(sha256(files["b.bin"]));
    expect(await readFile(join(dir, "c.txt"), "utf8")).toBe("see\n");
    const stats = server.log.stats();
    expect(server.log.sessions().length).toBe(1);
    expect(stats.commands.RETR).toBe(3);
    expect((stats.commands.EPSV ?? 0) + (stats.commands.PASV ?? 0)).toBe(3);
    expect(stats.dataConnections).toBe(3);
  });

  it("uploads a file and lists a directory", async () => {
    const storage = memoryStorage({ "pub/x": "x" });
    const started = await startServer({ storage, users: { anna: "pw" } });
    server = started.server;
    const body = randomBytes(250_000, 9);
    await writeFile(join(dir, "up.bin"), body);
    const base = `ftp://anna:pw@127.0.0.1:${started.port}`;
    await run("curl", ["-sS", "--fail", "-T", join(dir, "up.bin"), `${base}/pub/up.bin`]);
    expect(sha256(storage.readFile("/pub/up.bin"))).toBe(sha256(body));
    const { stdout } = await run("curl", ["-sS", "--fail", `${base}/pub/`]);
    expect(stdout).toMatch(/^-rw-r--r-- .* 250000 .* up\.bin\r?$/m);
    const names = await run("curl", ["-sS", "--fail", "-l", `${base}/pub/`]);
    expect(names.stdout.split(/\r?\n/).filter(Boolean)).toEqual(["up.bin", "x"]);
  });

  // TLS 1.2: curl resumes the control connection's session on every data connection.
  // On TLS 1.3 a Node server does not renew a session ticket on a resumed handshake and
  // curl (OpenSSL) uses a TLS 1.3 session only once, so only its first data connection
  // can resume; the TLS 1.3 case below therefore moves one file per curl session.
  it("FTPS with --ssl-reqd while the server requires TLS and session reuse (TLS 1.2)", async () => {
    const ca = join(dir, "ca.pem");
    await writeFile(ca, testCertificate.ca);
    const storage = memoryStorage(files);
    const started = await startServer({
      storage,
      tls: {
        cert: testCertificate.cert,
        key: testCertificate.key,
        require: true,
        requireSessionReuse: true,
        maxVersion: "TLSv1.2",
      },
    });
    server = started.server;
    const base = `ftp://localhost:${started.port}`;
    await run("curl", [
      "-sS",
      "--fail",
      "--ssl-reqd",
      "--cacert",
      ca,
      `${base}/a.bin`,
      "-o",
      join(dir, "tls-a.bin"),
      `${base}/b.bin`,
      "-o",
      join(dir, "tls-b.bin"),
    ]);
    expect(sha256(await readFile(join(dir, "tls-a.bin")))).toBe(sha256(files["a.bin"]));
    expect(sha256(await readFile(join(dir, "tls-b.bin")))).toBe(sha256(files["b.bin"]));
    await writeFile(join(dir, "tls-up"), "over tls");
    await run("curl", [
      "-sS",
      "--fail",
      "--ssl-reqd",
      "--cacert",
      ca,
      "-T",
      join(dir, "tls-up"),
      `${base}/tls-up`,
    ]);
    expect(Buffer.from(storage.readFile("/tls-up")).toString()).toBe("over tls");
    const opens = server.log.filter({ kind: "data-open" });
    expect(opens.length).toBe(3);
    expect(opens.every((e) => e.kind === "data-open" && e.secure && e.resumed)).toBe(true);
    // Without --ssl-reqd curl logs in in clear, and the server refuses it.
    await expect(
      run("curl", ["-sS", "--fail", `${base}/a.bin`, "-o", join(dir, "clear")]),
    ).rejects.toThrow(/530|denied|Access/);
  });

  it("FTPS with --ssl-reqd on TLS 1.3: the data connection resumes the session", async () => {
    const ca = join(dir, "ca13.pem");
    await writeFile(ca, testCertificate.ca);
    const started = await startServer({
      storage: memoryStorage(files),
      tls: {
        cert: testCertificate.cert,
        key: testCertificate.key,
        require: true,
        requireSessionReuse: true,
        minVersion: "TLSv1.3",
      },
    });
    server = started.server;
    await run("curl", [
      "-sS",
      "--fail",
      "--ssl-reqd",
      "--cacert",
      ca,
      `ftp://localhost:${started.port}/a.bin`,
      "-o",
      join(dir, "t13"),
    ]);
    expect(sha256(await readFile(join(dir, "t13")))).toBe(sha256(files["a.bin"]));
    expect(server.log.filter({ kind: "data-open" })).toMatchObject([
      { secure: true, resumed: true },
    ]);
  });
});
