import { testCertificate } from "@ftpkit/conformance";
import { afterEach, describe, expect, it } from "vitest";
import { memoryStorage } from "../src/index.ts";
import { RawControl } from "./support/raw-client.ts";
import { closeClients, startServer, type TestServer } from "./support/test-server.ts";

const { cert, key, ca } = testCertificate;
let t: TestServer;
afterEach(async () => {
  await t?.close();
});

async function secureControl(port: number): Promise<RawControl> {
  const [c, greeting] = await RawControl.connect(port);
  expect(greeting.code).toBe(220);
  expect((await c.startTls(ca)).code).toBe(234);
  return c;
}

describe.each(["TLSv1.2", "TLSv1.3"] as const)("explicit FTPS over %s", (version) => {
  it("AUTH TLS, PBSZ, PROT P, and a data connection that resumes the control session", async () => {
    t = await startServer({
      storage: memoryStorage({ f: "secret data" }),
      tls: {
        cert,
        key,
        require: true,
        requireSessionReuse: true,
        minVersion: version,
        maxVersion: version,
      },
    });
    const c = await secureControl(t.port);
    await c.login();
    expect((await c.cmd("FEAT")).lines).toContain(" AUTH TLS");
    expect((await c.cmd("PBSZ 0")).message).toBe("PBSZ=0");
    expect((await c.cmd("PROT P")).code).toBe(200);
    const session = c.tlsSession();
    expect(session).toBeDefined();
    const data = await c.epsv({ ca, session });
    c.send("RETR f");
    expect((await c.next()).code).toBe(150);
    expect((await data.readAll()).toString()).toBe("secret data");
    expect((await c.next()).code).toBe(226);
    const open = t.server.log.filter({ kind: "data-open" });
    expect(open).toMatchObject([{ secure: true, resumed: true }]);
  });
});

describe("TLS policy", () => {
  it("require: no login and no data in clear", async () => {
    t = await startServer({
      storage: memoryStorage({ f: "x" }),
      tls: { cert, key, require: true },
    });
    const plain = await t.control(false);
    expect((await plain.cmd("USER anonymous")).code).toBe(530);
    expect((await plain.cmd("PBSZ 0")).code).toBe(503);
    const c = await secureControl(t.port);
    await c.login();
    expect((await c.cmd("PROT C")).code).toBe(534);
    await c.cmd("EPSV");
    expect((await c.cmd("RETR f")).code).toBe(522);
    expect((await c.cmd("PROT X")).code).toBe(504);
  });

  it("requireSessionReuse: a data connection without the session is refused with 522", async () => {
    t = await startServer({
      storage: memoryStorage({ f: "x" }),
      tls: { cert, key, requireSessionReuse: true },
    });
    const c = await secureControl(t.port);
    await c.login();
    await c.cmd("PBSZ 0");
    await c.cmd("PROT P");
    const data = await c.epsv({ ca });
    c.send("RETR f");
    expect((await c.next()).code).toBe(150);
    const refusal = await c.next();
    expect(refusal.code).toBe(522);
    expect(refusal.message).toMatch(/session reuse required/);
    expect(await data.ended()).toBe(true);
    expect(t.server.log.filter({ kind: "data-open" })).toMatchObject([
      { secure: true, resumed: false },
    ]);
  });

  it("implicit FTPS speaks TLS from the first byte", async () => {
    t = await startServer({
      storage: memoryStorage({ f: "implicit" }),
      tls: { cert, key, implicit: true },
    });
    expect(t.server.url).toMatch(/^ftps:\/\/127\.0\.0\.1:\d+$/);
    const [c, greeting] = await RawControl.connect(t.port, "127.0.0.1", { ca });
    expect(greeting.code).toBe(220);
    await c.login();
    expect((await c.cmd("AUTH TLS")).code).toBe(503);
    await c.cmd("PROT P");
    const data = await c.epsv({ ca, session: c.tlsSession() });
    c.send("RETR f");
    await c.next();
    expect((await data.readAll()).toString()).toBe("implicit");
    expect((await c.next()).code).toBe(226);
    c.close();
    closeClients();
  });

  it("AUTH without a certificate is refused and the session goes on in clear", async () => {
    t = await startServer();
    const c = await t.control(false);
    expect((await c.cmd("AUTH TLS")).code).toBe(502);
    expect((await c.cmd("NOOP")).code).toBe(200);
  });
});
