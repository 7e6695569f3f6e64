// Interleaved: raw runner, ftpkit runner with the new adapter, with the old one (vsftpd, big file).
import { spawn } from "node:child_process";
const MiB = 1024 * 1024;
const file = process.env.FILE ?? "big.bin";
const size = file === "big.bin" ? 512 * MiB : 192 * MiB;
const request = { url: "ftp://ftpuser:ftppass@127.0.0.1:22400/", paths: [file], steadyFromBytes: size / 4 };
function run(script: string): Promise<{ steadyMBps: number; cpuMs: number; transferMs: number; maxRssKiB: number; baseRssKiB: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", new URL(script, import.meta.url).pathname, JSON.stringify(request)], { stdio: ["ignore", "pipe", "inherit"] });
    let out = ""; child.stdout.setEncoding("utf8").on("data", (d: string) => { out += d; });
    child.on("close", (code) => code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!)) : reject(new Error(`exit ${code}`)));
  });
}
const kinds: Record<string, string> = { raw: "./raw-runner.ts", new: "./ftpkit-runner-new.ts", old: "./ftpkit-runner-old.ts" };
const res: Record<string, { mbps: number; cpu: number; rss: number }[]> = {};
const rounds = Number(process.env.ROUNDS ?? 5);
for (let r = 0; r < rounds; r++) {
  const order = r % 2 ? ["old", "new", "raw"] : ["raw", "new", "old"];
  const pair: Record<string, number> = {};
  for (const k of order) {
    const x = await run(kinds[k]!);
    const cpuPerGiB = x.cpuMs / (size / 1024 / MiB);
    (res[k] ??= []).push({ mbps: x.steadyMBps, cpu: cpuPerGiB, rss: (x.maxRssKiB - x.baseRssKiB) / 1024 });
    pair[k] = x.steadyMBps;
  }
  console.log(`round ${r}: raw ${pair.raw!.toFixed(0)}  new ${pair.new!.toFixed(0)} (${(pair.new! / pair.raw!).toFixed(2)}x)  old ${pair.old!.toFixed(0)} (${(pair.old! / pair.raw!).toFixed(2)}x)`);
}
const med = (a: number[]) => { const s = [...a].sort((x, y) => x - y); return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
for (const k of ["raw", "new", "old"]) {
  const m = res[k]!;
  console.log(k.padEnd(4), "steady MB/s best", Math.max(...m.map((x) => x.mbps)).toFixed(0), "median", med(m.map((x) => x.mbps)).toFixed(0), " cpu ms/GiB min", Math.min(...m.map((x) => x.cpu)).toFixed(0), "median", med(m.map((x) => x.cpu)).toFixed(0), " rss growth MiB max", Math.max(...m.map((x) => x.rss)).toFixed(0));
}
for (const k of ["new", "old"]) console.log(k, "pair ratio median", med(res[k]!.map((x, i) => x.mbps / res.raw![i]!.mbps)).toFixed(2), " best/best", (Math.max(...res[k]!.map((x) => x.mbps)) / Math.max(...res.raw!.map((x) => x.mbps))).toFixed(2));
