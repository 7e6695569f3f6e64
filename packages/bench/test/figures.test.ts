import { describe, expect, it } from "vitest";
import { withoutStalls } from "../src/curl.ts";
import { type Measurement, roundTripsPerFile } from "../src/measurement.ts";
import type { RunnerResult } from "../src/runner-protocol.ts";

function result(totalMs: number, files: number, extra: Partial<RunnerResult> = {}): RunnerResult {
  return {
    totalMs,
    connectMs: 0,
    transferMs: totalMs,
    files,
    bytes: 0,
    maxRssKiB: 0,
    baseRssKiB: 0,
    ...extra,
  };
}

function measurement(
  rttMs: number,
  effectiveRttMs: number,
  r: RunnerResult,
  concurrency = 1,
): Measurement {
  return {
    server: "s",
    rttMs,
    effectiveRttMs,
    workload: "small",
    client: "c",
    concurrency,
    result: r,
    proxy: undefined,
    serverCpuMs: undefined,
  };
}

describe("roundTripsPerFile", () => {
  it("is the extra time per file at the RTT, in RTTs, per lane", () => {
    const zero = measurement(0, 0, result(1000, 1000)); // 1 ms a file
    const atRtt = measurement(10, 10, result(3100, 100)); // 31 ms a file
    expect(roundTripsPerFile(atRtt, zero)).toBeCloseTo(3, 10);
    const lanes = measurement(10, 10, result(400, 100), 8); // 4 ms a file over 8 lanes
    expect(roundTripsPerFile(lanes, zero)).toBeCloseTo(2.4, 10);
  });

  it("is NaN without a run at RTT 0", () => {
    expect(roundTripsPerFile(measurement(10, 10, result(100, 10)), undefined)).toBeNaN();
  });
});

describe("withoutStalls", () => {
  it("cuts files that took a second more than the median back to the median", () => {
    const r = withoutStalls(result(2020, 5, { fileMs: [4, 5, 1005, 6, 1000] }));
    expect(r?.stalls).toBe(2);
    // The median is 6 ms: 999 and 994 ms are cut.
    expect(r?.totalMs).toBe(2020 - 999 - 994);
  });

  it("leaves a run without stalls alone", () => {
    const r = withoutStalls(result(50, 3, { fileMs: [10, 20, 15] }));
    expect(r).toMatchObject({ stalls: 0, totalMs: 50 });
    expect(withoutStalls(result(50, 3))).toBeUndefined();
  });
});
