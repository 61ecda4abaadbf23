/**
 * How an entry moves: a name is reserved, an entry published, checked out,
 * released to a queue, removed, and its metadata or payload replaced. Each
 * function says which file is created, written, flushed, renamed and
 * unlinked, and in what order; the order is what keeps the invariants of
 * `mod.ts` true at every step, should the process die or the power fail.
 *
 * Every move of an entry's metadata file from one phase to the next goes
 * through {@linkcode moveToPhase}.
 *
 * @module
 */

import {
  EntryNotFoundError,
  NameInUseError,
  NameNotReservedError,
  toSpoolError,
} from "../errors.ts";
import type { FileContent } from "../fs.ts";
import type { Disk } from "./disk.ts";

/**
 * Creates `.registry/NAME` exclusively. Returns false if the name is taken.
 */
export function reserve(disk: Disk, name: string): boolean {
  const path = disk.layout.registry(name);
  try {
    disk.fs.createExclusive(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw toSpoolError(error, "reserve name", path);
  }
}

/**
 * Publishes a new entry: writes `.data/NAME` (exclusively) and `.tmp/NAME`,
 * flushes them (strict), then renames `.tmp/NAME` to `QUEUE/NAME`, which
 * makes the entry visible, and flushes the queue directory (strict). When
 * `reservedEarlier` is false, the name was reserved by this call and its
 * registry file is removed on failure; otherwise it must already exist.
 */
export async function publish(
  disk: Disk,
  queue: string,
  name: string,
  metadata: string,
  data: FileContent,
  reservedEarlier: boolean,
): Promise<void> {
  const operation = "enqueue entry";
  const { fs, layout } = disk;
  const registry = layout.registry(name);
  const dataPath = layout.data(name);
  const tmp = layout.tmp(name);
  const final = layout.queueFile(queue, name);
  if (reservedEarlier) {
    try {
      fs.touch(registry, new Date());
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) {
        throw new NameNotReservedError(
          `name ${JSON.stringify(name)} is not reserved (reserve it first)`,
          { operation, path: registry },
        );
      }
      throw toSpoolError(error, operation, registry);
    }
  }
  const state = {
    wroteData: false,
    wroteTmp: false,
    published: false,
  };
  try {
    await disk.withTmp(name, async () => {
      try {
        state.wroteData = true;
        await disk.io(() => fs.writeFile(dataPath, data, { createNew: true }));
      } catch (error) {
        if (error instanceof Deno.errors.AlreadyExists) {
          state.wroteData = false;
          throw new NameInUseError(
            `name ${JSON.stringify(name)} already has a data file`,
            { operation, path: dataPath, cause: error },
          );
        }
        throw error;
      }
      state.wroteTmp = true;
      await writeTmp(disk, tmp, metadata);
      if (disk.strict) {
        await Promise.all([
          disk.io(() => fs.syncFile(dataPath)),
          disk.io(() => fs.syncFile(tmp)),
          disk.flushDir(layout.registryDir),
          disk.flushDir(layout.dataDir),
        ]);
      }
      fs.rename(tmp, final);
      state.published = true;
    });
    if (disk.strict) await disk.flushDir(layout.queueDir(queue));
  } catch (error) {
    undoPublish(disk, name, final, { ...state, reservedNow: !reservedEarlier });
    throw toSpoolError(error, operation, final);
  }
}

function undoPublish(
  disk: Disk,
  name: string,
  final: string,
  state: {
    published: boolean;
    wroteTmp: boolean;
    wroteData: boolean;
    reservedNow: boolean;
  },
): void {
  const { layout } = disk;
  let { wroteTmp } = state;
  if (state.published) {
    // Visible already: take it back the way a consumer would. If another
    // process has it, it is in use and its files stay.
    if (!tryRename(disk, final, layout.tmp(name))) return;
    wroteTmp = true;
  }
  if (wroteTmp) disk.unlinkQuietly(layout.tmp(name));
  if (state.wroteData) disk.unlinkQuietly(layout.data(name));
  if (state.reservedNow) disk.unlinkQuietly(layout.registry(name));
}

/**
 * Checks out `QUEUE/NAME` by renaming it into `QUEUE/.checkout/`; the
 * rename is the lock. Returns false if the entry is gone.
 */
export function checkout(disk: Disk, queue: string, name: string): boolean {
  return moveToPhase(
    disk,
    disk.layout.queueFile(queue, name),
    disk.layout.checkoutFile(queue, name),
    name,
    "check out entry",
  );
}

/** Refreshes a checkout's age, for long jobs. */
export function touchCheckout(disk: Disk, queue: string, name: string): void {
  const path = disk.layout.checkoutFile(queue, name);
  try {
    touchPhase(disk, path, name);
  } catch (error) {
    throw toSpoolError(error, "touch checkout", path, EntryNotFoundError);
  }
}

/**
 * Moves a checked-out entry to `QUEUE2/NAME` (possibly its own queue),
 * first replacing its metadata when `metadata` is given.
 */
