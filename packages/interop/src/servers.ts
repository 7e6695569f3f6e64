/**
 * Starting and stopping the real FTP servers the interop tests talk to (vsftpd,
 * ProFTPD, pure-ftpd, pyftpdlib, GridFTP), through the start scripts in
 * `packages/interop/servers/`. Each server runs in its own session and process group
 * and is stopped as a whole group.
 *
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFile, rm } from "node:fs/promises";
import { FtpUsageError } from "@ftpkit/errors";
import { type Greeting, readGreeting } from "./greeting.ts";
import { endProcessGroup } from "./process-group.ts";
import { RealServerError } from "./real-server-error.ts";
import {
  REAL_SERVER_NAMES,
  type RealServerName,
  type RealServerTls,
  startScriptOf,
  tlsModesOf,
} from "./server-catalog.ts";

/** An inclusive range of TCP ports. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

/** Options of {@link startRealServer}. */
export interface StartRealServerOptions {
  /**
   * The folder the server serves. It is chowned to the login user "ftpuser" (so that
   * uploads work) and must be reachable by that user: use {@link createTempRoot}.
   * Seed it before starting: files created later belong to root.
   */
  readonly root: string;
  /**
   * First port of a block of 50: the control port is `portBase`, the server's passive
   * ports `portBase + 10 … + 39`, and `portBase + 40 … + 49` are left for the client's
   * active-mode listeners. Servers that run at the same time need bases 50 apart.
   */
  readonly portBase: number;
  /** `"plain"` (default), `"ftps"` (explicit AUTH TLS) or `"ftps-implicit"`. */
  readonly tls?: RealServerTls;
  /**
   * Require TLS session reuse on data connections (`true`), or not (`false`); leave
   * undefined for the server's default (vsftpd and ProFTPD require it, pure-ftpd and
   * pyftpdlib have no such check and ignore this).
   */
  readonly tlsReuse?: boolean;
  /** The loopback address to listen on: `"127.0.0.1"` (default) or `"::1"`. */
  readonly host?: "127.0.0.1" | "::1";
  /** How long to wait for the 220 greeting (default 20000 ms). */
  readonly startTimeoutMs?: number;
  /** Keep the server's state folder (config, certificate, logs) after stop (default false). */
  readonly keepState?: boolean;
}

/** A running real server. Dispose it (or call `stop()`) to end its whole process group. */
export interface RealServer extends AsyncDisposable {
  readonly name: RealServerName;
  readonly tls: RealServerTls;
  /** The address it listens on, `"127.0.0.1"` or `"::1"`. */
  readonly host: string;
  /** The control port (TLS from the first byte when `tls` is `"ftps-implicit"`). */
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Whether `anonymous` (any password) logs in too (GridFTP). */
  readonly anonymous: boolean;
  /** The ports the server hands out in PASV/EPSV replies. */
  readonly passivePorts: PortRange;
  /** Ports left free for the client's PORT/EPRT listeners. */
  readonly activePorts: PortRange;
  /** The server's self-signed certificate (PEM, for `localhost`, 127.0.0.1 and ::1) in the ftps modes. */
  readonly certificate: string | undefined;
  /** `ftp://user:password@host:port/` (`ftps://` for implicit TLS). */
  readonly url: string;
  /** The 220 greeting the harness read when the server came up. */
  readonly greeting: Greeting;
  /** The process id; also the server's process group id. */
  readonly pid: number;
  /** Folder with the generated config, certificate and the server's logs. */
  readonly stateDir: string;
  /** Settles with the exit code (or signal name) when the server process exits. */
  readonly exited: Promise<number | string>;
  /** The server's own output and log files, concatenated (for failure messages). */
  readLogs(): Promise<string>;
  /** Ends the process group (TERM, then KILL after 5 s); twice is harmless. */
  stop(): Promise<void>;
}

// Servers still running when the process exits (a test that forgot to stop one, or a
// crash): killed synchronously so that no server outlives the test run.
const running = new Set<number>();
let exitHookInstalled = false;
function trackRunning(pid: number): void {
  running.add(pid);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once("exit", () => {
    for (const pgid of running) {
      try {
        process.kill(-pgid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  });
}

function parseFacts(stdout: string): Map<string, string> {
  const facts = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) facts.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return facts;
}

function parseRange(text: string | undefined, key: string): PortRange {
  const m = /^(\d+)-(\d+)$/.exec(text ?? "");
  if (m === null)
    throw new RealServerError(`Start script printed no valid ${key}= line: "${text}"`);
  return { from: Number(m[1]), to: Number(m[2]) };
}

function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  return new Promise((resolve) => {
    if (stream === null) {
      resolve("");
      return;
    }
    let text = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      text += chunk;
    });
    stream.on("end", () => resolve(text));
    stream.on("error", () => resolve(text));
  });
}

async function readLogsOf(stateDir: string): Promise<string> {
  const names = [
    "out.log",
    "vsftpd.log",
    "proftpd.log",
    "tls.log",
    "pyftpdlib.log",
    "gridftp.log",
    "configtest.log",
  ];
  const parts: string[] = [];
  for (const name of names) {
    try {
      const text = await readFile(`${stateDir}/${name}`, "utf8");
      if (text !== "") parts.push(`--- ${name}\n${text}`);
    } catch {
      // Not every server writes every log.
    }
  }
  return parts.join("\n");
}

