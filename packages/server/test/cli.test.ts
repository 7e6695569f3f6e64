import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCliArgs } from "../src/cli-args.ts";
import { RawControl } from "./support/raw-client.ts";

const cli = join(dirname(fileURLToPath(import.meta.url)), "../src/cli.ts");

describe("parseCliArgs", () => {
  it("reads every option", () => {
    const c = parseCliArgs([
      "--root",
      "/srv",
      "--host",
      "::1",
      "--port",
      "0",
      "--user",
      "u",
      "--password",
      "p",
      "--passive-ports",
      "40000-40010",
      "--passive-address",
      "10.0.0.1",
      "--tls-cert",
      "c.pem",
      "--tls-key",
      "k.pem",
      "--implicit",
      "--read-only",
      "--max-sessions-per-ip",
      "7",
    ]);
    expect(c).toMatchObject({
      root: "/srv",
      host: "::1",
      port: 0,
      user: "u",
      password: "p",
      readOnly: true,
      implicit: true,
      passivePorts: { from: 40000, to: 40010 },
      passiveAddress: "10.0.0.1",
      tlsCert: "c.pem",
      tlsKey: "k.pem",
      maxSessionsPerIp: 7,
    });
    expect(parseCliArgs(["--root", "/x", "--anonymous"])).toMatchObject({
      port: 2121,
      host: "127.0.0.1",
      anonymous: true,
    });
  });

  it.each([
    [["--anonymous"], /--root DIR is required/],
    [["--root", "/x"], /--user NAME --password PASS, or --anonymous/],
    [["--root", "/x", "--user", "u"], /go together/],
    [["--root", "/x", "--anonymous", "--port", "70000"], /port 0-65535/],
    [["--root", "/x", "--anonymous", "--passive-ports", "5-1"], /empty/],
    [["--root", "/x", "--anonymous", "--implicit"], /need --tls-cert/],
    [["--root", "/x", "--anonymous", "--bogus"], /bogus/],
  ])("refuses %j", (argv, message) => {
    expect(() => parseCliArgs(argv)).toThrow(message);
  });
});

describe("ftpkit-server", () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "ftpkit-cli-"));
    await writeFile(join(root, "hello.txt"), "hello from the folder\n");
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("prints the bound address first, serves the folder, stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", cli, "--root", root, "--port", "0", "--user", "u", "--password", "p"],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.setEncoding("utf8");
    const firstLine = await new Promise<string>((resolve, reject) => {
      child.stdout.on("data", (chunk: string) => {
        out += chunk;
        if (out.includes("\n")) resolve(out.split("\n")[0]!);
      });
      child.once("exit", (code) => reject(new Error(`exited with ${code}`)));
    });
    const m = /^ftpkit-server listening on ftp:\/\/127\.0\.0\.1:(\d+)$/.exec(firstLine);
    expect(m).not.toBeNull();
    const [c, greeting] = await RawControl.connect(Number(m![1]));
    expect(greeting.code).toBe(220);
    await c.login("u", "p");
    const data = await c.epsv();
    c.send("RETR hello.txt");
    expect((await c.next()).code).toBe(150);
    expect((await data.readAll()).toString()).toBe("hello from the folder\r\n");
    expect((await c.next()).code).toBe(226);
    const upload = await c.epsv();
    c.send("STOR new.txt");
    await c.next();
    await upload.write("uploaded");
    await upload.end();
    expect((await c.next()).code).toBe(226);
    expect(await readFile(join(root, "new.txt"), "utf8")).toBe("uploaded");
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGTERM");
    expect(await c.closedByServer()).toBe(true);
    expect(await exited).toBe(0);
    expect(out).toMatch(/ftpkit-server stopped\n$/);
  });

  it("exits 2 with the usage on bad arguments", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", cli, "--port", "1"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let err = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (c: string) => {
      err += c;
    });
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(2);
    expect(err).toMatch(/--root DIR is required/);
    expect(err).toMatch(/Usage: ftpkit-server/);
  });
});
