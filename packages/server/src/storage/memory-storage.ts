/**
 * A storage held in memory, seeded directly by tests.
 *
 * @module
 */

import { baseName, parentPath, resolvePath } from "../virtual-path.ts";
import {
  type Storage,
  type StorageEntry,
  StorageError,
  type StorageWriteOptions,
  type StorageWriter,
} from "./types.ts";

/** One seeded file with its metadata. */
export interface MemoryFileSeed {
  data: string | Uint8Array;
  modified?: Date;
  mode?: number;
}

/**
 * What {@link memoryStorage} starts with: paths (relative or absolute) mapped to file
 * contents (a string is stored as UTF-8). A path ending in `/` is a directory. Parent
 * directories are created as needed.
 */
export type MemorySeed = Record<string, string | Uint8Array | MemoryFileSeed>;

/** A {@link Storage} in memory, with direct access for tests. */
export interface MemoryStorage extends Storage {
  /** The bytes of the file at `path`; throws a `StorageError` when there is none. */
  readFile(path: string): Uint8Array;
  /** Creates or replaces the file at `path` (parents created as needed). */
  writeFile(path: string, data: string | Uint8Array, modified?: Date): void;
  /** True when a file or directory exists at `path`. */
  has(path: string): boolean;
}

interface FileNode {
  kind: "file";
  data: Uint8Array;
  modified: Date;
  mode: number;
}

interface DirectoryNode {
  kind: "directory";
  children: Map<string, FileNode | DirectoryNode>;
  modified: Date;
  mode: number;
}

type MemoryNode = FileNode | DirectoryNode;

// Chunks handed out by read(): views of the stored bytes, never copies.
const READ_CHUNK = 64 * 1024;
const encoder = new TextEncoder();

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data;
}

function segments(path: string): string[] {
  return resolvePath("/", path).split("/").filter(Boolean);
}

function entryOf(name: string, node: MemoryNode): StorageEntry {
  return {
    name,
    kind: node.kind,
    size: node.kind === "file" ? node.data.byteLength : 0,
    modified: node.modified,
    mode: node.mode,
  };
}

class MemoryWriter implements StorageWriter {
  readonly #chunks: Uint8Array[] = [];
  readonly #commit: (chunks: Uint8Array[]) => void;
  #done = false;

  constructor(commit: (chunks: Uint8Array[]) => void) {
    this.#commit = commit;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.#done) throw new StorageError("Write after the upload ended", "other");
    // Copy: the caller may hand out views of buffers it reuses.
    this.#chunks.push(chunk.slice());
  }

  async close(): Promise<void> {
    if (this.#done) return;
    this.#done = true;
    this.#commit(this.#chunks);
  }

  async abort(): Promise<void> {
    await this.close();
  }
}

class MemoryStorageImpl implements MemoryStorage {
  readonly #root: DirectoryNode = {
    kind: "directory",
    children: new Map(),
    modified: new Date(),
    mode: 0o755,
  };

  #lookup(path: string): MemoryNode | undefined {
    let node: MemoryNode = this.#root;
    for (const name of segments(path)) {
      if (node.kind !== "directory") return undefined;
      const next = node.children.get(name);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  #directory(path: string): DirectoryNode {
    const node = this.#lookup(path);
    if (node === undefined) throw new StorageError(`No such directory: "${path}"`, "not-found");
    if (node.kind !== "directory") {
      throw new StorageError(`Not a directory: "${path}"`, "not-directory");
    }
    return node;
  }

