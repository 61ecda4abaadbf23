/**
 * How a spool is opened: which directories must exist, which are created
 * (and in what order) when they are missing, and how the queues of a spool
 * are found on disk.
 *
 * @module
 */

import { NotASpoolError, QueueNotFoundError, toSpoolError } from "../errors.ts";
import type { FileSystem } from "../fs.ts";
import { REGISTRY } from "./layout.ts";
import { Disk } from "./disk.ts";

/**
 * Checks that the directory is a spool with `queues`, creating what is
 * missing when `createIfMissing` is set. A non-empty directory that is not
 * a spool is never turned into one.
 */
export async function openSpoolDir(
  disk: Disk,
  queues: readonly string[],
  createIfMissing: boolean,
  operation: string = createIfMissing ? "create spool" : "load spool",
): Promise<void> {
  const { layout, fs } = disk;
  const { dir, registryDir } = layout;
  const created: string[] = [];
  try {
    let info: Deno.FileInfo | undefined;
    try {
      info = fs.stat(dir);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound) || !createIfMissing) {
        throw toSpoolError(error, operation, dir, NotASpoolError);
      }
    }
    if (info !== undefined && !info.isDirectory) {
      throw new NotASpoolError("not a directory", { operation, path: dir });
    }
    const isSpool = info !== undefined && isDirectory(fs, registryDir);
    if (!isSpool) {
      if (!createIfMissing) {
        throw new NotASpoolError(
          `not a spool (no ${REGISTRY}/ directory)`,
          { operation, path: dir },
        );
      }
      if (info !== undefined && fs.list(dir).length > 0) {
        throw new NotASpoolError(
          "refusing to make a spool in a non-empty directory that is not one",
          { operation, path: dir },
        );
      }
      // `.registry/` first: from then on another process creating the same
      // spool sees a spool and only adds what is missing.
      fs.mkdir(registryDir);
      created.push(dir, registryDir);
    }
    const needed = [
      layout.tmpDir,
      layout.dataDir,
      ...queues.flatMap((q) => [layout.queueDir(q), layout.checkoutDir(q)]),
    ];
    for (const path of needed) {
      const kind = kindOf(fs, path);
      if (kind === "directory") continue;
      if (!createIfMissing || kind === "other") {
        const isQueue = path !== layout.tmpDir && path !== layout.dataDir;
        const rel = path.slice(dir.length + 1);
        const reason = kind === "other"
          ? `${rel} exists but is not a directory`
          : `missing directory ${rel}/`;
        throw isQueue
          ? new QueueNotFoundError(reason, { operation, path })
          : new NotASpoolError(reason, { operation, path });
      }
      fs.mkdir(path);
      created.push(path);
    }
    if (disk.strict && created.length > 0) {
      // Each new directory's entry lives in its parent: flush the parents.
      // The spool directory's own parent may lie outside what this
      // process was granted (`--allow-read=SPOOL`): then it stays
      // unflushed, as the journal of the file system will soon flush it.
      const parents = new Set(created.map(parentOf));
      await Promise.all([...parents].map(async (path) => {
        try {
          await fs.syncDir(path);
        } catch (error) {
          if (path === dir || !(error instanceof Deno.errors.NotCapable)) {
            throw error;
          }
        }
      }));
    }
    // Read the file system's clock now, not in the middle of the first
    // operation that stamps an entry; how long its probe took says where
    // the quick calls start.
    disk.clock.now();
    disk.calls.startFrom(() => disk.clock.probeNow(), disk.clock.probeMs);
  } catch (error) {
    throw toSpoolError(error, operation, dir, NotASpoolError);
  }
}

/**
 * The queues of the spool in `dir`, as found on disk (see
 * {@linkcode discoverQueues}), once it is known to be a spool.
 */
export async function findQueues(
  fs: FileSystem,
  dir: string,
): Promise<string[]> {
  const disk = new Disk(dir, { fs, durability: "relaxed", ioConcurrency: 1 });
  await openSpoolDir(disk, [], false, "find queues");
  return discoverQueues(disk);
}

/** The queues on disk: directories (not dot-named) holding `.checkout/`. */
export function discoverQueues(disk: Disk): string[] {
  const { layout, fs } = disk;
  let items;
  try {
    items = fs.list(layout.dir);
  } catch (error) {
    throw toSpoolError(error, "find queues", layout.dir, NotASpoolError);
  }
  return items
    .filter((item) => {
      if (item.isFile || item.name.startsWith(".")) return false;
      const checkouts = layout.checkoutDir(item.name);
      try {
        return isDirectory(fs, checkouts);
      } catch (error) {
        throw toSpoolError(error, "find queues", checkouts);
      }
    })
    .map((item) => item.name)
    .sort();
}

function isDirectory(fs: FileSystem, path: string): boolean {
  return kindOf(fs, path) === "directory";
}

function kindOf(
  fs: FileSystem,
  path: string,
): "directory" | "other" | "missing" {
  try {
    return fs.stat(path).isDirectory ? "directory" : "other";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
}
