// The reference TLS server of the conformance suite: plain Node `node:tls`, independent of
// every adapter under test, so that "the second handshake resumed" is recorded by a peer
// the adapter cannot fool. Spawned with `node reference-tls-server.mjs '<json config>'`.
//
// Config: { cert, key, host, minVersion?, maxVersion?, mode: "tls" | "starttls" }
//   "tls":      TLS from the first byte, then echo.
//   "starttls": plain; on the line "STARTTLS\n" it answers "OK\n", upgrades the socket
//               (server side of the handshake) and then echoes over TLS.
// Stdout, one JSON object per line:
//   {"event":"listening","port":N}
//   {"event":"secure","connection":i,"resumed":bool,"protocol":"TLSv1.3"}
//   {"event":"tls-error","connection":i,"message":"..."}
import net from "node:net";
import tls from "node:tls";

const config = JSON.parse(process.argv[2] ?? "{}");
const secureContext = tls.createSecureContext({
  cert: config.cert,
  key: config.key,
  minVersion: config.minVersion ?? "TLSv1.2",
  maxVersion: config.maxVersion ?? "TLSv1.3",
});
const report = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);
let connections = 0;

function serveTls(plain, connection) {
  const secure = new tls.TLSSocket(plain, { isServer: true, secureContext });
  secure.on("secure", () => {
    report({
      event: "secure",
      connection,
      resumed: secure.isSessionReused(),
      protocol: secure.getProtocol(),
    });
  });
  secure.on("error", (error) => {
    report({ event: "tls-error", connection, message: String(error?.message ?? error) });
    secure.destroy();
  });
  // Echo; end our side when the client ends its side.
  secure.pipe(secure);
}

const server = net.createServer({ allowHalfOpen: true }, (plain) => {
  const connection = connections++;
  plain.on("error", () => plain.destroy());
  if (config.mode !== "starttls") {
    serveTls(plain, connection);
    return;
  }
  let line = "";
  const onData = (chunk) => {
    line += chunk.toString("latin1");
    const end = line.indexOf("\n");
    if (end < 0) return;
    plain.off("data", onData);
    plain.pause();
    if (line.slice(0, end) !== "STARTTLS") {
      plain.end("ERR\n");
      return;
    }
    // The client starts its handshake only after reading OK, so nothing arrives
    // between the line and the ClientHello that the plain reader could swallow.
    plain.write("OK\n", () => serveTls(plain, connection));
  };
  plain.on("data", onData);
});

server.listen(0, config.host ?? "127.0.0.1", () => {
  report({ event: "listening", port: server.address().port });
});
// The suite ends us by closing stdin (works the same from Node, Deno and Bun).
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
