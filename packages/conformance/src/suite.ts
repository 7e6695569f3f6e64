/**
 * The one conformance suite of ftpkit's socket adapters, as data: a list of cases that
 * vitest (Node), `deno test` and `bun test` each turn into tests. It uses only
 * `node:assert/strict`, `node:crypto` (sha256), `node:child_process` (for the reference
 * TLS server) and web APIs, all of which the three runtimes implement.
 *
 * @module
 */

import { equal, fail, ok } from "node:assert/strict";
import { createHash } from "node:crypto";
import {
  ConnectionRefusedError,
  formatAddress,
  SocketAbortedError,
  SocketError,
  SocketTimeoutError,
  TlsError,
} from "@ftpkit/errors";
import type { Listener, Socket, SocketAdapter, TlsClientOptions } from "@ftpkit/socket";
import { ByteReader, fromUtf8, utf8, writeOnce } from "./byte-reader.ts";
import { testCertificate } from "./certs.ts";
import { startReferenceServer } from "./reference-server.ts";

/** One test of the suite. */
export interface ConformanceCase {
  /** What the case checks; a skipped case says why in its name. */
  name: string;
  /** Runs the case; rejects (an `AssertionError` or the adapter's error) on failure. */
  run(): Promise<void>;
  /** How long the case may take; runners pass it on as their test timeout. */
  timeoutMs?: number;
  /**
   * Set when the case does not apply to this adapter, with the reason (also in `name`).
   * Runners should skip the case; `run()` of a skipped case does nothing.
   */
  skip?: string;
}

/** Options of {@link conformanceSuite}. */
export interface ConformanceOptions {
  /** The loopback host to listen and connect on. Default `"127.0.0.1"`. */
  host?: string;
  /** Bytes of the bulk case. Default 256 MiB. */
  bulkBytes?: number;
  /**
   * The most a writer may get accepted while its peer reads nothing. Default 64 MiB:
   * loopback kernel buffers take a few MiB (Linux autotunes the send buffer up to
   * `tcp_wmem`'s maximum), anything near the cap means the adapter buffers without bound.
   */
  backpressureLimit?: number;
  /**
   * How long a write may stay pending before the backpressure case takes it as stalled.
   * A slow but unstalled write only ends the probe early (the case still checks the data
   * arrives), so this never makes the case fail. Default 200 ms.
   */
  stallWindowMs?: number;
  /** False for adapters without TLS (the in-memory one): TLS cases are skipped. Default true. */
  tls?: boolean;
  /** The Node executable that runs the reference TLS server. Default `"node"` from PATH. */
  nodeCommand?: string;
  /**
   * Whether an accepted TLS socket's `opened` rejects when the client gives up the
   * handshake (a certificate for another name). Default true; false for `nodeSockets()` on
   * Deno, whose `node:tls` server reports the handshake done before the client's alert.
   */
  acceptedSeesClientTlsFailure?: boolean;
}

const MiB = 1024 * 1024;
const CHUNK = 64 * 1024;

/**
 * Builds the conformance cases for `adapter`.
 *
 * @example
 * ```ts
 * import { conformanceSuite } from "@ftpkit/conformance";
 * import { nodeSockets } from "@ftpkit/socket-node";
 * import { it } from "vitest";
 *
 * for (const c of conformanceSuite(nodeSockets())) {
 *   (c.skip ? it.skip : it)(c.name, () => c.run(), c.timeoutMs);
 * }
 * ```
 */
