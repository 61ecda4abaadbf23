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
  PartialEnqueueError,
  SpoolError,
  toSpoolError,
} from "../errors.ts";
import { type FileContent, isStale, type WrittenFile } from "../fs.ts";
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
 * dates `.tmp/NAME` with the due time if there is one (see
 * {@linkcode setDue}), flushes them (strict), then renames `.tmp/NAME` to `QUEUE/NAME`, which
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
  due?: Date,
): Promise<void> {
  const operation = "enqueue entry";
  const { fs, layout } = disk;
  // Before any change (the caller reserved the name in this same turn).
  const since = disk.mark();
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
      state.wroteData = true;
      state.wroteTmp = true;
      const nameInUse = (error: unknown) => {
        // Another entry's data file: not this call's to remove.
        state.wroteData = false;
        return new NameInUseError(
          `name ${JSON.stringify(name)} already has a data file`,
          { operation, path: dataPath, cause: error },
        );
      };
      // Dated before the rename that publishes it: no reader ever sees the
      // entry without its due time.
      const date = due === undefined ? undefined : () => setDue(disk, tmp, due);
      if (!disk.strict) {
        try {
          await disk.io(() => writeNew(disk, dataPath, data));
        } catch (error) {
          if (error instanceof Deno.errors.AlreadyExists) {
            throw nameInUse(error);
          }
          throw error;
        }
        await writeTmp(disk, tmp, metadata);
        date?.();
      } else {
        // Both files at once, each written and flushed through the
        // descriptor that wrote it, within one I/O slot.
        const dataWrite = writeFlushed(
          disk,
          () => writeNew(disk, dataPath, data),
        );
        const tmpWrite = writeFlushed(
          disk,
          () => writeTmp(disk, tmp, metadata),
          date,
        );
        try {
          // The directory flushes are asked for once both files exist.
          await settleAll([dataWrite.written, tmpWrite.written]);
        } catch (error) {
          await Promise.allSettled([dataWrite.done, tmpWrite.done]);
          if (
            error instanceof Deno.errors.AlreadyExists &&
            (await isRejected(dataWrite.written))
          ) throw nameInUse(error);
          throw error;
        }
        await settleAll([
          dataWrite.done,
          tmpWrite.done,
          disk.flushDir(layout.registryDir, since),
          disk.flushDir(layout.dataDir, since),
        ]);
      }
      renameVerified(disk, tmp, final);
      state.published = true;
    });
    if (disk.strict) await disk.flushDir(layout.queueDir(queue), since);
  } catch (error) {
    const failure = toSpoolError(error, operation, final);
    const undone = undoPublish(disk, queue, name, {
      ...state,
      reservedNow: !reservedEarlier,
    });
    if (undone) throw failure;
    throw new PartialEnqueueError([name], {
      operation,
      path: final,
      cause: failure,
    });
  }
}

/** One entry of {@linkcode publishMany}. */
export interface PublishItem {
  /** Its name, reserved by the caller for this call. */
  name: string;
  /** Its metadata text. */
  metadata: string;
  /** Its payload. */
  data: FileContent;
  /** When it is due, if later than now. */
  due?: Date;
}

/**
 * Publishes many new entries in one queue with one flush phase: writes
 * every `.data/NAME` and `.tmp/NAME` (and flushes them, strict), flushes
 * `.registry/` and `.data/` once, renames every `.tmp/NAME` into the queue,
 * then flushes the queue once. So n entries cost two waits for the disk,
 * not 2n. All or nothing, as far as it can be: on failure every entry is
 * taken back (those published already, the way a consumer would take them)
 * and every name's files are removed, registry files included; an entry a
 * consumer took first is delivered, and named in the
 * {@linkcode PartialEnqueueError} thrown.
 */
