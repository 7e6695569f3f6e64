/**
 * Waiting for a freshly started server to greet: connect, read the first reply, expect
 * 220 (RFC 959 §5.4, "Service ready for new user").
 *
 * @module
 */
import { type Socket as NetSocket, connect as netConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";

/** The first reply a server sent on a new control connection. */
export interface Greeting {
  readonly code: number;
  /** The reply lines, CRLF removed. */
  readonly lines: readonly string[];
}

/**
 * Connects once and reads the greeting. Multi-line replies (`220-` … `220 `, RFC 959
 * §4.2) are read to their last line. With `implicitTls` the TLS handshake comes first
 * and the certificate is not verified (the servers use throw-away self-signed ones).
 */
export function readGreeting(
  host: string,
  port: number,
  implicitTls: boolean,
  timeoutMs: number,
): Promise<Greeting> {
  return new Promise((resolve, reject) => {
    const socket: NetSocket = implicitTls
      ? tlsConnect({ host, port, rejectUnauthorized: false, servername: "localhost" })
      : netConnect({ host, port });
    let text = "";
    let done = false;
    const finish = (error: Error | undefined, greeting?: Greeting): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.removeAllListeners("data");
      socket.destroy();
      if (error !== undefined) reject(error);
      else resolve(greeting!);
    };
    const timer = setTimeout(
      () => finish(new Error(`no greeting within ${timeoutMs} ms (got ${JSON.stringify(text)})`)),
      timeoutMs,
    );
    socket.on("error", (e) => finish(e));
    socket.on("close", () =>
      finish(new Error(`closed before a complete greeting (got ${JSON.stringify(text)})`)),
    );
    socket.on("data", (chunk: Buffer) => {
      text += chunk.toString("latin1");
      if (text.length > 65536) {
        finish(new Error("greeting longer than 64 KiB"));
        return;
      }
      const lines = text.split("\r\n");
      lines.pop(); // an incomplete line, or "" after the last CRLF
      const first = lines[0];
      if (first === undefined) return;
      const code = first.slice(0, 3);
      if (!/^\d{3}$/.test(code)) {
        finish(new Error(`not an FTP reply: ${JSON.stringify(first)}`));
        return;
      }
      const last = lines.findIndex((l) => l.startsWith(`${code} `) || l === code);
      if (first[3] !== "-" || last >= 0) {
        finish(undefined, {
          code: Number(code),
          lines: lines.slice(0, first[3] === "-" ? last + 1 : 1),
        });
      }
    });
  });
}
