import { TruncatedTransferError } from "@ftpkit/errors";
import type { FtpServer } from "@ftpkit/server";
import { describe, expect, it } from "vitest";
import { connect, type RetrievedFile } from "../src/index.ts";
import { equalBytes, ourServer, seedFiles } from "./helpers/our-server.ts";

/** Waits until every session but the first has disconnected. */
async function extraLanesGone(server: FtpServer): Promise<void> {
  for (const id of server.log.sessions().slice(1))
    await server.log.waitFor({ kind: "disconnect", session: id });
}

describe("concurrency: several control connections as lanes", () => {
  for (const mode of ["S", "B"] as const) {
    it(`MODE ${mode}: 4 lanes, 60 files, list order kept`, async () => {
      const seed = seedFiles(60);
      await using ours = await ourServer(seed);
      await using session = await connect(ours.url, { sockets: ours.sockets });
      const paths = Object.keys(seed);
      const got: string[] = [];
      let peak = 0;
      for await (const f of session.retrieve(paths, { mode, concurrency: 4 })) {
        peak = Math.max(peak, ours.server.sessionCount);
        expect(equalBytes(await f.bytes(), seed[f.path]!)).toBe(true);
        got.push(f.path);
      }
      expect(got).toEqual(paths);
      expect(peak).toBe(4);
      expect(session.stats.filesRetrieved).toBe(60);
      // The extra lanes are closed at the end; the session itself stays.
      await extraLanesGone(ours.server);
      expect(ours.server.sessionCount).toBe(1);
      expect(await session.pwd()).toBe("/");
    });
  }

  for (const order of ["list", "completion"] as const) {
    it(`MODE B, 4 lanes, order "${order}": each lane writes its RETRs ahead over its own data connection`, async () => {
      const seed = seedFiles(200, () => 3000);
      await using ours = await ourServer(seed);
      await using session = await connect(ours.url, { sockets: ours.sockets });
      const paths = Object.keys(seed);
      const before = session.stats.roundTrips;
      const got: string[] = [];
      for await (const f of session.retrieve(paths, { mode: "B", concurrency: 4, order })) {
        expect(equalBytes(await f.bytes(), seed[f.path]!), f.path).toBe(true);
        got.push(f.path);
      }
      if (order === "list") expect(got).toEqual(paths);
      else expect([...got].sort()).toEqual(paths);
      // One data connection per lane, and far fewer waits than files: a lane writes a
      // batch of RETRs after its first file crossed its connection.
      expect(ours.server.log.stats().dataConnections).toBe(4);
      expect(session.stats.roundTrips - before).toBeLessThan(paths.length / 4);
    });
  }

  it("MODE B, 3 lanes: a lane lost with RETRs written ahead hands them all back", async () => {
    const seed = seedFiles(90, () => 2000);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const paths = Object.keys(seed);
    // The lane that has f0050.bin ends when the server comes to its RETR: by then the
    // lane has written ahead the RETRs of the files after it.
    ours.server.faults = {
      closeControl: { verb: "RETR", when: "command", paths: [`/${paths[50]}`], times: 1 },
    };
    const got: string[] = [];
    for await (const f of session.retrieve(paths, { mode: "B", concurrency: 3 })) {
      expect(equalBytes(await f.bytes(), seed[f.path]!), f.path).toBe(true);
      got.push(f.path);
    }
    expect(got).toEqual(paths);
    expect(ours.server.log.count({ kind: "fault" })).toBe(1);
  });

  it("MODE B, 3 lanes: a lane lost inside a file fails that file; its RETRs written ahead go on elsewhere", async () => {
    const seed = seedFiles(90, () => 2000);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const paths = Object.keys(seed);
    ours.server.faults = {
      closeControl: { verb: "RETR", when: "transfer", paths: [`/${paths[50]}`], times: 1 },
    };
    const got: string[] = [];
    let failure: unknown;
    for await (const f of session.retrieve(paths, { mode: "B", concurrency: 3 })) {
      try {
        expect(equalBytes(await f.bytes(), seed[f.path]!), f.path).toBe(true);
        got.push(f.path);
      } catch (error) {
        expect(f.path).toBe(paths[50]);
        failure = error;
      }
    }
    expect(failure).toBeInstanceOf(TruncatedTransferError);
    expect(got).toEqual(paths.filter((p) => p !== paths[50]));
  });

  it('order: "completion" yields every file once', async () => {
    const seed = seedFiles(40);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const got: string[] = [];
    for await (const f of session.retrieve(Object.keys(seed), {
      concurrency: 3,
      order: "completion",
    })) {
      expect(equalBytes(await f.bytes(), seed[f.path]!)).toBe(true);
      got.push(f.path);
    }
    expect(got.sort()).toEqual(Object.keys(seed));
  });

  it("a failed file in one lane is reported in its place", async () => {
    const seed = seedFiles(10);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    const paths = [...Object.keys(seed).slice(0, 5), "missing.bin", ...Object.keys(seed).slice(5)];
    const files: RetrievedFile[] = [];
    for await (const f of session.retrieve(paths, { concurrency: 3 })) {
      files.push(f);
      if (f.ok) await f.bytes();
    }
    expect(files.map((f) => f.path)).toEqual(paths);
    expect(files.filter((f) => !f.ok).map((f) => f.path)).toEqual(["missing.bin"]);
  });

  it("break stops every lane and leaves the session usable", async () => {
    const seed = seedFiles(30, () => 300_000);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets, timeout: 5000 });
    let n = 0;
    for await (const f of session.retrieve(Object.keys(seed), { concurrency: 4, mode: "S" })) {
      await f.bytes();
      if (++n === 5) break;
    }
    await extraLanesGone(ours.server);
    expect(ours.server.sessionCount).toBe(1);
    expect(await session.size("f0010.bin")).toBe(300_000);
  });

  it("progress is reported per file and in total", async () => {
    const seed = seedFiles(5, () => 1000);
    await using ours = await ourServer(seed);
    await using session = await connect(ours.url, { sockets: ours.sockets });
    let last = { totalBytes: 0, filesDone: 0 };
    for await (const f of session.retrieve(Object.keys(seed), {
      concurrency: 2,
      onProgress: (p) => {
        expect(p.bytes).toBeLessThanOrEqual(1000);
        last = p;
      },
    })) {
      await f.bytes();
    }
    expect(last.totalBytes).toBe(5000);
  });
});
