import { SocketError } from "@ftpkit/errors";
import { describe, expect, it } from "vitest";
import { AcceptQueue, acceptIterator, createSocketPair, type Socket } from "../src/index.ts";

const closedError = (): SocketError =>
  new SocketError('Listener on "127.0.0.1:1" is closed', {
    address: "127.0.0.1:1",
    reason: "closed",
  });

describe("AcceptQueue", () => {
  it("hands sockets to accept() in arrival order, whichever comes first", async () => {
    const queue = new AcceptQueue();
    const [a, peerA] = createSocketPair();
    const [b, peerB] = createSocketPair();
    const waiting = queue.accept(closedError);
    queue.deliver(a);
    queue.deliver(b);
    expect(await waiting).toBe(a);
    expect(await queue.accept(closedError)).toBe(b);
    await Promise.all([a, b, peerA, peerB].map((s) => s.close()));
  });

  it("close() rejects waiting accepts and closes unclaimed sockets", async () => {
    const waitingQueue = new AcceptQueue();
    const waiting = waitingQueue.accept(closedError);
    await waitingQueue.close(closedError());
    await expect(waiting).rejects.toThrow('Listener on "127.0.0.1:1" is closed');

    const queue = new AcceptQueue();
    const [unclaimed, peer] = createSocketPair();
    queue.deliver(unclaimed);
    await queue.close(closedError());
    await unclaimed.closed;
    // Closing twice is harmless; accept() now rejects, a late arrival is closed at once.
    await queue.close(closedError());
    expect(queue.closed).toBe(true);
    const error = await queue.accept(closedError).catch((e: unknown) => e);
    expect(SocketError.isInstance(error) && error.reason).toBe("closed");
    const [late, latePeer] = createSocketPair();
    queue.deliver(late);
    await late.closed;
    await Promise.all([peer, latePeer].map((s) => s.close()));
  });
});

describe("acceptIterator", () => {
  it("yields accepted sockets, ends once closed, and closes the listener on return()", async () => {
    const queue = new AcceptQueue();
    let closes = 0;
    const listener = {
      accept: (): Promise<Socket> => queue.accept(closedError),
      close: (): Promise<void> => {
        closes++;
        return queue.close(closedError());
      },
    };
    const iterator = acceptIterator(listener, () => queue.closed);
    const [a, peer] = createSocketPair();
    queue.deliver(a);
    expect(await iterator.next()).toEqual({ done: false, value: a });
    const next = iterator.next();
    expect(await iterator.return?.()).toEqual({ done: true, value: undefined });
    expect(await next).toEqual({ done: true, value: undefined });
    expect(closes).toBe(1);
    await Promise.all([a, peer].map((s) => s.close()));
  });

  it("throws an accept() failure while the listener is still open", async () => {
    const failure = new SocketError("boom", { address: "h:1", reason: "other" });
    const iterator = acceptIterator(
      { accept: () => Promise.reject(failure), close: () => Promise.resolve() },
      () => false,
    );
    await expect(iterator.next()).rejects.toBe(failure);
  });
});
