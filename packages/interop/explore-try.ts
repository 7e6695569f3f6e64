import { connect } from "@ftpkit/client";
import { nodeSockets } from "@ftpkit/socket-node";
import { createTempRoot, seedRoot, startRealServer } from "@ftpkit/interop";

const name = (process.argv[2] ?? "vsftpd") as "vsftpd";
const tls = (process.argv[3] ?? "plain") as "plain";
const mode = (process.argv[4] ?? "auto") as "auto";
await using root = await createTempRoot("explore-");
const files = await seedRoot(root.path, { standard: true, series: [{ count: 20, size: 1000, dir: "many" }] });
await using server = await startRealServer(name, { root: root.path, portBase: 21300, tls });
console.log("greeting", server.greeting, server.url);
const t0 = Date.now();
await using session = await connect(server.url, {
  sockets: nodeSockets(),
  tls: { ca: server.certificate },
  timeout: 10000,
  trace: process.env.TRACE ? (e) => console.log(JSON.stringify(e).slice(0, 200)) : undefined,
  ...(name === "gridftp" ? { activePorts: server.activePorts } : {}),
});
console.log("features", session.features.names().join(","));
const paths = files.filter((f) => f.path.startsWith("many/")).map((f) => f.path);
let n = 0;
for await (const f of session.retrieve(paths, { mode })) {
  if (!f.ok) { console.log("FAIL", f.path, f.error?.message); continue; }
  const b = await f.bytes();
  n++;
  if (b.length !== 1000) console.log("bad length", f.path, b.length);
}
console.log("retrieved", n, "mode", session.autoMode, JSON.stringify(session.stats), Date.now() - t0, "ms");
console.log((await session.list("many")).length, "entries; size", await session.size("hello.txt"));
