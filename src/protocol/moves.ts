/**
 * How an entry moves: a name is reserved, an entry published, checked out,
 * released to a queue, removed, and its metadata or payload replaced. Each
 * function says which file is created, written, flushed, renamed and
 * unlinked, and in what order; the order is what keeps the invariants of
 * `mod.ts` true at every step, should the process die or the power fail.
 *
 * An entry's metadata file changes phase in one of two ways:
 * - {@linkcode claim}, wherever two processes may race for the same file
 *   (checking out a waiting entry, repair putting back a stale checkout):
 *   link the new name, then unlink the old one. Only that is exclusive on a
 *   network file system: GlusterFS can tell two clients that both their
 *   renames of one file into `.checkout/` succeeded, but never that both
 *   their links to one name did.
 * - {@linkcode moveToPhase}, a rename, where only the holder of the entry
 *   moves it (saving a checkout): atomic, one call.
 *
 * An answer that may be a lost reply of a network file system is checked
 * against what is on disk before it is believed.
 *
 * @module
 */

import {
  EntryNotFoundError,
  NameInUseError,
  NameNotReservedError,
  toSpoolError,
} from "../errors.ts";
import { type FileContent, isStale } from "../fs.ts";
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
      fs.touch(registry, disk.clock.now());
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
      renameVerified(disk, tmp, final);
      state.published = true;
    });
    if (disk.strict) await disk.flushDir(layout.queueDir(queue));
  } catch (error) {
    undoPublish(disk, queue, name, { ...state, reservedNow: !reservedEarlier });
    throw toSpoolError(error, operation, final);
  }
}

function undoPublish(
  disk: Disk,
  queue: string,
  name: string,
  state: {
    published: boolean;
    wroteTmp: boolean;
    wroteData: boolean;
    reservedNow: boolean;
  },
): void {
  const { layout } = disk;
  if (state.published) {
    // Visible already: take it back the way a consumer would. If another
    // process has it, it is in use and its files stay.
    const checkedOut = layout.checkoutFile(queue, name);
    try {
      const waiting = layout.queueFile(queue, name);
      if (!claim(disk, waiting, checkedOut, name, "enqueue entry")) return;
    } catch {
      return;
    }
    disk.unlinkQuietly(checkedOut);
  }
  if (state.wroteTmp) disk.unlinkQuietly(layout.tmp(name));
  if (state.wroteData) disk.unlinkQuietly(layout.data(name));
  if (state.reservedNow) disk.unlinkQuietly(layout.registry(name));
}

/**
 * Checks out `QUEUE/NAME` by claiming it into `QUEUE/.checkout/` (see
 * {@linkcode claim}). Returns false if another process has it or it is gone.
 */
export function checkout(disk: Disk, queue: string, name: string): boolean {
  return claim(
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
    stampPhase(disk, path, name);
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
 * Moves an entry's metadata file to a new phase, for the process that holds
 * it: stamps it and the registry file, then renames it. False if it was
 * gone (taken away by repair).
 */
export function moveToPhase(
  disk: Disk,
  from: string,
  to: string,
  name: string,
  operation: string,
): boolean {
  try {
    stampPhase(disk, from, name);
    renameVerified(disk, from, to);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw toSpoolError(error, operation, from);
  }
}

/**
 * Moves an entry's metadata file from `from` to `to`, exclusively: of any
 * number of processes, on any number of hosts, claiming the same `from`
 * into the same `to`, at most one is told true. Links `to`, stamps the file
 * and the registry file (a new phase), then unlinks `from`.
 *
 * THE LINK IS THE LOCK AND THE UNLINK IS THE PROOF. Linking `to` fails for
 * everyone but the first. But a network file system may make the link
 * through a handle it cached before another host moved the file on (a
 * GlusterFS client does), giving the file a name in `to` while it lives
 * elsewhere; only unlinking `from` by its name says that the file was still
 * there. When that unlink finds nothing, the link is taken back if the file
 * has another name; if it has none (a lost reply to an unlink that did
 * happen, on NFS), `to` is left as it is and the claim reported lost, so
 * that repair, not two consumers, deals with it.
 *
 * Only the winner of the link stamps the file: a claim cut short leaves it
 * under both names, and processes failing to claim it must not keep it
 * young, or repair would never find it old enough to finish (it unlinks
 * the `.checkout/` name once the file is older than the checkout limit; the
 * monitor reports it as duplicated, `sameFile`). Durability needs no flush:
 * the unlink changes the file after the link did, and a journaled file
 * system keeps the changes to one file in order.
 *
 * @returns True if this process now holds the entry at `to`.
 */
export function claim(
  disk: Disk,
  from: string,
  to: string,
  name: string,
  operation: string,
): boolean {
  const { fs } = disk;
  if (!link(disk, from, to, operation)) return false;
  try {
    stampPhase(disk, to, name);
    fs.remove(from);
    return true;
  } catch (error) {
    // Both names stand: the monitor reports it, repair finishes the move.
    if (!(error instanceof Deno.errors.NotFound) && exists(disk, from)) {
      throw toSpoolError(error, operation, from);
    }
  }
  let links: number;
  try {
    links = fs.lstat(to).nlink ?? 1;
  } catch {
    return false;
  }
  if (links > 1) disk.unlinkQuietly(to);
  return false;
}

/**
 * The claim's link: true if made, false if another process was first or the
 * file is gone. Any other answer may hide a race lost or a link made after
 * all (GlusterFS answers EIO to some of the losers of a race): if the entry
 * is not plainly still waiting and unclaimed, the claim is lost; if it is,
 * the link is tried once more, and a second such answer is the disk's
 * error.
 */
function link(
  disk: Disk,
  from: string,
  to: string,
  operation: string,
): boolean {
  for (let attempt = 1;; attempt++) {
    try {
      disk.fs.link(from, to);
      return true;
    } catch (error) {
      // Taken, gone, or gone from under a stale handle.
      if (
        error instanceof Deno.errors.AlreadyExists ||
        error instanceof Deno.errors.NotFound || isStale(error)
      ) return false;
      if (!exists(disk, from) || exists(disk, to)) return false;
      if (attempt === 2) throw toSpoolError(error, operation, to);
    }
  }
}

/**
 * Renames `from` to `to`, for the only process that moves `from`. An error
 * whose rename happened anyway (a reply lost, the call made again and told
 * "not found") is recognised by `from` being gone and `to` being there.
 */
function renameVerified(disk: Disk, from: string, to: string): void {
  try {
    disk.fs.rename(from, to);
  } catch (error) {
    if (!exists(disk, from) && exists(disk, to)) return;
    throw error;
  }
}

/** Whether `path` names a file, asked of the server past any cache. */
function exists(disk: Disk, path: string): boolean {
  try {
    disk.fs.statFresh(path);
    return true;
  } catch {
    return false;
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
      fs.touch(layout.registry(name), disk.clock.now());
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

/**
 * Stamps a file that enters a new phase, and the entry's registry file,
 * with now on the file system's clock: the monitor dates phases by it.
 */
export function stampPhase(disk: Disk, path: string, name: string): void {
  const now = disk.clock.now();
  disk.fs.touch(path, now);
  try {
    disk.fs.touch(disk.layout.registry(name), now);
  } catch (error) {
    // A visible entry without a registry file is the monitor's to report;
    // it does not stop the entry from moving on.
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
