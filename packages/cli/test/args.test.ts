import { readFileSync } from "node:fs";
import { FtpUsageError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { parseCommand } from "../src/args.ts";
import { VERSION } from "../src/version.ts";

describe("parseCommand", () => {
  it("reads get with its options", () => {
    expect(
      parseCommand([
        "get",
        "ftp://h/a",
        "ftp://h/b/",
        "-o",
        "out",
        "--mode",
        "b",
        "--concurrency",
        "4",
      ]),
    ).toEqual({
      name: "get",
      quiet: false,
      insecure: false,
      urls: ["ftp://h/a", "ftp://h/b/"],
      out: "out",
      mode: "B",
      concurrency: 4,
    });
  });

  it("reads serve with defaults and a passive range", () => {
    expect(parseCommand(["serve", "/srv", "--passive-ports", "50000-50010"])).toMatchObject({
      name: "serve",
      dir: "/srv",
      host: "127.0.0.1",
      port: 2121,
      user: undefined,
      readOnly: false,
      passivePorts: { from: 50000, to: 50010 },
    });
  });

  it("help and version", () => {
    expect(parseCommand([])).toEqual({ name: "help" });
    expect(parseCommand(["ls", "--help"])).toEqual({ name: "help" });
    expect(parseCommand(["--version"])).toEqual({ name: "version" });
  });

  for (const [argv, message] of [
    [["frob"], /Unknown command "frob"/],
    [["get"], /at least one URL/],
    [["get", "http://h/a"], /"http:\/\/h\/a" is not an FTP URL/],
    [["get", "ftp://h/a", "--mode", "X"], /--mode must be one of/],
    [
      ["get", "ftp://h/a", "--concurrency", "0"],
      /--concurrency must be a whole number from 1 to 64, got "0"/,
    ],
    [["get", "ftp://h/a", "--bogus"], /get: Unknown option '--bogus'/],
    [["ls"], /exactly one URL/],
    [["mirror", "ftp://h/"], /mirror needs a URL and a folder/],
    [["serve", "/srv", "--user", "u"], /--user and --password together/],
    [["serve", "/srv", "--port", "70000"], /--port must be a port 0-65535, got "70000"/],
    [["serve", "/srv", "--passive-ports", "9-1"], /--passive-ports must look like/],
  ] as const) {
    it(`refuses ${JSON.stringify(argv)}`, () => {
      let thrown: unknown;
      try {
        parseCommand(argv);
      } catch (error) {
        thrown = error;
      }
      expect(FtpUsageError.isInstance(thrown)).toBe(true);
      expect((thrown as Error).message).toMatch(message);
    });
  }

  it("VERSION is package.json's version", () => {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
      version: string;
    };
    expect(VERSION).toBe(pkg.version);
  });
});
