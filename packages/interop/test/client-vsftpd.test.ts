// @ftpkit/client against vsftpd 3.0.3: plain, explicit FTPS and implicit FTPS, both with
// vsftpd's default require_ssl_reuse=YES (the data connection must resume the control
// connection's TLS session, or vsftpd answers 522 and closes the session). Port base 21300.
import { connect } from "@ftpkit/client";
import { expect, it } from "vitest";
import { clientSuite, optionsFor, retrieveAndCheck } from "./client-support.ts";

clientSuite("vsftpd", 21300, ["plain", "ftps", "ftps-implicit"], (get, tls) => {
  if (tls === "ftps") {
    it("resumes the TLS session on every data connection (require_ssl_reuse)", async () => {
      const { server, many } = get();
      const notices: string[] = [];
      await using session = await connect(
        server.url,
        optionsFor(server, {
          trace: (e) => (e.type === "notice" ? notices.push(e.message) : undefined),
        }),
      );
      await retrieveAndCheck(session, many.slice(0, 20));
      expect(notices.filter((n) => n.includes("did not resume"))).toEqual([]);
    }, 30_000);
  }
});
