import { FtpUsageError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { parseFtpUrl } from "../src/index.ts";

describe("parseFtpUrl", () => {
  it("reads the three schemes with their default ports", () => {
    expect(parseFtpUrl("ftp://h/")).toMatchObject({
      host: "h",
      port: 21,
      secure: false,
      user: undefined,
    });
    expect(parseFtpUrl("ftpes://h/")).toMatchObject({ port: 21, secure: "explicit" });
    expect(parseFtpUrl("ftps://h/")).toMatchObject({ port: 990, secure: "implicit" });
  });

  it("decodes user, password and path; brackets IPv6", () => {
    expect(parseFtpUrl("ftpes://me:s%40cret@[::1]:2121/pub/a%20b")).toEqual({
      host: "::1",
      port: 2121,
      user: "me",
      password: "s@cret",
      secure: "explicit",
      path: "pub/a b",
    });
  });

  it("refuses other schemes and CR/LF/NUL hidden in escapes", () => {
    expect(() => parseFtpUrl("http://h/")).toThrow(FtpUsageError);
    expect(() => parseFtpUrl("ftp://u%0d%0aDELE:x@h/")).toThrow(FtpUsageError);
    expect(() => parseFtpUrl("ftp://h/a%00b")).toThrow(FtpUsageError);
    expect(() => parseFtpUrl("not a url")).toThrow(FtpUsageError);
  });

  it("keeps the password out of error messages", () => {
    const error = (() => {
      try {
        parseFtpUrl("gopher://me:topsecret@h/");
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(FtpUsageError);
    expect(error!.message).toContain("gopher");
    expect(error!.message).not.toContain("topsecret");
  });
});
