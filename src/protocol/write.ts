/**
 * How files are written: new ones created exclusively (never through a
 * planted symbolic link), existing ones replaced through `.tmp/NAME` and a
 * rename, so that no reader sees half a file; flushed in strict durability,
 * within the I/O limit.
 *
 * @module
 */

import { EntryNotFoundError, toSpoolError } from "../errors.ts";
import type { FileContent, WrittenFile } from "../fs.ts";
import type { Disk } from "./disk.ts";
import { dueOf, setDue } from "./due.ts";

/**
 * Replaces a waiting entry's metadata atomically, without a checkout; a
 * due time it has is kept.
 */
export async function writeQueueMetadata(
  disk: Disk,
  queue: string,
  name: string,
  metadata: string,
): Promise<void> {
  const operation = "write metadata";
  const path = disk.layout.queueFile(queue, name);
  let due: Date | undefined;
  try {
    due = dueOf(disk, disk.fs.stat(path));
  } catch (error) {
    throw toSpoolError(error, operation, path, EntryNotFoundError);
  }
  await replace(disk, path, name, metadata, operation, { due });
}

/** Replaces a payload atomically through `.tmp/NAME`. */
export async function writeData(
  disk: Disk,
  name: string,
  data: FileContent,
): Promise<void> {
  const path = disk.layout.data(name);
  const since = disk.mark();
  await replace(disk, path, name, data, "save data");
  if (disk.strict) {
    try {
      await disk.flushDir(disk.layout.dataDir, since);
    } catch (error) {
      throw toSpoolError(error, "save data", path);
    }
  }
}

/**
 * Replaces `target` (which must exist) by writing `.tmp/NAME`, dating it
 * with `options.due` (a due time) or `options.date` (a stamp to keep) if
 * given, flushing it (strict) and renaming it over `target`. Just before
 * the rename, `options.verify` (if given) proves the caller may still
 * replace it, and throws if not.
 */
export async function replace(
  disk: Disk,
  target: string,
  name: string,
  content: FileContent,
  operation: string,
  options: {
    due?: Date;
    date?: Date;
    verify?: () => Promise<unknown>;
    flush?: boolean;
  } = {},
): Promise<void> {
  const { due, date, flush = true } = options;
  const tmp = disk.layout.tmp(name);
  const { fs } = disk;
  await disk.withTmp(name, async () => {
    try {
      await disk.io(async () => {
        const file = await writeTmp(disk, tmp, content);
        try {
          if (due !== undefined) setDue(disk, tmp, due);
          else if (date !== undefined) fs.touch(tmp, date);
          if (disk.strict && flush) await file!.sync();
        } finally {
          file?.close();
        }
      });
      // Check the target is still there (or still the caller's) just
      // before replacing it, so that an entry taken away meanwhile is not
      // recreated.
      if (options.verify !== undefined) await options.verify();
      else fs.stat(target);
      await disk.calls.rename(tmp, target);
    } catch (error) {
      disk.unlinkQuietly(tmp);
      throw toSpoolError(error, operation, target, EntryNotFoundError);
    }
  });
}

/**
 * Writes a new file exclusively, flushed in strict durability, and closes
 * it: a file to be renamed over another later.
 */
export async function writeNewFile(
  disk: Disk,
  path: string,
  content: FileContent,
): Promise<void> {
  await disk.io(async () => {
    const file = await writeNew(disk, path, content);
    try {
      if (disk.strict) await file!.sync();
    } finally {
      file?.close();
    }
  });
}

/**
 * Writes `.tmp/NAME` as a new file (see {@linkcode writeNew}), created
 * exclusively, which never follows a symbolic link: a link planted there
 * cannot redirect the write outside the spool. A stale file in the way is
 * unlinked first.
 */
export async function writeTmp(
  disk: Disk,
  tmp: string,
  content: FileContent,
): Promise<WrittenFile | undefined> {
  try {
    return await writeNew(disk, tmp, content);
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    disk.unlinkQuietly(tmp, true);
    return await writeNew(disk, tmp, content);
  }
}

/**
 * Creates a file exclusively with `content`. Strict: returns it open, for
 * the caller to flush and close; relaxed: closed, and undefined.
 */
export async function writeNew(
  disk: Disk,
  path: string,
  content: FileContent,
): Promise<WrittenFile | undefined> {
  // Where the quick calls go, the opens and small writes go too.
  const offThread = disk.calls.offThread;
  if (disk.strict) {
    return await disk.fs.createFile(path, content, { offThread });
  }
  await disk.fs.writeFile(path, content, { createNew: true, offThread });
  return undefined;
}

/** A new file being written by {@linkcode writeFlushed}. */
export interface FlushedWrite {
  /** Settles once the file exists, written (or could not be). */
  written: Promise<void>;
  /** Settles once it is flushed (strict) and closed. */
  done: Promise<void>;
}

/**
 * Writes a new file with `write` ({@linkcode writeNew} or
 * {@linkcode writeTmp}) and, in strict durability, flushes it through the
 * descriptor that wrote it, all within one I/O slot, so that open files
 * stay within the I/O limit. `beforeFlush` runs once it is written.
 */
export function writeFlushed(
  disk: Disk,
  write: () => Promise<WrittenFile | undefined>,
  beforeFlush?: () => void,
): FlushedWrite {
  const written = Promise.withResolvers<void>();
  const done = disk.io(async () => {
    let file: WrittenFile | undefined;
    try {
      file = await write();
      beforeFlush?.();
    } catch (error) {
      file?.close();
      written.reject(error);
      throw error;
    }
    written.resolve();
    try {
      await file?.sync();
    } finally {
      file?.close();
    }
  });
  // Whoever waits on one of the two learns of a failure; the other must not
  // be reported as unhandled.
  written.promise.catch(() => {});
  done.catch(() => {});
  return { written: written.promise, done };
}

/**
 * Waits for every promise to settle (so that nothing still runs on a file
 * about to be closed or unlinked), then throws the first failure.
 */
export async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

/** Whether a promise has rejected (it must have settled). */
export async function isRejected(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return false;
  } catch {
    return true;
  }
}
