import { describe, expect, it } from "vitest";
import { bunCapabilities, bunSockets } from "../src/index.ts";

describe("bunSockets outside Bun", () => {
  it("imports without touching Bun, and the factory says what it needs", () => {
    expect(bunCapabilities.listen).toBe(true);
    expect(() => bunSockets()).toThrow(/needs the Bun runtime/);
  });
});