export async function publishMany(
  disk: Disk,
  queue: string,
  items: readonly PublishItem[],
): Promise<void> {
  const operation = "enqueue entries";
  const { layout } = disk;
  // Before any change (the caller reserved the names in this same turn).
  const since = disk.mark();
  const states = items.map(() => ({
    wroteData: false,
    wroteTmp: false,
    published: false,
    reservedNow: true,
  }));
  try {
    // Every write settles before any undo starts.
    const written = await Promise.allSettled(
      items.map((item, i) =>
        disk.io(async () => {
          const state = states[i];
          const dataPath = layout.data(item.name);
          const tmp = layout.tmp(item.name);
          state.wroteData = true;
          let dataFile: WrittenFile | undefined;
          let tmpFile: WrittenFile | undefined;
          try {
            dataFile = await writeNew(disk, dataPath, item.data);
            state.wroteTmp = true;
            tmpFile = await writeTmp(disk, tmp, item.metadata);
            if (item.due !== undefined) setDue(disk, tmp, item.due);
            if (disk.strict) {
              await settleAll([dataFile!.sync(), tmpFile!.sync()]);
            }
          } finally {
            dataFile?.close();
            tmpFile?.close();
          }
        })
      ),
    );
    const failed = written.find((result) => result.status === "rejected");
    if (failed !== undefined) throw failed.reason;
    if (disk.strict) {
      await Promise.all([
        disk.flushDir(layout.registryDir, since),
        disk.flushDir(layout.dataDir, since),
      ]);
    }
    items.forEach((item, i) => {
      renameVerified(
        disk,
        layout.tmp(item.name),
        layout.queueFile(queue, item.name),
      );
      states[i].published = true;
    });
    if (disk.strict) await disk.flushDir(layout.queueDir(queue), since);
  } catch (error) {
    const failure = toSpoolError(error, operation, layout.queueDir(queue));
    const delivered = items.filter((item, i) =>
      !undoPublish(disk, queue, item.name, states[i])
    ).map((item) => item.name);
    if (delivered.length === 0) throw failure;
    throw new PartialEnqueueError(delivered, {
      operation,
      path: layout.queueDir(queue),
      cause: failure,
    });
  }
}

/**
 * Takes back what a failed publish wrote. False if the entry was visible
 * and could not be taken back: a consumer has it (or it could not be
 * claimed, and still waits), so it is delivered, and its files stay.
 */
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
): boolean {
  const { layout } = disk;
  if (state.published) {
    // Visible already: take it back the way a consumer would. If another
    // process has it, it is in use and its files stay.
    const checkedOut = layout.checkoutFile(queue, name);
    try {
      const waiting = layout.queueFile(queue, name);
      if (!claim(disk, waiting, checkedOut, name, "enqueue entry")) {
        return false;
      }
    } catch {
      return false;
    }
    disk.unlinkQuietly(checkedOut);
  }
  if (state.wroteTmp) disk.unlinkQuietly(layout.tmp(name));
  if (state.wroteData) disk.unlinkQuietly(layout.data(name));
  if (state.reservedNow) disk.unlinkQuietly(layout.registry(name));
  return true;
}

/** What {@linkcode checkout} found. */
export type CheckoutResult =
  /**
   * This process holds the entry; `text` is its metadata, `stamp` the time
   * its claim stamped the checkout file with (see {@linkcode verifyStamp}).
   */
  | { held: true; text: string; stamp: Date }
  /**
   * It was not taken: another process has it or it is gone, or (with `due`)
   * it waits in its queue until then.
   */
  | { held: false; due?: Date };

/**
 * Checks out `QUEUE/NAME` by claiming it into `QUEUE/.checkout/` (see
 * {@linkcode claim}), and reads its metadata. An entry whose due time (the
 * file's modification time) is still ahead on the file system's clock is
 * not taken: the link is undone and the due time returned.
 *
 * The due time is read from the file that was linked, after the link and
 * before the stamp: read earlier, it could belong to a file that another
 * consumer has since handled and put back with a later due time under the
 * same name. It costs no system call: the metadata is read from the same
 * open file. With `evenIfNotDue`, it is taken whatever its due time.
 *
 * A file with more names than the claim accounts for (its waiting name and
 * the new checkout name) is refused too, the link undone: another name
 * points at it, left by a split of a duplicated entry that a crash cut short
 * (the copy's old name and its new one), and taking it under one name would
 * hand the same file out under the other as well. Repair finishes such a
 * split. (Where a network file system numbers no links, sshfs, every file
 * shows one name and nothing is refused.)
 */
