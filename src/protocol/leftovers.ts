/**
 * How leftovers are found and cleared, for the monitor and repair: the names
 * in each directory and their ages, a stale checkout put back in its queue,
 * and the files of an enqueue that never finished deleted in the order a
 * remove uses.
 *
 * @module
 */

import { NotASpoolError, toSpoolError } from "../errors.ts";
import type { Dir } from "../layout.ts";
import { type Disk, withoutDotFiles } from "./disk.ts";
import { moveToPhase } from "./moves.ts";

/** Names of the files in `dir` (dot files skipped), unsorted. */
export async function namesIn(disk: Disk, dir: Dir): Promise<string[]> {
  const path = disk.layout.dirPath(dir);
  try {
    return withoutDotFiles(await disk.fs.listFiles(path));
  } catch (error) {
    throw toSpoolError(error, "list directory", path, NotASpoolError);
  }
}

/** The modification time of `name` in `dir`, or undefined if it is gone. */
export function mtime(disk: Disk, dir: Dir, name: string): Date | undefined {
  const path = disk.layout.file(dir, name);
  try {
    return disk.fs.stat(path).mtime ?? undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw toSpoolError(error, "stat file", path);
  }
}

/**
 * Moves a stale checkout back to its queue (a new phase: touched first).
 * Returns false, doing nothing, if the checkout is gone or the queue
 * already holds a file of that name.
 */
export function requeue(disk: Disk, queue: string, name: string): boolean {
  if (mtime(disk, { queue, checkout: false }, name) !== undefined) {
    return false;
  }
  return moveToPhase(
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