export async function release(
  disk: Disk,
  queue: string,
  name: string,
  toQueue: string,
  metadata: string | undefined,
): Promise<void> {
  const from = disk.layout.checkoutFile(queue, name);
  const to = disk.layout.queueFile(toQueue, name);
  if (metadata !== undefined) {
    await replace(disk, from, name, metadata, "save entry");
  }
  if (!moveToPhase(disk, from, to, name, "save entry")) {
    throw new EntryNotFoundError("not found", {
      operation: "save entry",
      path: from,
    });
  }
}

/** Removes a checked-out entry: metadata, then payload, then registry. */
export async function removeCheckedOut(
  disk: Disk,
  queue: string,
  name: string,
): Promise<void> {
  await remove(
    disk,
    disk.layout.checkoutFile(queue, name),
    disk.layout.checkoutDir(queue),
    name,
  );
}

/** Removes a waiting entry without a checkout. */
export async function removeWaiting(
  disk: Disk,
  queue: string,
  name: string,
): Promise<void> {
  await remove(
    disk,
    disk.layout.queueFile(queue, name),
    disk.layout.queueDir(queue),
    name,
  );
}

/** Replaces a waiting entry's metadata atomically, without a checkout. */
export async function writeQueueMetadata(
  disk: Disk,
  queue: string,
  name: string,
  metadata: string,
): Promise<void> {
  await replace(
    disk,
    disk.layout.queueFile(queue, name),
    name,
    metadata,
    "write metadata",
  );
}

/** Replaces a payload atomically through `.tmp/NAME`. */
export async function writeData(
  disk: Disk,
  name: string,
  data: FileContent,
): Promise<void> {
  const path = disk.layout.data(name);
  await replace(disk, path, name, data, "save data");
  if (disk.strict) {
    try {
      await disk.flushDir(disk.layout.dataDir);
    } catch (error) {
      throw toSpoolError(error, "save data", path);
    }
  }
}

/**
 * Moves an entry's metadata file to a new phase: touches it and the
 * registry file, then renames it. False if it was gone (taken by another
 * process).
 */
export function moveToPhase(
  disk: Disk,
  from: string,
  to: string,
  name: string,
  operation: string,
): boolean {
  try {
    touchPhase(disk, from, name);
    disk.fs.rename(from, to);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw toSpoolError(error, operation, from);
  }
}

/**
 * Replaces `target` (which must exist) by writing `.tmp/NAME`, flushing it
 * (strict) and renaming it over `target`.
 */
async function replace(
  disk: Disk,
  target: string,
  name: string,
  content: FileContent,
  operation: string,
): Promise<void> {
  const tmp = disk.layout.tmp(name);
  const { fs } = disk;
  await disk.withTmp(name, async () => {
    try {
      await disk.io(async () => {
        await writeTmp(disk, tmp, content);
        if (disk.strict) await fs.syncFile(tmp);
      });
      // Check the target is still there just before replacing it, so that
      // an entry taken away meanwhile is not recreated.
      fs.stat(target);
      fs.rename(tmp, target);
    } catch (error) {
      disk.unlinkQuietly(tmp);
      throw toSpoolError(error, operation, target, EntryNotFoundError);
    }
  });
}

async function remove(
  disk: Disk,
  metadataPath: string,
  metadataDir: string,
  name: string,
): Promise<void> {
  const operation = "remove entry";
  const { fs, layout } = disk;
  try {
    try {
      fs.touch(layout.registry(name), new Date());
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    fs.remove(metadataPath);
    // The entry is invisible once this unlink is durable; only then may its
    // payload go, or a power cut could bring back an entry with no data.
    if (disk.strict) await disk.flushDir(metadataDir);
    disk.unlinkQuietly(layout.data(name), true);
    disk.unlinkQuietly(layout.registry(name), true);
  } catch (error) {
    throw toSpoolError(error, operation, metadataPath, EntryNotFoundError);
  }
}

/**
 * Writes `.tmp/NAME` as a new file, created exclusively, which never
 * follows a symbolic link: a link planted there cannot redirect the write
 * outside the spool. A stale file in the way is unlinked first.
 */
async function writeTmp(
  disk: Disk,
  tmp: string,
  content: FileContent,
): Promise<void> {
  try {
    await disk.fs.writeFile(tmp, content, { createNew: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    disk.unlinkQuietly(tmp, true);
    await disk.fs.writeFile(tmp, content, { createNew: true });
  }
}

function touchPhase(disk: Disk, path: string, name: string): void {
  const now = new Date();
  disk.fs.touch(path, now);
  try {
    disk.fs.touch(disk.layout.registry(name), now);
  } catch (error) {
    // A visible entry without a registry file is the monitor's to report;
    // it does not stop the entry from moving on.
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

function tryRename(disk: Disk, from: string, to: string): boolean {
  try {
    disk.fs.rename(from, to);
    return true;
  } catch {
    return false;
  }
}