function validate(name: RealServerName, options: StartRealServerOptions): RealServerTls {
  if (!REAL_SERVER_NAMES.includes(name)) {
    throw new FtpUsageError(
      `Unknown real server "${name}" (known: ${REAL_SERVER_NAMES.join(", ")})`,
    );
  }
  const tls = options.tls ?? "plain";
  if (!tlsModesOf(name).includes(tls)) {
    throw new FtpUsageError(
      `${name} has no "${tls}" mode (it has ${tlsModesOf(name)
        .map((m) => `"${m}"`)
        .join(", ")})`,
    );
  }
  const base = options.portBase;
  if (!Number.isInteger(base) || base < 1024 || base + 49 > 65535) {
    throw new FtpUsageError(`portBase must be an integer in 1024..65486, got "${base}"`);
  }
  const host = options.host ?? "127.0.0.1";
  if (host !== "127.0.0.1" && host !== "::1") {
    throw new FtpUsageError(`host must be "127.0.0.1" or "::1", got "${host}"`);
  }
  if (typeof options.root !== "string" || !options.root.startsWith("/")) {
    throw new FtpUsageError(`root must be an absolute path, got "${options.root}"`);
  }
  return tls;
}

/**
 * Starts a real FTP server on loopback and resolves once it greeted with 220.
 * Login with `user`/`password` (ftpuser/ftppass). Needs root and the servers installed
 * (`sudo packages/interop/servers/install-servers.sh`); gate tests with
 * {@link requireOrSkip}.
 *
 * @example
 * ```ts
 * await using root = await createTempRoot();
 * await seedRoot(root.path, { series: [{ count: 200, size: 16 * 1024 }] });
 * await using server = await startRealServer("vsftpd", { root: root.path, portBase: 21600 });
 * console.log(server.url); // ftp://ftpuser:ftppass@127.0.0.1:21600/
 * ```
 */
export async function startRealServer(
  name: RealServerName,
  options: StartRealServerOptions,
): Promise<RealServer> {
  const tls = validate(name, options);
  const host = options.host ?? "127.0.0.1";
  const timeoutMs = options.startTimeoutMs ?? 20_000;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  env.FTP_FOREGROUND = "1";
  env.FTP_HOST = host;
  env.TLS_REUSE = options.tlsReuse === undefined ? "" : options.tlsReuse ? "1" : "0";

  // setsid makes the script (and the server it execs into) a session and process
  // group leader, so stop() can signal the whole group. --wait: should setsid have to
  // fork, its pid still lives as long as the server.
  const child: ChildProcess = spawn(
    "setsid",
    ["--wait", startScriptOf(name), options.root, String(options.portBase), tls],
    { env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const exited = new Promise<number | string>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown"));
    child.once("error", (e) => resolve(`spawn failed: ${e.message}`));
  });
  const [stdout, stderr] = await Promise.all([collect(child.stdout), collect(child.stderr)]);
  const facts = parseFacts(stdout);
  const pid = Number(facts.get("PID"));
  const stateDir = facts.get("STATE") ?? "";
  if (!Number.isInteger(pid) || pid <= 1 || stateDir === "") {
    const code = await Promise.race([exited, Promise.resolve("still running")]);
    if (child.pid !== undefined && code === "still running") {
      await endProcessGroup(child.pid, exited).catch(() => undefined);
    }
    throw new RealServerError(
      `${name} (${tls}) did not start: ${stderr.trim() || stdout.trim() || `exit ${code}`}`,
    );
  }
  trackRunning(pid);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        await endProcessGroup(pid, exited);
      } finally {
        running.delete(pid);
        if (options.keepState !== true) await rm(stateDir, { recursive: true, force: true });
      }
    })();
    return stopping;
  };

  let greeting: Greeting;
  try {
    greeting = await waitForGreeting(
      host,
      Number(facts.get("PORT")),
      tls === "ftps-implicit",
      timeoutMs,
      exited,
    );
  } catch (error) {
    const logs = await readLogsOf(stateDir);
    await stop().catch(() => undefined);
    throw new RealServerError(
      `${name} (${tls}) did not greet with 220 on "${host}" port "${facts.get("PORT")}": ${(error as Error).message}${logs ? `\n${logs.slice(-4000)}` : ""}`,
      { cause: error },
    );
  }

  const certPath = facts.get("CERT") ?? "";
  const certificate = certPath === "" ? undefined : await readFile(certPath, "utf8");
  const user = facts.get("USER") ?? "ftpuser";
  const password = facts.get("PASSWORD") ?? "ftppass";
  const port = Number(facts.get("PORT"));
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    name,
    tls,
    host,
    port,
    user,
    password,
    anonymous: name === "gridftp",
    passivePorts: parseRange(facts.get("PASV"), "PASV"),
    activePorts: parseRange(facts.get("ACTIVE"), "ACTIVE"),
    certificate,
    url: `${tls === "ftps-implicit" ? "ftps" : "ftp"}://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${urlHost}:${port}/`,
    greeting,
    pid,
    stateDir,
    exited,
    readLogs: () => readLogsOf(stateDir),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// The server is up once it accepts a connection and sends 220. Until then connects are
// refused; there is no event to await, so try again, a bounded number of times.
async function waitForGreeting(
  host: string,
  port: number,
  implicitTls: boolean,
  timeoutMs: number,
  exited: Promise<number | string>,
): Promise<Greeting> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | string | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  let last = "nothing tried";
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the server exited (${exitCode}) before greeting`);
    let greeting: Greeting | undefined;
    try {
      const attemptMs = Math.min(5000, Math.max(1, deadline - Date.now()));
      greeting = await readGreeting(host, port, implicitTls, attemptMs);
    } catch (error) {
      last = (error as Error).message;
    }
    if (greeting !== undefined) {
      if (greeting.code === 220) return greeting;
      throw new Error(`the greeting was ${JSON.stringify(greeting.lines.join("\n"))}`);
    }
    await delay(50);
  }
  throw new Error(`no 220 within ${timeoutMs} ms (last: ${last})`);
}