export function checkout(
  disk: Disk,
  queue: string,
  name: string,
  evenIfNotDue = false,
): CheckoutResult {
  let text = "";
  let due: Date | undefined;
  const stamp = claim(
    disk,
    disk.layout.queueFile(queue, name),
    disk.layout.checkoutFile(queue, name),
    name,
    "check out entry",
    (path) => {
      const read = disk.fs.readTextStat(path);
      if ((read.info.nlink ?? 1) > 2) return false;
      const mtime = read.info.mtime;
      if (
        !evenIfNotDue && mtime !== null &&
        mtime.getTime() > disk.clock.now().getTime()
      ) {
        due = mtime;
        return false;
      }
      text = read.text;
      return true;
    },
  );
  return stamp !== undefined
    ? { held: true, text, stamp }
    : { held: false, due };
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
 * Refreshes a checkout's age, for long jobs, once it has proved the
 * checkout is still this process's (see {@linkcode verifyStamp}). Returns
 * the new stamp.
 */
export function touchCheckout(
  disk: Disk,
  queue: string,
  name: string,
  stamp?: Date,
): Date {
  const operation = "touch checkout";
  const path = disk.layout.checkoutFile(queue, name);
  verifyStamp(disk, path, stamp, operation);
  try {
    return stampPhase(disk, path, name);
  } catch (error) {
    throw toSpoolError(error, operation, path, EntryNotFoundError);
  }
}

/**
 * Proves that the checkout file at `path` is still the one this process
 * holds: it is there, and carries the stamp this process gave it (or an
 * older time: a file system with coarser times than asked keeps less).
 * Throws {@linkcode EntryNotFoundError} otherwise.
 *
 * A later stamp means the entry was taken away meanwhile: repair (or an
 * operator's force) put it back in its queue, which stamps it, and another
 * consumer may have claimed it since, which stamps it again, under this
 * very name (a claim moves one file between names, so its identity is no
 * proof). Saving, rewriting or removing that file would rob that consumer.
 * Every act of a holder on its checkout file is preceded by this proof, in
 * the same turn of the event loop; between the two system calls another
 * process can still act, a window of microseconds that no POSIX call
 * closes (there is no unlink-if-unchanged); a removal looks again after
 * its unlink (see {@linkcode removeCheckedOut}). Without `stamp` (a
 * checkout this process did not make), only its existence is proved.
 *
 * @returns The checkout file's status.
 */
export function verifyStamp(
  disk: Disk,
  path: string,
  stamp: Date | undefined,
  operation: string,
): Deno.FileInfo {
  let info: Deno.FileInfo;
  try {
    info = disk.fs.lstat(path);
  } catch (error) {
    throw toSpoolError(error, operation, path, EntryNotFoundError);
  }
  const mtime = info.mtime;
  if (
    stamp !== undefined && mtime !== null && mtime.getTime() > stamp.getTime()
  ) {
    throw new EntryNotFoundError(
      "the checkout was taken away: it was stamped again since this process held it (repair or an operator's --force put it back, and another consumer may hold it now)",
      { operation, path },
    );
  }
  return info;
}

/** How {@linkcode release} moves an entry, beyond where to. */
export interface ReleaseOptions {
  /** New metadata text, written over the checkout file first. */
  metadata?: string;
  /** The new text of the registry file (the entry's history). */
  history?: string;
  /**
   * Whether the new history must survive a power cut in strict durability
   * (flushed, with its directory, before the entry moves): a failure
   * counted must stay counted. An operator's fresh start need not: a power
   * cut that loses it leaves the entry with its old count (or, on a file
   * system that does not order a replaced file's data before its rename,
   * an empty history, which is none), never a torn one.
   *
   * @default {true}
   */
  historyDurable?: boolean;
  /** When it is due in its new queue; now if left out. */
  due?: Date;
  /**
   * The stamp this process's claim (or last touch) gave the checkout file:
   * each step first proves the checkout is still this process's (see
   * {@linkcode verifyStamp}).
   */
  stamp?: Date;
  /**
   * Told the new stamp as soon as the checkout file is stamped for its
   * move: should the move then fail, the holder still holds it, with that
   * stamp.
   */
  restamped?: (stamp: Date) => void;
}

/**
 * Moves a checked-out entry to `QUEUE2/NAME` (possibly its own queue).
 * First replaces its history (in strict durability, flushed with its
 * directory: a retry counted must stay counted), then its metadata, then
 * dates and moves it (see {@linkcode moveToPhase}).
 */
export async function release(
  disk: Disk,
  queue: string,
  name: string,
  toQueue: string,
  options: ReleaseOptions = {},
): Promise<void> {
  const operation = "save entry";
  const from = disk.layout.checkoutFile(queue, name);
  const to = disk.layout.queueFile(toQueue, name);
  const { stamp } = options;
  // Each step proves the checkout is still this process's just before it
  // changes anything: an await separates them, and repair may have put the
  // entry back meanwhile.
  const held = () => verifyStamp(disk, from, stamp, operation);
  if (options.history !== undefined) {
    const registry = disk.layout.registry(name);
    const since = disk.mark();
    const durable = options.historyDurable ?? true;
    await replace(disk, registry, name, options.history, operation, {
      verify: held,
      flush: durable,
    });
    if (disk.strict && durable) {
      try {
        await disk.flushDir(disk.layout.registryDir, since);
      } catch (error) {
        throw toSpoolError(error, operation, registry);
      }
    }
  }
  if (options.metadata !== undefined) {
    // The new file keeps the checkout's stamp: it is still the same
    // checkout, and its holder's proof of it.
    await replace(disk, from, name, options.metadata, operation, {
      verify: held,
      date: stamp,
    });
  }
  // Proved just now, if the metadata was replaced.
  const verify = options.metadata === undefined ? held : undefined;
  if (
    !moveToPhase(disk, from, to, name, operation, options.due, {
      verify,
      restamped: options.restamped,
    })
  ) {
    throw new EntryNotFoundError("not found", { operation, path: from });
  }
}

/**
 * Removes a checked-out entry: metadata, then payload, then registry, once
 * it has proved the checkout is still this process's: that it carries
 * `stamp`, the stamp this process's claim (or last touch) gave it (see
 * {@linkcode verifyStamp}). The registry file is not stamped again if this
 * process's claim stamped it less than a second ago. After the unlink of
 * the metadata file it looks
 * whether the entry's queue holds the same file: a requeue in flight, which
 * linked it there between the proof and the unlink (see `afterRemoval`).
 * If that requeue goes through, the entry lives on, waiting, and the
 * removal stops there with {@linkcode EntryNotFoundError}.
 */
export async function removeCheckedOut(
  disk: Disk,
  queue: string,
  name: string,
  stamp?: Date,
): Promise<void> {
  const operation = "remove entry";
  const path = disk.layout.checkoutFile(queue, name);
  let held: Deno.FileInfo | undefined;
  await remove(
    disk,
    path,
    disk.layout.checkoutDir(queue),
    name,
    {
      registryFresh: disk.takeFreshClaimStamp(name),
      verify: () => {
        held = verifyStamp(disk, path, stamp, operation);
      },
      // A requeue that linked the entry back into its queue between the
      // proof and the unlink: see afterRemoval.
      unlinked: () =>
        stamp === undefined || held === undefined
          ? undefined
          : afterRemoval(disk, queue, name, held, stamp),
    },
  );
}

/** How long a removal waits for a claim of its file in flight to settle. */
const SETTLE_MS = 1_000;

/**
 * After a holder's unlink of its checkout name: whether the entry's queue
 * holds the same file, linked there between the holder's proof and its
 * unlink by a requeue (or a move of repair's) in flight. That claim either
 * stamps the file and goes on (the holder was past the checkout limit: it
 * was robbed, and the entry lives on, waiting, so its payload and registry
 * file must stay), or finds the file is not the one it judged and unlinks
 * its link again (the removal goes on). Which, the file's stamp tells, once
 * the claim is done: THE REMOVAL WAITS FOR IT, a few milliseconds at most
 * (the claim runs in one turn of its process), up to a second if that
 * process is stopped; still undecided then, that claimer is presumed dead
 * with the file under its link alone, and the entry lives on there. Once
 * the link is undone, a consumer may have claimed the file through it in
 * the meantime (under the checkout name this removal freed): then too the
 * entry lives on, that consumer's.
 *
 * @throws {EntryNotFoundError} If the entry lives on in its queue.
 */
function afterRemoval(
  disk: Disk,
  queue: string,
  name: string,
  held: Deno.FileInfo,
  stamp: Date,
): Promise<void> | undefined {
  const waiting = disk.layout.queueFile(queue, name);
  const robbed = () =>
    new EntryNotFoundError(
      "the checkout was taken away as it was removed: repair put it back in its queue, where it waits again",
      {
        operation: "remove entry",
        path: disk.layout.checkoutFile(queue, name),
      },
    );
  /** True once settled: nothing there, or a claim undone. */
  const settled = (): boolean => {
    let info: Deno.FileInfo;
    try {
      info = disk.fs.lstat(waiting);
    } catch {
      return true;
    }
    if (info.ino !== held.ino || info.dev !== held.dev) return true;
    if ((info.mtime?.getTime() ?? 0) > stamp.getTime()) throw robbed();
    return false;
  };
  // The usual case, nothing there, costs one look and no wait.
  if (settled()) return undefined;
  return (async () => {
    const started = performance.now();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 2));
      if (settled()) break;
      if (performance.now() - started > SETTLE_MS) throw robbed();
    }
    // Undone, or claimed by a consumer through that link meanwhile (it
    // links the checkout name this removal just freed): then the entry
    // lives on, another's.
    let info: Deno.FileInfo;
    try {
      info = disk.fs.lstat(disk.layout.checkoutFile(queue, name));
    } catch {
      return;
    }
    if (info.ino === held.ino && info.dev === held.dev) throw robbed();
  })();
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
 * Moves an entry's metadata file to a new phase, for the process that holds
 * it: stamps it and the registry file (or dates the file with its due
 * time), then renames it. False if it was gone (taken away by repair).
 * `options.verify`, given, runs first and throws if the holder holds it no
 * more; `options.restamped` is told the new stamp.
 *
 * A due time needs no flush of its own: it changes the file before the
 * rename does, and a journaled file system keeps the changes to one file in
 * order, so the file never arrives without it.
 */