export function conformanceSuite(
  adapter: SocketAdapter,
  options: ConformanceOptions = {},
): ConformanceCase[] {
  const host = options.host ?? "127.0.0.1";
  const bulkBytes = options.bulkBytes ?? 256 * MiB;
  const backpressureLimit = options.backpressureLimit ?? 64 * MiB;
  const stallWindowMs = options.stallWindowMs ?? 200;
  const tls = options.tls ?? true;
  const nodeCommand = options.nodeCommand;
  const acceptedSeesClientTlsFailure = options.acceptedSeesClientTlsFailure ?? true;
  const caps = adapter.capabilities;
  const clientTls: TlsClientOptions = { ca: testCertificate.ca, servername: "localhost" };
  const serverTls = { cert: testCertificate.cert, key: testCertificate.key };
  const name = adapter.runtime;

  const cases: ConformanceCase[] = [];
  const add = (c: ConformanceCase, skip?: string): void => {
    if (skip === undefined) {
      cases.push(c);
    } else {
      cases.push({ name: `${c.name} (skipped: ${skip})`, skip, run: async () => {} });
    }
  };
  const noListen = caps.listen ? undefined : `${name} reports listen: false`;
  const noTls = tls ? noListen : `${name} has no TLS`;

  add(
    {
      name: "echo: bytes come back, addresses are reported, close is idempotent",
      async run() {
        await using listener = await adapter.listen({ host, port: 0 });
        ok(listener.address.port > 0, "listener.address.port is the real port");
        equal(listener.address.hostname, host);
        const serving = (async () => {
          await using accepted = await listener.accept();
          const reader = new ByteReader(accepted.readable);
          const line = await reader.readLine();
          await writeOnce(accepted.writable, utf8(`echo:${line}\n`));
          ok(await reader.atEnd(), "the server's readable ends after the client closes");
        })();
        const client = await adapter.connect({ host, port: listener.address.port });
        const info = await client.opened;
        equal(info.remoteAddress.port, listener.address.port);
        equal(info.remoteAddress.hostname, host);
        ok(info.localAddress.port > 0);
        equal(info.tls, undefined, "a plain socket has no TLS info");
        equal(client.tlsSession(), undefined);
        await writeOnce(client.writable, utf8("hello\n"));
        const reader = new ByteReader(client.readable);
        equal(await reader.readLine(), "echo:hello");
        reader.release();
        await client.close();
        await client.close();
        await client.closed;
        await client[Symbol.asyncDispose]();
        await serving;
      },
    },
    noListen,
  );

  add(
    {
      name: `bulk: ${bulkBytes / MiB} MiB through one connection, sha256 equal on both ends`,
      timeoutMs: 180_000,
      async run() {
        await using listener = await adapter.listen({ host, port: 0 });
        const received = (async () => {
          await using accepted = await listener.accept();
          const hash = createHash("sha256");
          let total = 0;
          await eachChunk(accepted.readable, (chunk) => {
            hash.update(chunk);
            total += chunk.byteLength;
          });
          return { total, digest: hash.digest("hex") };
        })();
        await using client = await adapter.connect({ host, port: listener.address.port });
        // Fresh views into a random pool, never mutated after writing: a sink may hold a
        // chunk after its write resolved.
        const pool = randomBytes(MiB + CHUNK);
        const hash = createHash("sha256");
        const writer = client.writable.getWriter();
        let sent = 0;
        for (let i = 0; sent < bulkBytes; i++) {
          const size = Math.min(CHUNK - (i % 7) * 1024, bulkBytes - sent);
          const offset = (i * 4099) % (pool.byteLength - CHUNK);
          const chunk = pool.subarray(offset, offset + size);
          hash.update(chunk);
          await writer.write(chunk);
          sent += size;
        }
        await writer.close();
        const got = await received;
        equal(got.total, bulkBytes, "bytes received");
        equal(got.digest, hash.digest("hex"), "sha256 of what was received");
      },
    },
    noListen,
  );

  add(
    {
      name: "backpressure: a peer that reads nothing stalls the writer with bounded buffers",
      timeoutMs: 60_000,
      async run() {
        await using listener = await adapter.listen({ host, port: 0 });
        const accepting = listener.accept();
        await using client = await adapter.connect({ host, port: listener.address.port });
        await using accepted = await accepting;
        const pool = randomBytes(CHUNK);
        const writer = client.writable.getWriter();
        // The first write always fits an empty connection.
        await writer.write(pool);
        let acceptedBytes = CHUNK;
        let stalled: Promise<void> | undefined;
        while (acceptedBytes <= backpressureLimit) {
          const write = writer.write(pool);
          if (!(await settlesWithin(write, stallWindowMs))) {
            stalled = write;
            break;
          }
          acceptedBytes += CHUNK;
        }
        ok(
          stalled !== undefined,
          `the writer got ${acceptedBytes} bytes accepted while the peer read nothing ` +
            `(limit ${backpressureLimit}): writes must stall when buffers are full`,
        );
        // Now read: the stalled write completes and every byte arrives exactly once.
        const expected = acceptedBytes + CHUNK;
        const reading = (async () => {
          let total = 0;
          await eachChunk(accepted.readable, (chunk) => {
            total += chunk.byteLength;
          });
          return total;
        })();
        await stalled;
        await writer.close();
        equal(await reading, expected, "bytes received after the reader resumed");
      },
    },
    noListen,
  );

  add(
    {
      name: "half-close: writable.close() sends FIN and the reply still arrives",
      async run() {
        await using listener = await adapter.listen({ host, port: 0 });
        const serving = (async () => {
          await using accepted = await listener.accept();
          let total = 0;
          await eachChunk(accepted.readable, (chunk) => {
            total += chunk.byteLength;
          });
          // The client's FIN arrived; our direction is still open.
          await writeOnce(accepted.writable, utf8(`got ${total}\n`));
          await accepted.writable.close();
        })();
        await using client = await adapter.connect({ host, port: listener.address.port });
        const payload = randomBytes(300_000);
        await writeOnce(client.writable, payload);
        await client.writable.close();
        const reader = new ByteReader(client.readable);
        equal(fromUtf8(await reader.readToEnd()), `got ${payload.byteLength}\n`);
        await serving;
        await client.closed;
      },
    },
    noListen ?? (caps.halfOpen ? undefined : `${name} reports halfOpen: false`),
  );

  add(
    {
      name: "close: close() during a pending read ends the readable; closing twice is harmless",
      async run() {
        await using listener = await adapter.listen({ host, port: 0 });
        const accepting = listener.accept();
        const client = await adapter.connect({ host, port: listener.address.port });
        await using accepted = await accepting;
        const pending = client.readable.getReader().read();
        await client.close();
        equal((await pending).done, true, "the pending read ends");
        await client.close();
        await client[Symbol.asyncDispose]();
        await client.closed;
        ok(await new ByteReader(accepted.readable).atEnd(), "the peer reads the end of stream");
      },
    },
    noListen,
  );

  add(
    {
      name: "cancel: cancelling the readable closes the socket; the peer reads the end",
      async run() {
        await using listener = await adapter.listen({ host, port: 0 });
        const accepting = listener.accept();
        const client = await adapter.connect({ host, port: listener.address.port });
        await using accepted = await accepting;
        await client.readable.cancel();
        await client.closed;
        ok(await new ByteReader(accepted.readable).atEnd(), "the peer reads the end of stream");
      },
    },
    noListen,
  );

  add(
    {
      name: "refused: a closed port rejects with ConnectionRefusedError naming the address",
      async run() {
        const listener = await adapter.listen({ host, port: 0 });
        const port = listener.address.port;
        await listener.close();
        const error = await rejection(adapter.connect({ host, port }));
        ok(
          ConnectionRefusedError.isInstance(error),
          `expected ConnectionRefusedError, got ${describe(error)}`,
        );
        equal(error.address, formatAddress(host, port));
        equal(error.reason, "refused");
        ok(error.message.includes(formatAddress(host, port)), `message: ${error.message}`);
      },
    },
    noListen,
  );

  add({
    name: "abort: an aborted signal rejects connect with SocketAbortedError",
    async run() {
      const controller = new AbortController();
      controller.abort();
      const error = await rejection(adapter.connect({ host, port: 9, signal: controller.signal }));
      ok(
        SocketAbortedError.isInstance(error),
        `expected SocketAbortedError, got ${describe(error)}`,
      );
      equal(error.address, formatAddress(host, 9));
    },
  });

  add(
    {
      name: "listen: port 0 gets a real port, several clients are accepted, close ends accept",
      async run() {
        const clients = 5;
        const listener = await adapter.listen({ host, port: 0 });
        const port = listener.address.port;
        ok(port > 0 && port < 65536, `port ${port}`);
        const serving = (async () => {
          const served: Promise<void>[] = [];
          let count = 0;
          for await (const accepted of listener) {
            served.push(
              (async () => {
                await using s = accepted;
                const reader = new ByteReader(s.readable);
                const line = await reader.readLine();
                const remote = (await s.opened).remoteAddress;
                await writeOnce(s.writable, utf8(`${line}:${remote.port}\n`));
              })(),
            );
            if (++count === clients) break;
          }
          await Promise.all(served);
          return count;
        })();
        const replies = await Promise.all(
          Array.from({ length: clients }, async (_, i) => {
            await using client = await adapter.connect({ host, port });
            const info = await client.opened;
            await writeOnce(client.writable, utf8(`client ${i}\n`));
            const reader = new ByteReader(client.readable);
            return { line: await reader.readLine(), localPort: info.localAddress.port, i };
          }),
        );
        equal(await serving, clients);
        for (const reply of replies) {
          equal(reply.line, `client ${reply.i}:${reply.localPort}`);
        }
        // Breaking out of `for await` closed the listener: accept rejects from now on.
        const afterClose = await rejection(listener.accept());
        ok(SocketError.isInstance(afterClose), `expected SocketError, got ${describe(afterClose)}`);
        await listener.close();
        const pending = await (async () => {
          const l2 = await adapter.listen({ host, port: 0 });
          const waiting = rejection(l2.accept());
          await l2.close();
          return waiting;
        })();
        ok(
          SocketError.isInstance(pending),
          `a pending accept rejects on close: ${describe(pending)}`,
        );
      },
    },
    noListen,
  );

  add(
    {
      name: "tls: connect with the test CA; opened reports protocol and authorization",
      timeoutMs: 20_000,
      async run() {
        await using server = await startReferenceServer({ mode: "tls", host, nodeCommand });
        await using client = await adapter.connect({
          host,
          port: server.port,
          tls: clientTls,
        });
        const info = await client.opened;
        ok(info.tls !== undefined, "opened.tls is set");
        ok(/^TLSv1\.[23]$/.test(info.tls.protocol), `protocol ${info.tls.protocol}`);
        equal(info.tls.authorized, true);
        equal(info.tls.resumed, false);
        equal(info.remoteAddress.port, server.port);
        equal((await server.nextHandshake()).resumed, false);
        await writeOnce(client.writable, utf8("over tls\n"));
        await client.writable.close();
        const reader = new ByteReader(client.readable);
        equal(fromUtf8(await reader.readToEnd()), "over tls\n");
      },
    },
    noTls,
  );

  add(
    {
      name: "tls: without the CA the default rejectUnauthorized fails with TlsError; false connects",
      timeoutMs: 20_000,
      async run() {
        await using server = await startReferenceServer({ mode: "tls", host, nodeCommand });
        const error = await rejection(
          adapter.connect({ host, port: server.port, tls: { servername: "localhost" } }),
        );
        ok(TlsError.isInstance(error), `expected TlsError, got ${describe(error)}`);
        equal(error.address, formatAddress(host, server.port));
        await using insecure = await adapter.connect({
          host,
          port: server.port,
          tls: { rejectUnauthorized: false, servername: "localhost" },
        });
        equal((await insecure.opened).tls?.authorized, false);
        await writeOnce(insecure.writable, utf8("x\n"));
        equal(await new ByteReader(insecure.readable).readLine(), "x");
      },
    },
    noTls,
  );

  add(
    {
      name: "tls: a certificate for another name fails with TlsError naming the address",
      timeoutMs: 20_000,
      async run() {
        await using listener = await adapter.listen({
          host,
          port: 0,
          tls: serverTls,
          implicitTls: true,
        });
        const address = formatAddress(host, listener.address.port);
        const accepting = listener.accept();
        const error = await rejection(
          adapter.connect({
            host,
            port: listener.address.port,
            tls: { ca: testCertificate.ca, servername: "example.org" },
          }),
        );
        ok(TlsError.isInstance(error), `expected TlsError, got ${describe(error)}`);
        equal(error.address, address);
        ok(error.message.includes(`"${address}"`), `message: ${error.message}`);
        const accepted = await accepting;
        if (acceptedSeesClientTlsFailure) {
          // The server side of the failed handshake rejects its `opened`, with a SocketError.
          await rejection(accepted.opened);
        } else {
          await accepted.opened.catch(() => {});
        }
        await accepted.close();
      },
    },
    noTls,
  );

  add(
    {
      name: "tls: a listener with implicitTls serves a client of the same adapter",
      timeoutMs: 20_000,
      async run() {
        await using listener = await adapter.listen({
          host,
          port: 0,
          tls: serverTls,
          implicitTls: true,
        });
        const serving = (async () => {
          await using accepted = await listener.accept();
          const info = await accepted.opened;
          ok(info.tls !== undefined, "the accepted socket speaks TLS");
          const reader = new ByteReader(accepted.readable);
          await writeOnce(accepted.writable, utf8(`${await reader.readLine()}!\n`));
          await accepted.writable.close();
        })();
        await using client = await adapter.connect({
          host,
          port: listener.address.port,
          tls: clientTls,
        });
        equal((await client.opened).tls?.authorized, true);
        await writeOnce(client.writable, utf8("secure\n"));
        equal(fromUtf8(await new ByteReader(client.readable).readToEnd()), "secure!\n");
        await serving;
      },
    },
    noTls,
  );

  add(
    {
      name: "startTls: the client upgrades against the reference server's server-side upgrade",
      timeoutMs: 20_000,
      async run() {
        await using server = await startReferenceServer({ mode: "starttls", host, nodeCommand });
        const plain = await adapter.connect({ host, port: server.port });
        equal((await plain.opened).tls, undefined);
        await writeOnce(plain.writable, utf8("STARTTLS\n"));
        const reader = new ByteReader(plain.readable);
        equal(await reader.readLine(), "OK");
        reader.release();
        await using secure = plain.startTls(clientTls);
        const info = await secure.opened;
        ok(info.tls !== undefined, "opened.tls is set after startTls");
        equal(info.tls.authorized, true);
        equal(info.remoteAddress.port, server.port);
        equal((await server.nextHandshake()).resumed, false);
        await writeOnce(secure.writable, utf8("upgraded\n"));
        equal(await new ByteReader(secure.readable).readLine(), "upgraded");
      },
    },
    noTls,
  );

  add(
    {
      name: "startTls: server-side startTls() on a socket accepted by a listener with tls",
      timeoutMs: 20_000,
      async run() {
        await using listener = await adapter.listen({ host, port: 0, tls: serverTls });
        const serving = (async () => {
          const plain = await listener.accept();
          equal((await plain.opened).tls, undefined, "accepted sockets are plain until startTls");
          await using secure = await answerAuthTls(plain);
          ok((await secure.opened).tls !== undefined, "the server side reports TLS");
          const secureReader = new ByteReader(secure.readable);
          await writeOnce(secure.writable, utf8(`${await secureReader.readLine()}?\n`));
          await secure.writable.close();
        })();
        const plain = await adapter.connect({ host, port: listener.address.port });
        await writeOnce(plain.writable, utf8("AUTH TLS\n"));
        const reader = new ByteReader(plain.readable);
        equal(await reader.readLine(), "234 go");
        reader.release();
        await using secure = plain.startTls(clientTls);
        equal((await secure.opened).tls?.authorized, true);
        await writeOnce(secure.writable, utf8("ping\n"));
        equal(fromUtf8(await new ByteReader(secure.readable).readToEnd()), "ping?\n");
        await serving;
      },
    },
    noTls ?? (caps.serverStartTls ? undefined : `${name} reports serverStartTls: false`),
  );

  add(
    {
      name: "startTls: a read pending on the plain socket ends at the upgrade; TLS takes its bytes",
      timeoutMs: 20_000,
      async run() {
        await using listener = await adapter.listen({ host, port: 0, tls: serverTls });
        const serving = (async () => {
          await using secure = await answerAuthTls(await listener.accept());
          equal((await secure.opened).tls?.resumed, false, "a first handshake is a full one");
          await writeOnce(secure.writable, utf8("hello over tls\n"));
          await secure.writable.close();
        })();
        const plain = await adapter.connect({ host, port: listener.address.port });
        await writeOnce(plain.writable, utf8("AUTH TLS\n"));
        const reader = plain.readable.getReader();
        equal(fromUtf8((await reader.read()).value ?? new Uint8Array()), "234 go\n");
        // A reply-reading loop would already wait for the next bytes: they are TLS bytes.
        const pending = reader.read();
        await using secure = plain.startTls(clientTls);
        equal((await pending).done, true, "the plain readable ends at the upgrade");
        equal((await secure.opened).tls?.authorized, true);
        equal(fromUtf8(await new ByteReader(secure.readable).readToEnd()), "hello over tls\n");
        await serving;
      },
    },
    noTls ?? (caps.serverStartTls ? undefined : `${name} reports serverStartTls: false`),
  );

  add(
    {
      name: "timeout: a TLS handshake the server never answers rejects with SocketTimeoutError",
      timeoutMs: 20_000,
      async run() {
        // A plain listener that accepts and stays silent: the handshake cannot finish.
        await using listener = await adapter.listen({ host, port: 0 });
        const accepting = listener.accept();
        const error = await rejection(
          adapter.connect({ host, port: listener.address.port, tls: clientTls, timeout: 300 }),
        );
        ok(
          SocketTimeoutError.isInstance(error),
          `expected SocketTimeoutError, got ${describe(error)}`,
        );
        equal(error.address, formatAddress(host, listener.address.port));
        await (await accepting).close();
      },
    },
    noTls,
  );

  for (const [version, capability] of [
    ["TLSv1.2", caps.tlsSessionReuse.tls12],
    ["TLSv1.3", caps.tlsSessionReuse.tls13],
  ] as const) {
    add(
      {
        name: capability
          ? `tls session reuse ${version}: a second connection resumes (server-verified)`
          : `tls session reuse ${version}: capability false, and the server confirms no resumption`,
        timeoutMs: 20_000,
        async run() {
          await using server = await startReferenceServer({
            mode: "tls",
            host,
            minVersion: version,
            maxVersion: version,
            nodeCommand,
          });
          const versions = { minVersion: version, maxVersion: version } as const;
          const roundTrip = async (socket: Socket): Promise<void> => {
            // Reading the echo means the server's post-handshake messages (TLS 1.3
            // NewSessionTicket) were processed before it.
            await writeOnce(socket.writable, utf8("ticket?\n"));
            const reader = new ByteReader(socket.readable);
            equal(await reader.readLine(), "ticket?");
            reader.release();
          };
          let session: TlsClientOptions["session"];
          {
            await using first = await adapter.connect({
              host,
              port: server.port,
              tls: { ...clientTls, ...versions },
            });
            equal((await first.opened).tls?.protocol, version);
            await roundTrip(first);
            session = first.tlsSession();
            if (capability) ok(session !== undefined, "tlsSession() after the first exchange");
          }
          equal((await server.nextHandshake()).resumed, false, "the first handshake is full");
          await using second = await adapter.connect({
            host,
            port: server.port,
            tls: { ...clientTls, ...versions, session },
          });
          const info = await second.opened;
          await roundTrip(second);
          const recorded = await server.nextHandshake();
          equal(recorded.protocol, version);
          equal(info.tls?.resumed, recorded.resumed, "opened.tls.resumed tells the truth");
          if (capability) {
            equal(recorded.resumed, true, `the server saw a resumed ${version} handshake`);
          } else {
            equal(
              recorded.resumed,
              false,
              `the server saw a resumed ${version} handshake: report tlsSessionReuse true`,
            );
          }
        },
      },
      noTls,
    );
  }

  return cases;
}

