import { startLatencyProxy, portRange } from "./latency-proxy.ts";
const rtt = Number(process.argv[2] ?? 0);
const proxy = await startLatencyProxy({ listenHost: "127.0.0.2", targetHost: "127.0.0.1", controlPort: 22050, dataPorts: portRange(22060, 22089), rttMs: rtt });
console.log("up");
process.on("SIGTERM", async () => { console.log(proxy.stats()); await proxy.close(); process.exit(0); });
