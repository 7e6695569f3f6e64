// @ftpkit/client against globus-gridftp-server 13.24 (anonymous): MODE E, where the server
// is the active side (PORT) and keeps one data connection for every file. Port base 21500.
import { connect } from "@ftpkit/client";
import { expect, it } from "vitest";
import { clientSuite, optionsFor, retrieveAndCheck } from "./client-support.ts";

clientSuite("gridftp", 21500, ["plain"], (get) => {
  it("retrieves 100 files in MODE E over one cached data connection (anonymous)", async () => {
    const { server, many } = get();
    const wire: string[] = [];
    const url = server.url.replace(`${server.user}:${server.password}@`, "anonymous:ftpkit@");
    await using session = await connect(
      url,
      optionsFor(server, { trace: (e) => (e.type === "command" ? wire.push(e.line) : undefined) }),
    );
    const modes = await retrieveAndCheck(session, many.slice(0, 100));
    expect(new Set(modes)).toEqual(new Set(["E"]));
    expect(session.stats.dataConnections).toBe(1);
    expect(wire.filter((l) => l.startsWith("PORT") || l.startsWith("EPRT"))).toHaveLength(1);
    expect(wire.filter((l) => l.startsWith("RETR"))).toHaveLength(100);
  }, 60_000);
});
