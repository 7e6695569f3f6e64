/**
 * The retrieve program the node, deno and bun examples share: only the socket adapter
 * differs between runtimes, so each runtime's `retrieve.ts` passes its adapter and its
 * command-line arguments here.
 *
 * @module
 */

import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { connect, type ModeChoice } from "@ftpkit/client";
import { createServer, type FtpServer, memoryStorage } from "@ftpkit/server";
import type { SocketAdapter } from "@ftpkit/socket";

/** Files for the built-in server: 50 of 1 byte to 128 KiB, with their sha256. */
function builtInFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let state = 2463534242;
  for (let i = 0; i < 50; i++) {
    const data = new Uint8Array(1 + ((i * 2654435761) % (128 * 1024)));
    for (let j = 0; j < data.length; j++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      data[j] = state & 0xff;
    }
    files.set(`file-${String(i).padStart(2, "0")}.bin`, data);
  }
  return files;
}

const sha256 = (data: Uint8Array): string => createHash("sha256").update(data).digest("hex");

/**
 * Retrieves every file of the folder `args[0]` names (or one file), printing a line per
 * file and a summary; with no URL, against a built-in @ftpkit/server whose bytes it checks.
 * Resolves to the exit code: 1 when a file failed or did not match.
 */
export async function retrieveFolder(sockets: SocketAdapter, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      mode: { type: "string", default: "auto" },
      concurrency: { type: "string", default: "1" },
      out: { type: "string" },
    },
  });
  let server: FtpServer | undefined;
  let expected: Map<string, string> | undefined;
  let url = positionals[0];
  if (url === undefined) {
    const files = builtInFiles();
    expected = new Map([...files].map(([path, data]) => [path, sha256(data)]));
    server = createServer({
      sockets,
      storage: memoryStorage(Object.fromEntries(files)),
      users: { demo: "demo" },
    });
    const { port } = await server.listen({ host: "127.0.0.1", port: 0 });
    url = `ftp://demo:demo@127.0.0.1:${port}/`;
    console.log(`built-in @ftpkit/server at ${url} with ${files.size} files`);
  }

  // A URL ending in "/" is a folder; otherwise its last segment names one file.
  const target = new URL(url);
  const slash = target.pathname.lastIndexOf("/");
  const fileName = decodeURIComponent(target.pathname.slice(slash + 1));
  target.pathname = target.pathname.slice(0, slash + 1);

  let failures = 0;
  try {
    await using session = await connect(target, { sockets });
    const paths =
      fileName !== ""
        ? [fileName]
        : (await session.list())
            .filter((entry) => entry.kind === "file")
            .map((entry) => entry.name);
    const options = { mode: values.mode as ModeChoice, concurrency: Number(values.concurrency) };
    const started = performance.now();
    let bytes = 0;
    const modes = new Set<string>();
    if (values.out !== undefined) {
      for (const result of await session.downloadTo(values.out, paths, options)) {
        if (result.ok) console.log(`${result.bytes}  ${result.localPath}`);
        else console.error(`FAILED ${result.path}: ${result.error?.message}`);
        if (!result.ok) failures++;
        bytes += result.bytes;
      }
    } else {
      for await (const file of session.retrieve(paths, options)) {
        if (!file.ok) {
          console.error(`FAILED ${file.path}: ${file.error?.message}`);
          failures++;
          continue;
        }
        const hash = createHash("sha256");
        let size = 0;
        for await (const chunk of file.body) {
          hash.update(chunk);
          size += chunk.length;
        }
        const digest = hash.digest("hex");
        modes.add(file.mode);
        bytes += size;
        const want = expected?.get(file.path);
        const mark = want === undefined ? "" : want === digest ? "  ok" : "  MISMATCH";
        if (want !== undefined && want !== digest) failures++;
        console.log(`${digest}  ${String(size).padStart(9)}  ${file.mode}  ${file.path}${mark}`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${paths.length} files, ${(bytes / 1e6).toFixed(2)} MB in ${seconds.toFixed(2)} s ` +
        `(${(paths.length / seconds).toFixed(0)} files/s, ${(bytes / 1e6 / seconds).toFixed(1)} MB/s), ` +
        `mode ${[...modes].join("+") || values.mode}, ${session.stats.dataConnections} data connection(s)`,
    );
    if (expected !== undefined && failures === 0) console.log(`all ${paths.length} files intact`);
  } catch (error) {
    console.error(`retrieve failed: ${(error as Error).message}`);
    failures++;
  } finally {
    await server?.close();
  }
  return failures === 0 ? 0 : 1;
}
