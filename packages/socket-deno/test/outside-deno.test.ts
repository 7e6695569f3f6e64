import { describe, expect, it } from "vitest";
import { denoCapabilities, denoSockets } from "../src/index.ts";

describe("denoSockets outside Deno", () => {
  it("imports without touching Deno, and the factory says what it needs", () => {
    expect(denoCapabilities.listen).toBe(true);
    expect(() => denoSockets()).toThrow(/needs the Deno runtime/);
  });
});
