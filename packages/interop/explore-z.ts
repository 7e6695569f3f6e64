import { connect } from "@ftpkit/client";
import { nodeSockets } from "@ftpkit/socket-node";
import { createTempRoot, seedRoot, startRealServer } from "@ftpkit/interop";
await using root = await createTempRoot("explore-");
await seedRoot(root.path, { standard: true, series: [{ count: 3, size: 2048, dir: "many" }] });
await using server = await startRealServer("proftpd", { root: root.path, portBase: 21300, tls: "plain" });
const t0 = Date.now();
await using session = await connect(server.url, {
  sockets: nodeSockets(), timeout: 5000,
  trace: (e) => console.log(Date.now() - t0, JSON.stringify(e).slice(0, 160)),
});
for await (const file of session.retrieve([process.argv[2] ?? "many/file-0000.bin"], { mode: "Z" })) {
  const reader = file.body.getReader();
  for (;;) {
    const r = await reader.read().catch((e) => { console.log("ERR", e.message); return { done: true, value: undefined }; });
    console.log("read", r.done, r.value?.length);
    if (r.done) break;
  }
}