export function moveToPhase(
  disk: Disk,
  from: string,
  to: string,
  name: string,
  operation: string,
  due?: Date,
  options: { verify?: () => void; restamped?: (stamp: Date) => void } = {},
): boolean {
  options.verify?.();
  try {
    const stamp = stampPhase(disk, from, name);
    options.restamped?.(stamp);
    // Dated, it carries its due time: its holder's proof from then on.
    if (due !== undefined) options.restamped?.(setDue(disk, from, due));
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
 * THE STAMP COMES BEFORE THE UNLINK. Whoever judges a checkout stale
 * (repair, an operator's force) re-proves it at the moment it acts by
 * looking at the file it has linked: still the old stamp it judged, or
 * not. A claim that unlinked `from` before stamping would, for a moment,
 * hold a fresh checkout that still looks abandoned, and could lose it.
 * Stamped first, a checkout is fresh from the instant it is anyone's.
 *
 * A `check`, given, looks at the file once linked and before it is
 * stamped; if it says no, or throws, the link is undone and the file stays
 * where it was, untouched. It runs in the same turn as the link and the
 * unlink: whoever judges and then acts re-proves its judgement there.
 * `stampAt`, given, is the stamp (a due time the file keeps); now by
 * default.
 *
 * @returns The time the entry was stamped with, if this process now holds
 * it at `to`; undefined otherwise.
 */
export function claim(
  disk: Disk,
  from: string,
  to: string,
  name: string,
  operation: string,
  check?: (to: string) => boolean,
  stampAt?: Date,
): Date | undefined {
  const { fs } = disk;
  if (!link(disk, from, to, operation)) return undefined;
  if (check !== undefined) {
    let keep = false;
    try {
      keep = check(to);
    } finally {
      if (!keep) disk.unlinkQuietly(to);
    }
    if (!keep) return undefined;
  }
  try {
    const stamp = stampPhase(disk, to, name, stampAt);
    fs.remove(from);
    disk.noteClaimStamp(name);
    return stamp;
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
    return undefined;
  }
  if (links > 1) disk.unlinkQuietly(to);
  return undefined;
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
 * Replaces `target` (which must exist) by writing `.tmp/NAME`, dating it
 * with `options.due` (a due time) or `options.date` (a stamp to keep) if
 * given, flushing it (strict) and renaming it over `target`. Just before
 * the rename, `options.verify` (if given) proves the caller may still
 * replace it, and throws if not.
 */
async function replace(
  disk: Disk,
  target: string,
  name: string,
  content: FileContent,
  operation: string,
  options: {
    due?: Date;
    date?: Date;
    verify?: () => void;
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
      if (options.verify !== undefined) options.verify();
      else fs.stat(target);
      fs.rename(tmp, target);
    } catch (error) {
      disk.unlinkQuietly(tmp);
      throw toSpoolError(error, operation, target, EntryNotFoundError);
    }
  });
}

/**
 * Removes an entry. The registry file is stamped first (unless
 * `registryFresh`: stamped just now): leftovers of a removal cut short then
 * look like work in progress, not like damage, for a while. While other
 * removals of this process are in flight, the payload and registry unlinks
 * are made on the runtime's thread pool, where they overlap.
 */
function remove(
  disk: Disk,
  metadataPath: string,
  metadataDir: string,
  name: string,
  options: {
    registryFresh?: boolean;
    verify?: () => void;
    unlinked?: () => Promise<void> | undefined;
  } = {},
): Promise<void> {
  return disk.removal(() =>
    removeCounted(disk, metadataPath, metadataDir, name, options)
  );
}

async function removeCounted(
  disk: Disk,
  metadataPath: string,
  metadataDir: string,
  name: string,
  options: {
    registryFresh?: boolean;
    verify?: () => void;
    unlinked?: () => Promise<void> | undefined;
  },
): Promise<void> {
  const { registryFresh = false } = options;
  const operation = "remove entry";
  const { fs, layout } = disk;
  const since = disk.mark();
  // Before anything changes: a checkout taken away is not this caller's to
  // remove.
  options.verify?.();
  try {
    if (!registryFresh) {
      try {
        fs.touch(layout.registry(name), disk.clock.now());
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      // Proved again, right before the unlink.
      options.verify?.();
    }
    fs.remove(metadataPath);
    await options.unlinked?.();
    // The entry is invisible once this unlink is durable; only then may its
    // payload go, or a power cut could bring back an entry with no data.
    if (disk.strict) await disk.flushDir(metadataDir, since);
    if (disk.removalsOverlap) {
      // In the thread pool, the other removals' unlinks overlap these; one
      // at a time, the synchronous calls are cheaper.
      await disk.unlinkQuietlyAsync(layout.data(name), true);
      await disk.unlinkQuietlyAsync(layout.registry(name), true);
    } else {
      disk.unlinkQuietly(layout.data(name), true);
      disk.unlinkQuietly(layout.registry(name), true);
    }
  } catch (error) {
    throw toSpoolError(error, operation, metadataPath, EntryNotFoundError);
  }
}

/**
 * Writes `.tmp/NAME` as a new file (see {@linkcode writeNew}), created
 * exclusively, which never follows a symbolic link: a link planted there
 * cannot redirect the write outside the spool. A stale file in the way is
 * unlinked first.
 */
async function writeTmp(
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
async function writeNew(
  disk: Disk,
  path: string,
  content: FileContent,
): Promise<WrittenFile | undefined> {
  if (disk.strict) return await disk.fs.createFile(path, content);
  await disk.fs.writeFile(path, content, { createNew: true });
  return undefined;
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

/** A new file being written by {@linkcode writeFlushed}. */
interface FlushedWrite {
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
function writeFlushed(
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

/** Whether a promise has rejected (it must have settled). */
async function isRejected(promise: Promise<unknown>): Promise<boolean> {
  try {
    await promise;
    return false;
  } catch {
    return true;
  }
}

/**
 * Waits for every promise to settle (so that nothing still runs on a file
 * about to be closed or unlinked), then throws the first failure.
 */
async function settleAll(promises: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result) => result.status === "rejected");
  if (failed !== undefined) throw failed.reason;
}

/**
 * Stamps a file that enters a new phase, and the entry's registry file,
 * with now on the file system's clock (or `at`: a due time kept): the
 * monitor dates phases by it.
 */
export function stampPhase(
  disk: Disk,
  path: string,
  name: string,
  at?: Date,
): Date {
  const now = at ?? disk.clock.now();
  disk.fs.touch(path, now);
  try {
    disk.fs.touch(disk.layout.registry(name), now);
  } catch (error) {
    // A visible entry without a registry file is the monitor's to report;
    // it does not stop the entry from moving on.
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return now;
}
