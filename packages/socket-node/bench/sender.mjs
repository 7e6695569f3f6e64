// The sending side of bench/throughput.ts, in its own process so that the measured
// process only reads. Each connection sends one line "<bytes>\n"; the sender answers
// with that many bytes and ends. Prints {"plain":port,"tls":port} once listening.
import net from "node:net";
import tls from "node:tls";

const { cert, key } = JSON.parse(process.argv[2]);
const block = Buffer.alloc(1 << 20, 0x5a);

function serve(socket) {
  let line = "";
  socket.on("error", () => socket.destroy());
  const onData = (chunk) => {
    line += chunk.toString("latin1");
    if (!line.includes("\n")) return;
    socket.off("data", onData);
    let left = Number.parseInt(line, 10);
    const pump = () => {
      while (left > 0) {
        const part = left >= block.length ? block : block.subarray(0, left);
        left -= part.length;
        if (!socket.write(part)) {
          socket.once("drain", pump);
          return;
        }
      }
      socket.end();
    };
    pump();
  };
  socket.on("data", onData);
}

const plain = net.createServer(serve);
const secure = tls.createServer({ cert, key }, serve);
await new Promise((resolve) => plain.listen(0, "127.0.0.1", resolve));
await new Promise((resolve) => secure.listen(0, "127.0.0.1", resolve));
process.stdout.write(
  `${JSON.stringify({ plain: plain.address().port, tls: secure.address().port })}\n`,
);
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
