import { createTempRoot, seedRoot, startRealServer } from "@ftpkit/interop";
import { startLatencyProxy, portRange } from "/work/main/packages/bench/src/latency-proxy.ts";
import { spawn } from "node:child_process";
const run = (cmd: string, args: string[]) => new Promise<{status: number|null, stderr: string}>((res) => { const c = spawn(cmd, args); let e = ""; c.stderr.on("data", (d) => e += d); c.on("close", (status) => res({status, stderr: e})); });
const root = await createTempRoot();
await seedRoot(root.path, { series: [{ count: 50, size: 16384 }] });
const server = await startRealServer("vsftpd", { root: root.path, portBase: 22000 });
console.log(server.url, server.passivePorts);
for (const rtt of [0, 10]) {
  const proxy = await startLatencyProxy({ listenHost: "127.0.0.2", targetHost: "127.0.0.1", controlPort: server.port, dataPorts: portRange(server.passivePorts.from, server.passivePorts.to), rttMs: rtt });
  const args = ["-s", "-S"];
  for (let i = 0; i < 50; i++) args.push(`ftp://ftpuser:ftppass@127.0.0.2:${server.port}/file-${String(i).padStart(4, "0")}.bin`, "-o", "/dev/null");
  const t = performance.now();
  const r = await run("curl", args);
  const ms = performance.now() - t;
  console.log(rtt, r.status, r.stderr.slice(0, 300), ms.toFixed(0), "ms", proxy.stats(), "rt/file", (ms / rtt / 50).toFixed(2));
  await proxy.close();
}
await server.stop(); await root[Symbol.asyncDispose]?.();
