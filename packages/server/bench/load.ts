/**
 * Loopback load: the server runs as its own process (`ftpkit-server` over a folder);
 * N concurrent sessions (default 200) each download two files and upload one, every
 * byte checked by SHA-256. Prints throughput and the server process's peak RSS
 * (VmHWM from /proc), beside its RSS when idle, measured in the same run.
 *
 *   pnpm --filter @ftpkit/server bench            # 200 sessions
 *   SESSIONS=500 pnpm --filter @ftpkit/server bench
 */

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { RawControl } from "../test/support/raw-client.ts";
import { randomBytes } from "../test/support/test-server.ts";

const SESSIONS = Number(process.env.SESSIONS ?? 200);
const DOWNLOAD = 512 * 1024;
const UPLOAD = 128 * 1024;
const here = dirname(fileURLToPath(import.meta.url));
const sha = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

function vm(pid: number, field: "VmHWM" | "VmRSS"): Promise<number> {
  return readFile(`/proc/${pid}/status`, "utf8").then(
    (s) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(s)?.[1] ?? 0) * 1024,
  );
}

const root = await mkdtemp(join(tmpdir(), "ftpkit-load-"));
const files: Uint8Array[] = [];
for (let i = 0; i < 4; i++) {
  files.push(randomBytes(DOWNLOAD + i, i + 1));
  await writeFile(join(root, `f${i}.bin`), files[i]!);
}
// `node --import tsx`, not the tsx binary: that one runs node as a child of its own, and
// the PID measured would be the wrapper's.
const child = spawn(
  process.execPath,
  [
    "--import",
    "tsx",
    join(here, "../src/cli.ts"),
    "--root",
    root,
    "--port",
    "0",
    "--user",
    "load",
    "--password",
    "pw",
    "--max-sessions-per-ip",
    String(SESSIONS),
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const port = await new Promise<number>((resolve, reject) => {
  child.stdout.setEncoding("utf8");
  let text = "";
  child.stdout.on("data", (chunk: string) => {
    text += chunk;
    const m = /listening on ftp:\/\/127\.0\.0\.1:(\d+)/.exec(text);
    if (m) resolve(Number(m[1]));
  });
  child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
});
const pid = child.pid!;
const idle = await vm(pid, "VmRSS");

async function session(i: number): Promise<void> {
  const [c] = await RawControl.connect(port);
  try {
    await c.login("load", "pw");
    await c.cmd("TYPE I");
    for (const k of [i % 4, (i + 1) % 4]) {
      const data = await c.epsv();
      c.send(`RETR f${k}.bin`);
      if ((await c.next()).code !== 150) throw new Error("RETR refused");
      const got = await data.readAll();
      if ((await c.next()).code !== 226) throw new Error("RETR failed");
      if (sha(got) !== sha(files[k]!)) throw new Error(`session ${i}: f${k}.bin differs`);
    }
    const body = randomBytes(UPLOAD, 1000 + i);
    const data = await c.epsv();
    c.send(`STOR up-${i}.bin`);
    if ((await c.next()).code !== 150) throw new Error("STOR refused");
    await data.write(body);
    await data.end();
    if ((await c.next()).code !== 226) throw new Error("STOR failed");
    const stored = await readFile(join(root, `up-${i}.bin`));
    if (sha(stored) !== sha(body)) throw new Error(`session ${i}: upload differs`);
    await c.cmd("QUIT");
  } finally {
    c.close();
  }
}

const started = performance.now();
let failures = 0;
await Promise.all(
  Array.from({ length: SESSIONS }, (_, i) =>
    session(i).catch((e: unknown) => {
      failures++;
      console.error(`session ${i}: ${(e as Error).message}`);
    }),
  ),
);
const seconds = (performance.now() - started) / 1000;
const peak = await vm(pid, "VmHWM");
child.kill("SIGTERM");
await new Promise((resolve) => child.once("exit", resolve));
await rm(root, { recursive: true, force: true });

const bytes = SESSIONS * (2 * DOWNLOAD + UPLOAD);
console.log(`sessions: ${SESSIONS} concurrent, ${failures} failed, every byte checked by SHA-256`);
console.log(
  `moved: ${(bytes / 2 ** 20).toFixed(0)} MiB in ${seconds.toFixed(2)} s = ${(bytes / 2 ** 20 / seconds).toFixed(0)} MiB/s, ${(SESSIONS / seconds).toFixed(0)} sessions/s`,
);
console.log(
  `server RSS: idle ${(idle / 2 ** 20).toFixed(0)} MiB, peak ${(peak / 2 ** 20).toFixed(0)} MiB (x${(peak / idle).toFixed(2)} idle), ${((peak - idle) / SESSIONS / 1024).toFixed(0)} KiB per session above idle`,
);
process.exit(failures === 0 ? 0 : 1);
