/**
 * How leftovers are found and cleared, for the monitor and repair: the names
 * in each directory and their ages, a stale checkout put back in its queue,
 * and the files of an enqueue that never finished deleted in the order a
 * remove uses.
 *
 * @module
 */

import { NotASpoolError, toSpoolError } from "../errors.ts";
import { CLOCK_PROBE_PREFIX, type Dir } from "../layout.ts";
import { type Disk, withoutDotFiles } from "./disk.ts";
import { claim, release, stampPhase, writeRegistryForRepair } from "./moves.ts";

/**
 * Names of the regular files in `dir`, unsorted; the names of anything else
 * there (symbolic links, directories, ...) go to `others`, if given. Dot
 * files are skipped, except in `.tmp/` the probes of the file system's
 * clock: one left by a crash is an abandoned tmp file like any other.
 */
export async function namesIn(
  disk: Disk,
  dir: Dir,
  others?: string[],
): Promise<string[]> {
  const path = disk.layout.dirPath(dir);
  let names: string[];
  try {
    names = await disk.fs.listFiles(path, others);
  } catch (error) {
    throw toSpoolError(error, "list directory", path, NotASpoolError);
  }
  if (others !== undefined) withoutDotFiles(others);
  if (dir !== "tmp") return withoutDotFiles(names);
  return names.filter((name) =>
    !name.startsWith(".") || name.startsWith(CLOCK_PROBE_PREFIX)
  );
}

/**
 * Whether the names of `name` in `dirs` are one file: a claim that linked
 * the new name and did not unlink the old. One device and inode says so;
 * where a network file system numbers each name apart (sshfs shows the two
 * links of one file as two files), the same modification time and the same
 * contents do, which is also safe to treat so: either name then holds the
 * entry whole.
 */
export function sameFile(disk: Disk, dirs: Dir[], name: string): boolean {
  const { fs, layout } = disk;
  const paths = dirs.map((dir) => layout.file(dir, name));
  try {
    const infos = paths.map((path) => fs.lstat(path));
    const one = (key: (info: Deno.FileInfo) => unknown) =>
      new Set(infos.map(key)).size === 1;
    if (!infos.every((info) => info.isFile)) return false;
    if (one((info) => `${info.dev}:${info.ino}`)) return true;
    if (!one((info) => info.mtime?.getTime()) || !one((info) => info.size)) {
      return false;
    }
    return new Set(paths.map((path) => fs.readText(path))).size === 1;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw toSpoolError(error, "compare files", paths[0]);
  }
}

/**
 * Finishes a claim that a crash cut short between its link and its unlink:
 * the file is in `QUEUE/` and in `QUEUE/.checkout/`, and nobody holds the
 * checkout (repair waits for the checkout limit to say so). The
 * `.checkout/` name goes, so the entry waits in its queue again, as it did
 * before the claim (or after a repair's requeue, the other claim that
 * leaves this state). False, doing nothing, unless both names are still
 * that one file (see {@linkcode sameFile}).
 */
