/**
 * Starts `reference-tls-server.mjs` in a child `node` process and reads what it records.
 * `node:child_process` is implemented by Node, Deno and Bun alike, and the server being a
 * separate Node process keeps it independent of the adapter under test.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { testCertificate } from "./certs.ts";

/** What the reference server recorded about one TLS handshake. */
export interface ReferenceHandshake {
  connection: number;
  /** `isSessionReused()` on the server side of the handshake. */
  resumed: boolean;
  protocol: string;
}

/** Options of {@link startReferenceServer}. */
export interface ReferenceServerOptions {
  /** `"tls"`: TLS from the first byte; `"starttls"`: plain until the line `STARTTLS`. */
  mode: "tls" | "starttls";
  host?: string;
  minVersion?: "TLSv1.2" | "TLSv1.3";
  maxVersion?: "TLSv1.2" | "TLSv1.3";
  /** The Node executable. Default: `"node"` from PATH. */
  nodeCommand?: string;
}

/** A running reference server. */
export interface ReferenceServer extends AsyncDisposable {
  readonly port: number;
  /** The next handshake the server completed (in order), or rejects on its TLS error. */
  nextHandshake(): Promise<ReferenceHandshake>;
  /** Ends the child process and waits for it. Idempotent. */
  close(): Promise<void>;
}

interface ReferenceEvent {
  event: "listening" | "secure" | "tls-error";
  port?: number;
  connection?: number;
  resumed?: boolean;
  protocol?: string;
  message?: string;
}

const SCRIPT = decodeURIComponent(new URL("./reference-tls-server.mjs", import.meta.url).pathname);

/** Spawns the reference TLS server and resolves once it listens. */
export async function startReferenceServer(
  options: ReferenceServerOptions,
): Promise<ReferenceServer> {
  const config = {
    cert: testCertificate.cert,
    key: testCertificate.key,
    host: options.host ?? "127.0.0.1",
    mode: options.mode,
    minVersion: options.minVersion,
    maxVersion: options.maxVersion,
  };
  const child = spawn(options.nodeCommand ?? "node", [SCRIPT, JSON.stringify(config)], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const events: ReferenceEvent[] = [];
  const waiters: Array<() => void> = [];
  let exited = false;
  let text = "";
  const wake = (): void => {
    for (const waiter of waiters.splice(0)) waiter();
  };
  const exit = new Promise<void>((resolve) => {
    child.once("exit", () => {
      exited = true;
      wake();
      resolve();
    });
    child.once("error", () => {
      exited = true;
      wake();
      resolve();
    });
  });
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    text += chunk;
    for (let end = text.indexOf("\n"); end >= 0; end = text.indexOf("\n")) {
      events.push(JSON.parse(text.slice(0, end)) as ReferenceEvent);
      text = text.slice(end + 1);
    }
    wake();
  });

  const next = async (): Promise<ReferenceEvent> => {
    while (events.length === 0) {
      if (exited) throw new Error("The reference TLS server exited");
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    return events.shift()!;
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      if (!exited) {
        child.stdin?.end();
        await exit;
      }
    })();
    return closing;
  };

  const first = await next().catch(async (error: unknown) => {
    await close();
    throw error;
  });
  if (first.event !== "listening" || typeof first.port !== "number") {
    await close();
    throw new Error(`Unexpected first line from the reference server: ${JSON.stringify(first)}`);
  }
  const port = first.port;

  return {
    port,
    async nextHandshake(): Promise<ReferenceHandshake> {
      const event = await next();
      if (event.event === "tls-error") {
        throw new Error(`Reference server TLS error: ${event.message}`);
      }
      return {
        connection: event.connection ?? -1,
        resumed: event.resumed === true,
        protocol: event.protocol ?? "",
      };
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
