/**
 * Due times on disk: an entry waiting in its queue is due at its metadata
 * file's modification time, when that is ahead of now on the file system's
 * clock, as Postfix dates its deferred queue files.
 *
 * @module
 */

import {
  EntryNotFoundError,
  onPath,
  SpoolError,
  toSpoolError,
} from "../errors.ts";
import type { Disk } from "./disk.ts";

/**
 * The due time a waiting entry's metadata file carries: its modification
 * time, when that is ahead of now on the file system's clock.
 */
export function dueOf(disk: Disk, info: Deno.FileInfo): Date | undefined {
  const mtime = info.mtime;
  return mtime !== null && mtime.getTime() > disk.clock.now().getTime()
    ? mtime
    : undefined;
}

/**
 * The due time of an entry waiting in `queue` (see {@linkcode dueOf}), from
 * a look that a network file system may answer from its cache: for readers,
 * which look often and list again anyway.
 *
 * @throws {EntryNotFoundError} If the entry is not waiting there.
 */
export function waitingDue(
  disk: Disk,
  queue: string,
  name: string,
): Date | undefined {
  return onPath(
    "read due time",
    disk.layout.queueFile(queue, name),
    EntryNotFoundError,
    (path) => dueOf(disk, disk.fs.lstat(path)),
  );
}

/**
 * Dates a metadata file that is about to enter a queue with its due time:
 * its modification time, as Postfix dates its deferred queue files. A file
 * system that keeps coarser times than asked (sshfs keeps whole seconds)
 * gets the next whole second, so that no rounding makes an entry due early.
 */
export function setDue(disk: Disk, path: string, due: Date): Date {
  const { fs } = disk;
  fs.touch(path, due);
  const kept = fs.stat(path).mtime;
  if (kept === null || kept.getTime() >= due.getTime()) return due;
  const rounded = new Date(Math.ceil(due.getTime() / 1000) * 1000);
  fs.touch(path, rounded);
  // Still early: the file system cannot date a file that far ahead (ext4
  // stops in 2446, or in 2038 with small inodes); an entry must not become
  // due centuries early without a word.
  const again = fs.stat(path).mtime;
  if (again !== null && again.getTime() < due.getTime()) {
    throw new SpoolError(
      `the file system cannot keep a due time as far ahead as ${due.toISOString()} (it kept ${again.toISOString()})`,
      { operation: "set due time", path },
    );
  }
  return rounded;
}

/**
 * Makes a waiting entry due now if its due time is ahead. Returns the due
 * time it had, or undefined if it was due already.
 *
 * @throws {EntryNotFoundError} If the entry is not waiting in its queue.
 */
export function makeDue(
  disk: Disk,
  queue: string,
  name: string,
): Date | undefined {
  const path = disk.layout.queueFile(queue, name);
  try {
    const due = dueOf(disk, disk.fs.statFresh(path));
    // A consumer that checks the entry out meanwhile stamps it anyway; a
    // new attempt put back under the same name meanwhile is made due too,
    // which is what was asked.
    if (due !== undefined) disk.fs.touch(path, disk.clock.now());
    return due;
  } catch (error) {
    throw toSpoolError(error, "make entry due", path, EntryNotFoundError);
  }
}
