/**
 * A latency proxy on loopback: this kernel has no netem, so the delay is added in user
 * space. One listener per server port (the control port and every passive data port)
 * on another loopback address, forwarding to the same port on the server's address.
 * FTP replies are not rewritten: a 227/229 names the server's port, and the same port
 * on the proxy's address leads to it through the delay (clients use the control
 * connection's host for EPSV, and by default for PASV too).
 *
 * Each chunk is forwarded half the round-trip time after it arrived, in order, in each
 * direction; the upstream connection is opened half a round trip after the client
 * connected, as the client's SYN would reach the server that late.
 *
 * @module
 */

import { createConnection, createServer, type Server, type Socket } from "node:net";
import { DelayedPipe, type PipeMeter } from "./delayed-pipe.ts";

/** Options of {@link startLatencyProxy}. */
export interface LatencyProxyOptions {
  /** Where the proxy listens, e.g. `"127.0.0.2"`. */
  listenHost: string;
  /** Where the server listens, e.g. `"127.0.0.1"`. */
  targetHost: string;
  /** The server's control port (its connections are counted as control connections). */
  controlPort: number;
  /** The server's passive data ports. */
  dataPorts: readonly number[];
  /** Round-trip time to add, in milliseconds (half in each direction). */
  rttMs: number;
}

/** What went through the proxy since it started (or since `reset()`). */
export interface LatencyProxyStats {
  controlConnections: number;
  dataConnections: number;
  /**
   * Control-channel turnarounds: times a client wrote on a control connection after a
   * reply had reached it since its previous write. A client that waits for every reply
   * makes one per command; pipelined commands written together make one.
   */
  controlTurns: number;
  /** Payload bytes client → server and server → client. */
  bytesUp: number;
  bytesDown: number;
  /** The mean delay a chunk really had, one way, in milliseconds (timers run late). */
  meanDelayMs: number;
}

/** A running latency proxy. Dispose it (or `close()`) to stop it; twice is harmless. */
export interface LatencyProxy extends AsyncDisposable {
  readonly rttMs: number;
  readonly listenHost: string;
  stats(): LatencyProxyStats;
  /** Zeroes the counters. */
  reset(): void;
  close(): Promise<void>;
}

interface Counters {
  controlConnections: number;
  dataConnections: number;
  controlTurns: number;
  up: PipeMeter;
  down: PipeMeter;
}

function zero(): Counters {
  return {
    controlConnections: 0,
    dataConnections: 0,
    controlTurns: 0,
    up: { bytes: 0, chunks: 0, delaySumMs: 0 },
    down: { bytes: 0, chunks: 0, delaySumMs: 0 },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/**
 * Starts the proxy; resolves once every listener is up.
 *
 * @example
 * ```ts
 * await using proxy = await startLatencyProxy({
 *   listenHost: "127.0.0.2", targetHost: "127.0.0.1",
 *   controlPort: 22000, dataPorts: range(22010, 22039), rttMs: 10,
 * });
 * // ftp://user:pass@127.0.0.2:22000/ now answers 10 ms later than 127.0.0.1:22000
 * ```
 */
export async function startLatencyProxy(options: LatencyProxyOptions): Promise<LatencyProxy> {
  const oneWay = options.rttMs / 2;
  const counters = zero();
  const sockets = new Set<Socket>();
  const pipes = new Set<DelayedPipe>();
  const servers: Server[] = [];

  const accept = (client: Socket, control: boolean): void => {
    const c = counters;
    if (control) c.controlConnections++;
    else c.dataConnections++;
    client.setNoDelay(true);
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    // A reply reached the client since its last write: its next write is a turnaround.
    let replySeen = true;
    const up = new DelayedPipe(client, {
      delayMs: oneWay,
      meter: c.up,
      onChunk: control
        ? () => {
            if (replySeen) counters.controlTurns++;
            replySeen = false;
          }
        : undefined,
    });
    const open = (): void => {
      const upstream = createConnection({
        host: options.targetHost,
        port: client.localPort ?? 0,
        allowHalfOpen: true,
        noDelay: true,
      });
      sockets.add(upstream);
      upstream.on("close", () => sockets.delete(upstream));
      const down = new DelayedPipe(upstream, {
        delayMs: oneWay,
        meter: c.down,
        onForward: control
          ? () => {
              replySeen = true;
            }
          : undefined,
      });
      pipes.add(up).add(down);
      client.on("close", () => {
        pipes.delete(up);
        pipes.delete(down);
      });
      down.attach(client);
      up.attach(upstream);
    };
    if (oneWay > 0) setTimeout(open, Math.floor(oneWay));
    else open();
  };

  const ports = [options.controlPort, ...options.dataPorts];
  try {
    for (const port of ports) {
      const control = port === options.controlPort;
      const server = createServer({ allowHalfOpen: true, pauseOnConnect: false }, (socket) =>
        accept(socket, control),
      );
      servers.push(server);
      await listen(server, options.listenHost, port);
    }
  } catch (error) {
    for (const s of servers) s.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const pipe of pipes) pipe.dispose();
      for (const socket of sockets) socket.destroy();
      await Promise.all(
        servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
      );
    })();
    return closing;
  };

  return {
    rttMs: options.rttMs,
    listenHost: options.listenHost,
    stats(): LatencyProxyStats {
      const chunks = counters.up.chunks + counters.down.chunks;
      return {
        controlConnections: counters.controlConnections,
        dataConnections: counters.dataConnections,
        controlTurns: counters.controlTurns,
        bytesUp: counters.up.bytes,
        bytesDown: counters.down.bytes,
        meanDelayMs:
          chunks === 0 ? oneWay : (counters.up.delaySumMs + counters.down.delaySumMs) / chunks,
      };
    },
    reset(): void {
      // In place: live pipes hold the meters.
      counters.controlConnections = 0;
      counters.dataConnections = 0;
      counters.controlTurns = 0;
      for (const meter of [counters.up, counters.down]) {
        meter.bytes = 0;
        meter.chunks = 0;
        meter.delaySumMs = 0;
      }
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The ports from `from` to `to`, inclusive. */
export function portRange(from: number, to: number): number[] {
  const ports: number[] = [];
  for (let p = from; p <= to; p++) ports.push(p);
  return ports;
}
