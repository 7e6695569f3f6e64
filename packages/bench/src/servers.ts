/**
 * The servers the bench measures against: vsftpd (through the interop harness) and
 * @ftpkit/server (its command line, in a process of its own so that it does not share
 * an event loop with the proxy or the clients).
 *
 * @module
 */

import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { startRealServer } from "@ftpkit/interop";
import { builtScript } from "./runner-protocol.ts";

/** A server under test. */
export interface BenchServer extends AsyncDisposable {
  /** "vsftpd" or "ftpkit". */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** The passive ports it hands out (the proxy listens on each). */
  readonly passivePorts: { from: number; to: number };
  /** True when it speaks MODE B and C. */
  readonly persistentModes: boolean;
  /**
   * CPU time the server used so far, ms (its own and that of its ended children, i.e.
   * vsftpd's per-session processes); undefined where /proc cannot tell.
   */
  cpuMs(): number | undefined;
  stop(): Promise<void>;
}

/**
 * Fails when something already listens on 127.0.0.1:`port` (a server left over from an
 * interrupted run would otherwise answer in place of the one started).
 */
export function assertPortFree(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new Error(
          `Port "127.0.0.1:${port}" is taken (${error.code}): is a server of an earlier run still up?`,
        ),
      ),
    );
    probe.listen({ host: "127.0.0.1", port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * User + system CPU of process `pid` and its waited-for children, from /proc (Linux),
 * in milliseconds; undefined elsewhere.
 */
export function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the ")" closing the command name: state is field 3, utime 14 … cstime 17.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    // USER_HZ is 100 on every Linux build that matters here.
    return ticks * 10;
  } catch {
    return undefined;
  }
}

/** vsftpd on 127.0.0.1, control port `portBase`, passive `portBase+10…+39`. */
export async function startVsftpd(root: string, portBase: number): Promise<BenchServer> {
  await assertPortFree(portBase);
  const server = await startRealServer("vsftpd", { root, portBase });
  return {
    name: "vsftpd",
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    passivePorts: server.passivePorts,
    persistentModes: false,
    cpuMs: () => processCpuMs(server.pid),
    stop: () => server.stop(),
    [Symbol.asyncDispose]: () => server.stop(),
  };
}

/** @ftpkit/server's CLI serving `root`, control port `portBase`, passive `portBase+10…+39`. */
export async function startFtpkitServer(root: string, portBase: number): Promise<BenchServer> {
  const cli = builtScript("ftpkit-server");
  const passivePorts = { from: portBase + 10, to: portBase + 39 };
  await assertPortFree(portBase);
  const user = "ftpuser";
  const password = "ftppass";
  const child: ChildProcess = spawn(
    process.execPath,
    [
      cli,
      "--root",
      root,
      "--host",
      "127.0.0.1",
      "--port",
      String(portBase),
      "--user",
      user,
      "--password",
      password,
      "--passive-ports",
      `${passivePorts.from}-${passivePorts.to}`,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<void>((resolve) => child.once("close", () => resolve()));
  // Killed with this process too, however it ends.
  const killOnExit = (): void => {
    child.kill("SIGKILL");
  };
  process.once("exit", killOnExit);
  await new Promise<void>((resolve, reject) => {
    let out = "";
    let err = "";
    child.stdout?.setEncoding("utf8").on("data", (d: string) => {
      out += d;
      if (out.includes("listening on")) resolve();
    });
    child.stderr?.setEncoding("utf8").on("data", (d: string) => {
      err += d;
    });
    child.once("error", reject);
    void exited.then(() =>
      reject(new Error(`@ftpkit/server exited before listening: ${err || out}`)),
    );
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      child.kill("SIGTERM");
      await exited;
      process.off("exit", killOnExit);
    })();
    return stopping;
  };
  return {
    name: "ftpkit",
    host: "127.0.0.1",
    port: portBase,
    user,
    password,
    passivePorts,
    persistentModes: true,
    cpuMs: () => processCpuMs(child.pid),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