export function finishClaim(disk: Disk, queue: string, name: string): boolean {
  const both: Dir[] = [{ queue, checkout: false }, { queue, checkout: true }];
  if (!sameFile(disk, both, name)) return false;
  const path = disk.layout.checkoutFile(queue, name);
  try {
    stampPhase(disk, path, name);
    disk.fs.remove(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw toSpoolError(error, "finish claim", path);
  }
}

/**
 * The modification time of `name` in `dir`, or undefined if it is gone.
 * With `fresh`, asked of the file server rather than any cache: what the
 * monitor reports and repair acts on is checked that way.
 */
export function mtime(
  disk: Disk,
  dir: Dir,
  name: string,
  options: { fresh?: boolean } = {},
): Date | undefined {
  const path = disk.layout.file(dir, name);
  try {
    const info = options.fresh ? disk.fs.statFresh(path) : disk.fs.stat(path);
    return info.mtime ?? undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw toSpoolError(error, "stat file", path);
  }
}

/**
 * The status of `name` in `dir` (not following a symbolic link), or
 * undefined if it is gone; with `fresh`, asked of the file server.
 */
export function statIn(
  disk: Disk,
  dir: Dir,
  name: string,
  options: { fresh?: boolean } = {},
): Deno.FileInfo | undefined {
  const path = disk.layout.file(dir, name);
  try {
    const info = disk.fs.lstat(path);
    return options.fresh && info.isFile ? disk.fs.statFresh(path) : info;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw toSpoolError(error, "stat file", path);
  }
}

/**
 * Puts a stale checkout back in its queue, claiming it there as a consumer
 * claims an entry (a new phase: stamped first). Returns false, doing
 * nothing, if the checkout is gone or the queue already holds a file of
 * that name.
 */
export function requeue(disk: Disk, queue: string, name: string): boolean {
  return claim(
    disk,
    disk.layout.checkoutFile(queue, name),
    disk.layout.queueFile(queue, name),
    name,
    "requeue checkout",
  );
}

/**
 * Deletes what is left of a name that has no entry (an enqueue that never
 * finished): `.tmp/`, then `.data/`, then the registry file last, as a
 * remove does.
 */
export function removeLeftovers(disk: Disk, name: string): void {
  const { layout } = disk;
  const path = layout.registry(name);
  try {
    disk.unlinkQuietly(layout.tmp(name), true);
    disk.unlinkQuietly(layout.data(name), true);
    disk.unlinkQuietly(path, true);
  } catch (error) {
    throw toSpoolError(error, "remove leftovers", path);
  }
}

/** Deletes an abandoned `.tmp/NAME`. */
export function removeTmp(disk: Disk, name: string): void {
  const path = disk.layout.tmp(name);
  try {
    disk.unlinkQuietly(path, true);
  } catch (error) {
    throw toSpoolError(error, "remove tmp file", path);
  }
}

/**
 * Unlinks a symbolic link planted where the spool keeps files (never what
 * it points to). False, doing nothing, if `name` in `dir` is no longer a
 * symbolic link.
 */
export function removeLink(disk: Disk, dir: Dir, name: string): boolean {
  const path = disk.layout.file(dir, name);
  try {
    if (!disk.fs.lstat(path).isSymlink) return false;
    disk.fs.remove(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw toSpoolError(error, "remove symbolic link", path);
  }
}

/**
 * Gives one copy of an entry found in two places (two different files) a
 * name of its own: reserves `newName`, gives it the payload too (a hard
 * link: a later save of either payload replaces only its own name), then
 * claims the copy from `from` into `QUEUE/newName` (waiting in the queue
 * of `from`). False, with nothing left behind, if the name was taken or
 * the copy moved meanwhile.
 */
export function splitDuplicate(
  disk: Disk,
  from: Dir & object,
  name: string,
  newName: string,
): boolean {
  const { fs, layout } = disk;
  const operation = "split duplicated entry";
  const registry = layout.registry(newName);
  try {
    fs.createExclusive(registry);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw toSpoolError(error, operation, registry);
  }
  try {
    try {
      fs.link(layout.data(name), layout.data(newName));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    const moved = claim(
      disk,
      layout.file(from, name),
      layout.queueFile(from.queue, newName),
      newName,
      operation,
    );
    if (moved) return true;
  } catch (error) {
    disk.unlinkQuietly(layout.data(newName));
    disk.unlinkQuietly(registry);
    throw toSpoolError(error, operation, layout.file(from, name));
  }
  disk.unlinkQuietly(layout.data(newName));
  disk.unlinkQuietly(registry);
  return false;
}

/**
 * Moves a damaged entry out of its consumers' way, to `toQueue`, with its
 * new history: claimed from its queue (whatever its due time) and saved
 * there, or, from a stale checkout, claimed straight into `toQueue`. False,
 * doing nothing, if it moved meanwhile.
 */
export async function moveDamaged(
  disk: Disk,
  from: Dir & object,
  name: string,
  toQueue: string,
  history: string,
): Promise<boolean> {
  const { layout } = disk;
  const operation = "move damaged entry";
  if (from.checkout) {
    await writeRegistryForRepair(disk, name, history);
    return claim(
      disk,
      layout.checkoutFile(from.queue, name),
      layout.queueFile(toQueue, name),
      name,
      operation,
    );
  }
  const held = claim(
    disk,
    layout.queueFile(from.queue, name),
    layout.checkoutFile(from.queue, name),
    name,
    operation,
  );
  if (!held) return false;
  await release(disk, from.queue, name, toQueue, { history });
  return true;
}
