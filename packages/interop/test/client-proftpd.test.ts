// @ftpkit/client against ProFTPD 1.3.8: plain (also MODE Z through mod_deflate and HASH
// through mod_digest), explicit and implicit FTPS with session reuse required. Port base
// 21350.
import { connect } from "@ftpkit/client";
import { expect, it } from "vitest";
import { clientSuite, optionsFor, retrieveAndCheck } from "./client-support.ts";

clientSuite("proftpd", 21350, ["plain", "ftps", "ftps-implicit"], (get, tls) => {
  if (tls !== "plain") return;

  it("retrieves in MODE Z (one zlib stream per file, inflated to the exact bytes)", async () => {
    const { server, many, files } = get();
    await using session = await connect(server.url, optionsFor(server));
    const big = files.filter((f) => f.path === "text.txt" || f.path === "rand.bin");
    const modes = await retrieveAndCheck(session, [...many.slice(0, 50), ...big], { mode: "Z" });
    expect(new Set(modes)).toEqual(new Set(["Z"]));
  }, 60_000);

  it("verifies files with HASH (mod_digest) when asked", async () => {
    const { server, many } = get();
    const wire: string[] = [];
    await using session = await connect(
      server.url,
      optionsFor(server, { trace: (e) => (e.type === "command" ? wire.push(e.line) : undefined) }),
    );
    await retrieveAndCheck(session, many.slice(0, 10), { verify: true });
    expect(wire).toContain("OPTS HASH SHA-256");
    expect(wire.filter((l) => l.startsWith("HASH "))).toHaveLength(10);
  }, 30_000);
});