  #file(path: string): FileNode {
    const node = this.#lookup(path);
    if (node === undefined) throw new StorageError(`No such file: "${path}"`, "not-found");
    if (node.kind !== "file") throw new StorageError(`Is a directory: "${path}"`, "is-directory");
    return node;
  }

  /** The parent directory of `path`, created when `create` is set. */
  #parent(path: string, create: boolean): DirectoryNode {
    const names = segments(path);
    names.pop();
    let node: DirectoryNode = this.#root;
    for (const name of names) {
      let next = node.children.get(name);
      if (next === undefined && create) {
        next = { kind: "directory", children: new Map(), modified: new Date(), mode: 0o755 };
        node.children.set(name, next);
      }
      if (next === undefined) {
        throw new StorageError(`No such directory: "${parentPath(path)}"`, "not-found");
      }
      if (next.kind !== "directory") {
        throw new StorageError(`Not a directory: "${parentPath(path)}"`, "not-directory");
      }
      node = next;
    }
    return node;
  }

  seedDirectory(path: string): void {
    const name = baseName(resolvePath("/", path));
    if (name === "") return;
    const parent = this.#parent(path, true);
    if (!parent.children.has(name)) {
      parent.children.set(name, {
        kind: "directory",
        children: new Map(),
        modified: new Date(),
        mode: 0o755,
      });
    }
  }

  readFile(path: string): Uint8Array {
    return this.#file(path).data;
  }

  writeFile(path: string, data: string | Uint8Array, modified = new Date(), mode = 0o644): void {
    const name = baseName(resolvePath("/", path));
    if (name === "") throw new StorageError(`Is a directory: "/"`, "is-directory");
    const parent = this.#parent(path, true);
    const existing = parent.children.get(name);
    if (existing?.kind === "directory") {
      throw new StorageError(`Is a directory: "${path}"`, "is-directory");
    }
    parent.children.set(name, { kind: "file", data: bytesOf(data), modified, mode });
  }

  has(path: string): boolean {
    return this.#lookup(path) !== undefined;
  }

  async stat(path: string): Promise<StorageEntry | undefined> {
    const node = this.#lookup(path);
    return node === undefined ? undefined : entryOf(baseName(resolvePath("/", path)), node);
  }

  async list(path: string): Promise<StorageEntry[]> {
    const dir = this.#directory(path);
    return [...dir.children.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, node]) => entryOf(name, node));
  }

  async *read(path: string, offset = 0): AsyncIterable<Uint8Array> {
    const data = this.#file(path).data;
    for (let at = Math.min(offset, data.byteLength); at < data.byteLength; at += READ_CHUNK) {
      yield data.subarray(at, Math.min(at + READ_CHUNK, data.byteLength));
    }
  }

  async write(path: string, options: StorageWriteOptions = {}): Promise<StorageWriter> {
    const name = baseName(resolvePath("/", path));
    const parent = this.#parent(path, false);
    const existing = parent.children.get(name);
    if (name === "" || existing?.kind === "directory") {
      throw new StorageError(`Is a directory: "${path}"`, "is-directory");
    }
    let prefix: Uint8Array = new Uint8Array(0);
    if (existing !== undefined && options.append) prefix = existing.data;
    else if (existing !== undefined && options.offset !== undefined) {
      prefix = existing.data.subarray(0, options.offset);
    }
    // The file exists (empty, or cut at the offset) from the moment the upload starts.
    const node: FileNode = { kind: "file", data: prefix, modified: new Date(), mode: 0o644 };
    parent.children.set(name, node);
    return new MemoryWriter((chunks) => {
      let length = prefix.byteLength;
      for (const c of chunks) length += c.byteLength;
      const data = new Uint8Array(length);
      data.set(prefix, 0);
      let at = prefix.byteLength;
      for (const c of chunks) {
        data.set(c, at);
        at += c.byteLength;
      }
      node.data = data;
      node.modified = new Date();
    });
  }

  async makeDirectory(path: string): Promise<void> {
    const name = baseName(resolvePath("/", path));
    const parent = this.#parent(path, false);
    if (name === "" || parent.children.has(name)) {
      throw new StorageError(`Already exists: "${path}"`, "exists");
    }
    parent.children.set(name, {
      kind: "directory",
      children: new Map(),
      modified: new Date(),
      mode: 0o755,
    });
  }

  async removeDirectory(path: string): Promise<void> {
    const name = baseName(resolvePath("/", path));
    if (name === "") throw new StorageError(`Cannot remove the root directory`, "denied");
    const dir = this.#directory(path);
    if (dir.children.size > 0)
      throw new StorageError(`Directory not empty: "${path}"`, "not-empty");
    this.#parent(path, false).children.delete(name);
  }

  async remove(path: string): Promise<void> {
    this.#file(path);
    this.#parent(path, false).children.delete(baseName(resolvePath("/", path)));
  }

  async rename(from: string, to: string): Promise<void> {
    const node = this.#lookup(from);
    const fromName = baseName(resolvePath("/", from));
    if (node === undefined || fromName === "") {
      throw new StorageError(`No such file or directory: "${from}"`, "not-found");
    }
    const toNormal = resolvePath("/", to);
    const fromNormal = resolvePath("/", from);
    if (toNormal === fromNormal) return;
    if (toNormal.startsWith(`${fromNormal}/`)) {
      throw new StorageError(`Cannot move "${from}" into itself ("${to}")`, "denied");
    }
    const target = this.#parent(to, false);
    const toName = baseName(toNormal);
    if (toName === "" || target.children.get(toName)?.kind === "directory") {
      throw new StorageError(`Already exists as a directory: "${to}"`, "exists");
    }
    this.#parent(from, false).children.delete(fromName);
    target.children.set(toName, node);
  }

  async setModified(path: string, modified: Date): Promise<void> {
    const node = this.#lookup(path);
    if (node === undefined) throw new StorageError(`No such file: "${path}"`, "not-found");
    node.modified = modified;
  }
}

/**
 * A storage in memory, seeded with files and directories.
 *
 * @example
 * ```ts
 * const storage = memoryStorage({ "a.txt": "hello\n", "pub/b.bin": new Uint8Array(1024), "empty/": "" });
 * storage.readFile("/a.txt"); // Uint8Array of "hello\n"
 * ```
 */
export function memoryStorage(seed: MemorySeed = {}): MemoryStorage {
  const storage = new MemoryStorageImpl();
  for (const [path, value] of Object.entries(seed)) {
    if (path.endsWith("/")) {
      storage.seedDirectory(path);
      continue;
    }
    if (typeof value === "string" || value instanceof Uint8Array) storage.writeFile(path, value);
    else storage.writeFile(path, value.data, value.modified, value.mode);
  }
  return storage;
}
