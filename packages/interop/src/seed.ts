/**
 * Test folders for the real servers: a temporary root the servers' login user can
 * reach, and files with known content, generated from their names so that a test can
 * check every byte it received without reading the folder back.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { FtpUsageError } from "@ftpkit/errors";

/** How generated content looks: `"random"` bytes (incompressible) or `"text"` lines. */
export type SeedContent = "random" | "text";

/** A series of generated files: `count` files of `size` bytes. */
export interface SeedSeries {
  readonly count: number;
  /** Size of each file in bytes. */
  readonly size: number;
  /** Folder (relative to the root) the files go in; default the root itself. */
  readonly dir?: string;
  /** Names are `${prefix}${index, 4 digits}${suffix}`: default `"file-"` and `".bin"`. */
  readonly prefix?: string;
  readonly suffix?: string;
  /** Default `"random"`. */
  readonly content?: SeedContent;
}

/** What {@link seedRoot} puts into a root. */
export interface SeedSpec {
  /**
   * The fixture set the probes of real-servers.md used: `hello.txt` ("hello\n", mtime
   * 2020-01-02T03:04:05Z), `text.txt` (1000 LF lines), `rand.bin` (1 MiB random),
   * `dir/inner.txt`, `name with spaces.txt` and `ünïcödé.txt`.
   */
  readonly standard?: boolean;
  /** Generated files. */
  readonly series?: readonly SeedSeries[];
  /** Files with given content, by relative path. */
  readonly files?: Readonly<Record<string, string | Uint8Array>>;
}

/** One file {@link seedRoot} wrote. */
export interface SeededFile {
  /** Relative to the root, "/"-separated, e.g. `"many/file-0007.bin"`. */
  readonly path: string;
  readonly size: number;
  /** Lowercase hex SHA-256 of the content. */
  readonly sha256: string;
}

const CHUNK = 1 << 20;

// FNV-1a, 32 bit: turns a path into a PRNG seed.
function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h || 1;
}

/**
 * The content of a generated file, chunk by chunk (at most 1 MiB each), so that large
 * files never sit in memory whole. The same `path`, `size` and `content` always give
 * the same bytes.
 */
export function* seedChunks(
  path: string,
  size: number,
  content: SeedContent = "random",
): Generator<Uint8Array> {
  if (content === "text") {
    yield* textChunks(path, size);
    return;
  }
  // xorshift32: fast, deterministic, and good enough to defeat compression.
  let state = hashName(path);
  for (let offset = 0; offset < size; offset += CHUNK) {
    const length = Math.min(CHUNK, size - offset);
    const words = new Uint32Array(Math.ceil(length / 4));
    for (let i = 0; i < words.length; i++) {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      words[i] = state >>> 0;
    }
    yield new Uint8Array(words.buffer, 0, length);
  }
}

function* textChunks(path: string, size: number): Generator<Uint8Array> {
  const encoder = new TextEncoder();
  let line = 0;
  let pending = new Uint8Array(0);
  let produced = 0;
  while (produced < size) {
    const chunk = new Uint8Array(Math.min(CHUNK, size - produced));
    let filled = 0;
    while (filled < chunk.length) {
      if (pending.length === 0) {
        pending = encoder.encode(
          `${String(line).padStart(8, "0")} ${path} the quick brown fox jumps over the lazy dog\n`,
        );
        line++;
      }
      const take = Math.min(pending.length, chunk.length - filled);
      chunk.set(pending.subarray(0, take), filled);
      pending = pending.subarray(take);
      filled += take;
    }
    produced += chunk.length;
    yield chunk;
  }
}

/**
 * The whole content of a generated file (see {@link seedChunks}); for small files.
 *
 * @example
 * ```ts
 * expect(await file.bytes()).toEqual(seedContent("many/file-0003.bin", 16384));
 * ```
 */
export function seedContent(
  path: string,
  size: number,
  content: SeedContent = "random",
): Uint8Array {
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of seedChunks(path, size, content)) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** The name of file `index` of a series, relative to the root. */
export function seriesPath(series: SeedSeries, index: number): string {
  const name = `${series.prefix ?? "file-"}${String(index).padStart(4, "0")}${series.suffix ?? ".bin"}`;
  return series.dir === undefined || series.dir === ""
    ? name
    : `${series.dir.replace(/\/+$/, "")}/${name}`;
}

