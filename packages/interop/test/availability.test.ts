import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  createTempRoot,
  RealServerError,
  realServerAvailable,
  requireOrSkip,
} from "../src/index.ts";

const saved = {
  CI: process.env.CI,
  FTPD_OPT: process.env.FTPD_OPT,
  LOG: process.env.FTPKIT_SKIP_LOG,
};
afterEach(() => {
  for (const [key, value] of [
    ["CI", saved.CI],
    ["FTPD_OPT", saved.FTPD_OPT],
    ["FTPKIT_SKIP_LOG", saved.LOG],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

describe("realServerAvailable and requireOrSkip", () => {
  it("reports a missing unpacked server with the install command", () => {
    process.env.FTPD_OPT = "/nonexistent/ftpd";
    const available = realServerAvailable("proftpd");
    expect(available.ok).toBe(false);
    if (!available.ok) {
      expect(available.reason).toContain('"/nonexistent/ftpd/proftpd-core/usr/sbin/proftpd"');
      expect(available.install).toBe("sudo packages/interop/servers/install-servers.sh");
    }
  });

  it("refuses a TLS mode the server does not have", () => {
    const available = realServerAvailable("pureftpd", { tls: "ftps-implicit" });
    expect(available.ok).toBe(false);
  });

  it("skips outside CI and records the skip in FTPKIT_SKIP_LOG", async () => {
    await using dir = await createTempRoot();
    process.env.FTPD_OPT = "/nonexistent/ftpd";
    process.env.FTPKIT_SKIP_LOG = `${dir.path}/skips.jsonl`;
    delete process.env.CI;
    // Silenced: the root test run lists "[skip]" lines from the output as real skips.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const gate = requireOrSkip("pureftpd");
    const printed = warn.mock.calls.map((args) => String(args[0]));
    warn.mockRestore();
    expect(printed).toContainEqual(
      expect.stringMatching(/^\[skip\] pureftpd \(plain\) interop tests: /),
    );
    expect(gate.skip).toBe(true);
    expect(gate.reason).toContain("install-servers.sh");
    const logged = readFileSync(`${dir.path}/skips.jsonl`, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(logged[0].what).toBe("pureftpd (plain) interop tests");
  });

  it("fails in CI instead of skipping", () => {
    process.env.FTPD_OPT = "/nonexistent/ftpd";
    process.env.CI = "true";
    expect(() => requireOrSkip("pureftpd")).toThrow(RealServerError);
    expect(() => requireOrSkip("pureftpd")).toThrow(/required in CI/);
  });
});
