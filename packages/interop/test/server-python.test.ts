import { type FtpServer, memoryStorage } from "@ftpkit/server";
import { afterEach, describe, expect, it } from "vitest";
import { randomBytes, requireClient, run, sha256, startServer } from "./server-support.ts";

const python = requireClient("python3", "apt-get install -y python3");

/** Python's own client: retrbinary, storbinary, mlsd, nlst, size; prints JSON. */
const SCRIPT = `
import ftplib, hashlib, io, json, sys
port = int(sys.argv[1])
out = {}
ftp = ftplib.FTP()
ftp.connect("127.0.0.1", port, timeout=10)
ftp.login("anna", "pw")
buf = io.BytesIO()
ftp.retrbinary("RETR pub/a.bin", buf.write)
out["a"] = hashlib.sha256(buf.getvalue()).hexdigest()
data = bytes(range(256)) * 1000
ftp.storbinary("STOR pub/up.bin", io.BytesIO(data))
out["up"] = hashlib.sha256(data).hexdigest()
out["mlsd"] = sorted([name, facts["type"], facts.get("size")] for name, facts in ftp.mlsd("pub"))
out["nlst"] = ftp.nlst("pub")
out["size"] = ftp.size("pub/up.bin")
lines = []
ftp.retrlines("RETR pub/t.txt", lines.append)
out["lines"] = lines
ftp.quit()
print(json.dumps(out))
`;

describe.skipIf(python.skip)("Python ftplib against @ftpkit/server", () => {
  let server: FtpServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it("retrbinary, storbinary, mlsd, nlst, size and retrlines in TYPE A", async () => {
    const a = randomBytes(150_000, 3);
    const storage = memoryStorage({ "pub/a.bin": a, "pub/t.txt": "one\ntwo\n" });
    const started = await startServer({ storage, users: { anna: "pw" } });
    server = started.server;
    const { stdout } = await run("python3", ["-c", SCRIPT, String(started.port)]);
    const out = JSON.parse(stdout) as Record<string, unknown>;
    expect(out.a).toBe(sha256(a));
    expect(sha256(storage.readFile("/pub/up.bin"))).toBe(out.up);
    expect(out.mlsd).toEqual([
      ["a.bin", "file", "150000"],
      ["t.txt", "file", "8"],
      ["up.bin", "file", "256000"],
    ]);
    expect(out.nlst).toEqual(["a.bin", "t.txt", "up.bin"]);
    expect(out.size).toBe(256000);
    expect(out.lines).toEqual(["one", "two"]);
  });
});
