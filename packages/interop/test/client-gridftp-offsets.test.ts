// @ftpkit/client against globus-gridftp-server 13.24 (anonymous): start offsets in MODE E,
// `REST <offset>` right before each RETR on the one cached data connection (GridFTP takes
// a byte offset as it takes the range marker `0-N`). Port base 22450.
import { connect, type TraceEvent } from "@ftpkit/client";
import { describe, expect, it } from "vitest";
import { requireOrSkip, seedContent } from "../src/index.ts";
import { FILE_SIZE, optionsFor, useServer } from "./client-support.ts";

const gridftp = requireOrSkip("gridftp", { tls: "plain" });

describe.skipIf(gridftp.skip)("@ftpkit/client against gridftp: offsets in MODE E", () => {
  const get = useServer("gridftp", 22450, "plain");

  it("REST before RETR on the cached connection; every body starts at its offset", async () => {
    const { server, many } = get();
    const picked = many.slice(0, 30);
    const offsets = new Map<string, number>();
    picked.forEach((f, i) => {
      if (i % 3 === 1) offsets.set(f.path, (i * 97) % FILE_SIZE);
      if (i === 5) offsets.set(f.path, FILE_SIZE);
    });
    const wire: string[] = [];
    const trace = (e: TraceEvent): void => {
      if (e.type === "command") wire.push(e.line);
    };
    const url = server.url.replace(`${server.user}:${server.password}@`, "anonymous:ftpkit@");
    await using session = await connect(url, optionsFor(server, { trace }));
    let i = 0;
    for await (const file of session.retrieve(
      picked.map((f) => f.path),
      { offsets },
    )) {
      expect(file.ok).toBe(true);
      expect(file.mode).toBe("E");
      const want = seedContent(picked[i]!.path, picked[i]!.size).subarray(
        offsets.get(file.path) ?? 0,
      );
      expect(new Uint8Array(await file.bytes())).toEqual(want);
      i++;
    }
    expect(i).toBe(picked.length);
    expect(session.stats.dataConnections).toBe(1);
    const rests = wire.filter((l) => l.startsWith("REST "));
    expect(rests).toHaveLength([...offsets.values()].filter((o) => o > 0).length);
    for (const rest of rests) expect(wire[wire.indexOf(rest) + 1]).toMatch(/^RETR /);
  }, 60_000);
});
