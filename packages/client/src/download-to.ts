/**
 * Saving retrieved files under a local folder: the module of the client that uses the
 * file system (`node:fs`, which Node, Deno and Bun all provide).
 *
 * Each file is written to a temporary name beside its target and renamed when it is
 * complete, so a cut transfer never leaves a partial file under the real name. Names
 * that could leave the folder are refused before anything is asked of the server, and
 * a subfolder that resolves outside the folder (a symlink) is refused at write time.
 *
 * @module
 */

import { mkdir, open, realpath, rename, rm } from "node:fs/promises";
import { dirname, join, resolve, sep } from "node:path";
import { FtpError, FtpUsageError } from "@ftpkit/errors";
import { localParts } from "./local-path.ts";
import type { RetrievedFile } from "./retrieved-file.ts";

/** What happened to one file of a `downloadTo`. */
export interface DownloadResult {
  /** The remote path. */
  path: string;
  /** Where it was saved (absolute), when it was. */
  localPath: string | undefined;
  /** True when the file was saved completely. */
  ok: boolean;
  /** Bytes written. */
  bytes: number;
  /** Why it was not saved. */
  error: FtpError | undefined;
}

/** Splits paths into those that can be saved and refusals. */
export function planDownloads(
  folder: string,
  paths: readonly string[],
): { root: string; safe: string[]; targets: Map<string, string>; refused: DownloadResult[] } {
  const root = resolve(folder);
  const safe: string[] = [];
  const targets = new Map<string, string>();
  const refused: DownloadResult[] = [];
  for (const path of paths) {
    try {
      const target = join(root, ...localParts(path));
      if (!target.startsWith(root + sep)) {
        throw new FtpUsageError(
          `Refusing to save ${JSON.stringify(path)}: it resolves outside "${root}"`,
        );
      }
      if (!targets.has(path)) safe.push(path);
      targets.set(path, target);
    } catch (error) {
      refused.push({ path, localPath: undefined, ok: false, bytes: 0, error: error as FtpError });
    }
  }
  return { root, safe, targets, refused };
}

/** Saves the files of a retrieve under `root`; see the module notes. */
export async function saveFiles(
  root: string,
  targets: ReadonlyMap<string, string>,
  files: AsyncIterable<RetrievedFile>,
): Promise<DownloadResult[]> {
  await mkdir(root, { recursive: true });
  const realRoot = await realpath(root);
  const results: DownloadResult[] = [];
  for await (const file of files) {
    const target = targets.get(file.path)!;
    if (!file.ok) {
      results.push({
        path: file.path,
        localPath: undefined,
        ok: false,
        bytes: 0,
        error: file.error,
      });
      continue;
    }
    results.push(await saveOne(file, target, realRoot));
  }
  return results;
}

async function saveOne(
  file: RetrievedFile,
  target: string,
  realRoot: string,
): Promise<DownloadResult> {
  const folder = dirname(target);
  let temp: string | undefined;
  let bytes = 0;
  try {
    await mkdir(folder, { recursive: true });
    const realFolder = await realpath(folder);
    if (realFolder !== realRoot && !realFolder.startsWith(realRoot + sep)) {
      throw new FtpUsageError(
        `Refusing to save "${file.path}": its folder "${folder}" resolves to "${realFolder}", outside "${realRoot}"`,
      );
    }
    temp = `${target}.${Math.random().toString(36).slice(2, 10)}.ftpkit-part`;
    // "wx": never follow or overwrite something already at the temporary name.
    const handle = await open(temp, "wx", 0o644);
    try {
      for await (const chunk of file.body) {
        await handle.write(chunk);
        bytes += chunk.length;
      }
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    return { path: file.path, localPath: target, ok: true, bytes, error: undefined };
  } catch (error) {
    if (temp !== undefined) await rm(temp, { force: true }).catch(() => {});
    await file.body.cancel().catch(() => {});
    await file.settle();
    const e = FtpError.isInstance(error)
      ? error
      : new FtpUsageError(
          `Cannot save "${file.path}" to "${target}": ${error instanceof Error ? error.message : String(error)}`,
          {
            cause: error,
          },
        );
    return { path: file.path, localPath: undefined, ok: false, bytes, error: e };
  }
}