/** The server half of FTP's AUTH TLS on an accepted plain socket: answer 234, upgrade. */
async function answerAuthTls(plain: Socket): Promise<Socket> {
  const reader = new ByteReader(plain.readable);
  equal(await reader.readLine(), "AUTH TLS");
  reader.release();
  await writeOnce(plain.writable, utf8("234 go\n"));
  return plain.startTls();
}

/** Calls `onChunk` for every chunk until the stream ends. */
async function eachChunk(
  readable: ReadableStream<Uint8Array>,
  onChunk: (chunk: Uint8Array) => void,
): Promise<void> {
  const reader = readable.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onChunk(value);
    }
  } finally {
    reader.releaseLock();
  }
}

/** Resolves true when `promise` fulfils within `ms`, false when it is still pending. */
async function settlesWithin(promise: Promise<void>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const pending = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), pending]);
  } finally {
    clearTimeout(timer);
  }
}

/** Random bytes (getRandomValues fills at most 64 KiB per call). */
function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let offset = 0; offset < size; offset += 65536) {
    crypto.getRandomValues(bytes.subarray(offset, Math.min(size, offset + 65536)));
  }
  return bytes;
}

/** The rejection reason of `promise`; fails when it fulfils. */
async function rejection<T>(promise: Promise<T>): Promise<SocketError> {
  let value: T;
  try {
    value = await promise;
  } catch (error) {
    ok(SocketError.isInstance(error), `expected a SocketError, got ${describe(error)}`);
    return error;
  }
  if (isClosable(value)) await value.close();
  return fail("expected a rejection, but it fulfilled");
}

function isClosable(value: unknown): value is Socket | Listener {
  return typeof value === "object" && value !== null && "close" in value;
}

function describe(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
