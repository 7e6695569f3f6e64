import { it } from "vitest";
import { connect } from "@ftpkit/client";
import { nodeSockets } from "@ftpkit/socket-node";
import { createTempRoot, seedRoot, startRealServer } from "@ftpkit/interop";
it("z", async () => {
await using root = await createTempRoot("explore-");
await seedRoot(root.path, { standard: true, series: [{ count: 3, size: 2048, dir: "many" }] });
await using server = await startRealServer("proftpd", { root: root.path, portBase: 21300, tls: "plain" });
const t0 = Date.now();
await using session = await connect(server.url, {
  sockets: nodeSockets(), timeout: 5000,
  trace: (e) => console.log(Date.now() - t0, JSON.stringify(e).slice(0, 160)),
});
for await (const file of session.retrieve(["many/file-0000.bin", "many/file-0001.bin"], { mode: "Z" })) {
  console.log("got", (await file.bytes()).length);
}
});
