/**
 * Whether a real server can run here, and what tests do when it cannot: skip with a
 * message that says how to install it, except in CI, where a missing server is a failure.
 *
 * @module
 */
import { appendFileSync, existsSync } from "node:fs";
import { delimiter, join } from "node:path";
import { RealServerError } from "./real-server-error.ts";
import {
  INSTALL_COMMAND,
  type RealServerName,
  type RealServerTls,
  requiredFilesOf,
  startScriptOf,
  tlsModesOf,
} from "./server-catalog.ts";

/** The answer of {@link realServerAvailable}. */
export type RealServerAvailability =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** What is missing, e.g. `"/usr/sbin/vsftpd (vsftpd) is not installed"`. */
      readonly reason: string;
      /** The command that fixes it. */
      readonly install: string;
    };

/** Options of {@link realServerAvailable} and {@link requireOrSkip}. */
export interface RealServerCheckOptions {
  /** The TLS mode the test will start the server in (default `"plain"`). */
  readonly tls?: RealServerTls;
}

function onPath(command: string): boolean {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter((d) => d !== "");
  return [...dirs, "/usr/sbin", "/sbin", "/usr/bin", "/bin"].some((d) =>
    existsSync(join(d, command)),
  );
}

/**
 * Tells whether `name` can be started here in the given TLS mode: Linux, root (the start
 * scripts create the login user and the servers drop privileges themselves), the
 * server's files installed, and the tools the start scripts call.
 *
 * @example
 * ```ts
 * const available = realServerAvailable("proftpd", { tls: "ftps" });
 * if (!available.ok) console.log(available.reason, "->", available.install);
 * ```
 */
export function realServerAvailable(
  name: RealServerName,
  options: RealServerCheckOptions = {},
): RealServerAvailability {
  const tls = options.tls ?? "plain";
  if (!tlsModesOf(name).includes(tls)) {
    return {
      ok: false,
      reason: `${name} has no "${tls}" mode (it has ${tlsModesOf(name)
        .map((m) => `"${m}"`)
        .join(", ")})`,
      install: "nothing to install: start it in one of the modes it has",
    };
  }
  if (process.platform !== "linux") {
    return {
      ok: false,
      reason: `the real servers run on Linux (Debian 12) only, this is "${process.platform}"`,
      install: "run the interop tests on Debian 12",
    };
  }
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    return {
      ok: false,
      reason: `starting ${name} needs root (it creates the login user "ftpuser" and the server drops privileges itself)`,
      install: `${INSTALL_COMMAND}, then run the tests as root`,
    };
  }
  const script = startScriptOf(name);
  if (!existsSync(script)) {
    return {
      ok: false,
      reason: `the start script "${script}" is missing`,
      install: "restore packages/interop/servers from git",
    };
  }
  for (const file of requiredFilesOf(name, tls)) {
    if (!existsSync(file.path)) {
      return {
        ok: false,
        reason: `"${file.path}" (${file.what}) is not installed`,
        install: INSTALL_COMMAND,
      };
    }
  }
  const tools = ["bash", "setsid", "flock", "useradd", "chpasswd"];
  if (tls !== "plain" || name === "pureftpd") tools.push("openssl");
  for (const tool of tools) {
    if (!onPath(tool)) {
      return {
        ok: false,
        reason: `the command "${tool}" is not installed`,
        install: INSTALL_COMMAND,
      };
    }
  }
  return { ok: true };
}

/** The answer of {@link requireOrSkip}: use `skip` with `describe.skipIf(...)`. */
export interface RealServerRequirement {
  /** True when the tests that need the server must be skipped. */
  readonly skip: boolean;
  /** Why they are skipped, with the install command; undefined when they run. */
  readonly reason: string | undefined;
}

/** True when `process.env.CI` says this is a CI run ("true", "1", any value but "false"/"0"). */
export function inCi(): boolean {
  const ci = process.env.CI;
  return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";
}

const reported = new Set<string>();

/**
 * Notes that a group of tests was skipped and why: printed once per process, and, when
 * `FTPKIT_SKIP_LOG` names a file (the root `pnpm test` sets it), appended to it as one
 * JSON line so that the test run can list every skip at its end.
 *
 * @example
 * ```ts
 * if (!hasCurl) recordSkip("curl interop", "curl is not installed");
 * ```
 */
export function recordSkip(what: string, reason: string): void {
  const key = `${what}\0${reason}`;
  if (reported.has(key)) return;
  reported.add(key);
  console.warn(`[skip] ${what}: ${reason}`);
  const log = process.env.FTPKIT_SKIP_LOG;
  if (log !== undefined && log !== "") {
    try {
      appendFileSync(log, `${JSON.stringify({ what, reason })}\n`);
    } catch {
      // The run still prints the skip above; the summary only misses it.
    }
  }
}

/**
 * The gate every real-server test goes through. When `name` can run here, returns
 * `{ skip: false }`. When it cannot, outside CI it returns `{ skip: true, reason }`
 * (reason says how to install it) and records the skip; in CI (`process.env.CI` set)
 * it throws a {@link RealServerError}, because CI installs every server and a missing
 * one there means the suite would pass without testing anything.
 *
 * @example
 * ```ts
 * const vsftpd = requireOrSkip("vsftpd", { tls: "ftps" });
 * describe.skipIf(vsftpd.skip)("vsftpd over FTPS", () => {
 *   it("retrieves 200 files", async () => {
 *     await using server = await startRealServer("vsftpd", { root, portBase: 21000, tls: "ftps" });
 *     // ...
 *   });
 * });
 * ```
 */
export function requireOrSkip(
  name: RealServerName,
  options: RealServerCheckOptions = {},
): RealServerRequirement {
  const available = realServerAvailable(name, options);
  if (available.ok) return { skip: false, reason: undefined };
  const what = `${name} (${options.tls ?? "plain"})`;
  const reason = `${available.reason}; install: ${available.install}`;
  if (inCi()) {
    throw new RealServerError(`${what} is required in CI but not available: ${reason}`);
  }
  recordSkip(`${what} interop tests`, reason);
  return { skip: true, reason: `${what} not available: ${reason}` };
}