function checkRelative(path: string): void {
  const parts = path.split("/");
  if (
    path === "" ||
    path.startsWith("/") ||
    path.includes("\0") ||
    parts.includes("..") ||
    parts.includes(".")
  ) {
    throw new FtpUsageError(`Seed paths must be relative and stay inside the root, got "${path}"`);
  }
}

async function writeGenerated(
  root: string,
  path: string,
  size: number,
  content: SeedContent,
): Promise<SeededFile> {
  checkRelative(path);
  const target = join(root, path);
  await mkdir(dirname(target), { recursive: true });
  const hash = createHash("sha256");
  if (size <= CHUNK) {
    const bytes = seedContent(path, size, content);
    hash.update(bytes);
    await writeFile(target, bytes);
  } else {
    const out = createWriteStream(target);
    const done = new Promise<void>((resolve, reject) => {
      out.once("finish", resolve);
      out.once("error", reject);
    });
    for (const chunk of seedChunks(path, size, content)) {
      hash.update(chunk);
      if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", resolve));
    }
    out.end();
    await done;
  }
  return { path, size, sha256: hash.digest("hex") };
}

async function writeGiven(
  root: string,
  path: string,
  data: string | Uint8Array,
): Promise<SeededFile> {
  checkRelative(path);
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const target = join(root, path);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, bytes);
  return { path, size: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") };
}

/**
 * Writes files into `dir` (created if missing) and returns what it wrote, in order:
 * the standard set first, then each series, then `files`.
 *
 * @example
 * ```ts
 * const files = await seedRoot(root, { series: [{ count: 200, size: 16 * 1024, dir: "many" }] });
 * console.log(files[0]); // { path: "many/file-0000.bin", size: 16384, sha256: "…" }
 * ```
 */
export async function seedRoot(dir: string, spec: SeedSpec): Promise<SeededFile[]> {
  await mkdir(dir, { recursive: true });
  const written: SeededFile[] = [];
  if (spec.standard === true) {
    const text = Array.from(
      { length: 1000 },
      (_, i) => `text line ${String(i).padStart(4, "0")}\n`,
    ).join("");
    written.push(await writeGiven(dir, "hello.txt", "hello\n"));
    written.push(await writeGiven(dir, "text.txt", text));
    written.push(await writeGenerated(dir, "rand.bin", 1 << 20, "random"));
    written.push(await writeGiven(dir, "dir/inner.txt", "inner\n"));
    written.push(await writeGiven(dir, "name with spaces.txt", "spaces\n"));
    written.push(await writeGiven(dir, "\u00fcn\u00efc\u00f6d\u00e9.txt", "unicode\n"));
    const when = new Date("2020-01-02T03:04:05Z");
    await utimes(join(dir, "hello.txt"), when, when);
  }
  for (const series of spec.series ?? []) {
    if (!Number.isInteger(series.count) || series.count < 0 || series.count > 100_000) {
      throw new FtpUsageError(
        `Series count must be an integer in 0..100000, got "${series.count}"`,
      );
    }
    if (!Number.isInteger(series.size) || series.size < 0) {
      throw new FtpUsageError(`Series size must be a non-negative integer, got "${series.size}"`);
    }
    for (let i = 0; i < series.count; i++) {
      written.push(
        await writeGenerated(dir, seriesPath(series, i), series.size, series.content ?? "random"),
      );
    }
  }
  for (const [path, data] of Object.entries(spec.files ?? {})) {
    written.push(await writeGiven(dir, path, data));
  }
  return written;
}

/** A temporary folder to serve; removed on dispose. */
export interface TempRoot extends AsyncDisposable {
  readonly path: string;
  /** Removes the folder and everything in it; twice is harmless. */
  remove(): Promise<void>;
}

/**
 * Creates an empty folder under the system temp dir with mode 0755, so that servers
 * running as the unprivileged login user can enter it.
 *
 * @example
 * ```ts
 * await using root = await createTempRoot("vsftpd-");
 * await seedRoot(root.path, { standard: true });
 * ```
 */
export async function createTempRoot(prefix = "ftpkit-root-"): Promise<TempRoot> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  await chmod(path, 0o755);
  let removing: Promise<void> | undefined;
  const remove = (): Promise<void> => {
    removing ??= rm(path, { recursive: true, force: true });
    return removing;
  };
  return { path, remove, [Symbol.asyncDispose]: remove };
}
