import { connect } from "@ftpkit/client";
import { nodeSockets } from "@ftpkit/socket-node";
import { createTempRoot, seedRoot, startRealServer } from "@ftpkit/interop";
const name = process.argv[2] as "pureftpd";
await using root = await createTempRoot("explore-");
await seedRoot(root.path, { standard: true });
await using server = await startRealServer(name, { root: root.path, portBase: 21300, tls: "plain" });
const t0 = Date.now();
await using session = await connect(server.url, {
  sockets: nodeSockets(), timeout: 5000,
  trace: (e) => console.log(Date.now() - t0, JSON.stringify(e).slice(0, 160)),
});
try {
  for await (const file of session.retrieve(["rand.bin", "hello.txt"])) {
    for await (const chunk of file.body) { console.log("chunk", chunk.length); break; }
    break;
  }
} catch (e) { console.log("ERR", e); }
console.log("size", await session.size("hello.txt").catch((e) => e.message));
