/**
 * How an entry changes hands: checked out by a claim, touched by its holder
 * during a long job, released by it to a queue. Each function says which
 * file is linked, stamped, renamed and unlinked, and in what order; the
 * order is what keeps the invariants of `mod.ts` true at every step.
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
 * A holder proves before each act that the checkout is still its own (see
 * {@linkcode verifyStamp}). An answer that may be a lost reply of a network
 * file system is checked against what is on disk before it is believed.
 *
 * @module
 */

import { EntryNotFoundError, toSpoolError } from "../errors.ts";
import { isStale } from "../fs.ts";
import type { Disk } from "./disk.ts";
import { setDue } from "./due.ts";
import { replace } from "./write.ts";

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
 *
 * `taking`, given, is told once the entry is judged takeable, before the
 * unlink of its waiting name: a reader watching the queue knows that
 * unlink's event for its own.
 */
export async function checkout(
  disk: Disk,
  queue: string,
  name: string,
  evenIfNotDue = false,
  taking?: () => void,
): Promise<CheckoutResult> {
  let text = "";
  let due: Date | undefined;
  const stamp = await claim(
    disk,
    disk.layout.queueFile(queue, name),
    disk.layout.checkoutFile(queue, name),
    name,
    "check out entry",
    async (path) => {
      const read = await disk.calls.readTextStat(path);
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
      taking?.();
      return true;
    },
  );
  return stamp !== undefined
    ? { held: true, text, stamp }
    : { held: false, due };
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
 * where it was, untouched. It is the claim's next step after the link, and
 * the unlink follows it: whoever judges and then acts re-proves its
 * judgement there.
 * `stampAt`, given, is the stamp (a due time the file keeps); now by
 * default.
 *
 * @returns The time the entry was stamped with, if this process now holds
 * it at `to`; undefined otherwise.
 */
export async function claim(
  disk: Disk,
  from: string,
  to: string,
  name: string,
  operation: string,
  check?: (to: string) => boolean | Promise<boolean>,
  stampAt?: Date,
): Promise<Date | undefined> {
  const { fs } = disk;
  if (!await link(disk, from, to, operation)) return undefined;
  if (check !== undefined) {
    let keep = false;
    try {
      keep = await check(to);
    } finally {
      if (!keep) disk.unlinkQuietly(to);
    }
    if (!keep) return undefined;
  }
  try {
    const stamp = await stampPhase(disk, to, name, stampAt);
    await disk.calls.remove(from);
    disk.noteClaimStamp(name);
    return stamp;
  } catch (error) {
    // Both names stand: the monitor reports it, repair finishes the move.
    if (!(error instanceof Deno.errors.NotFound) && disk.exists(from)) {
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
async function link(
  disk: Disk,
  from: string,
  to: string,
  operation: string,
): Promise<boolean> {
  for (let attempt = 1;; attempt++) {
    try {
      await disk.calls.link(from, to);
      return true;
    } catch (error) {
      // Taken, gone, or gone from under a stale handle.
      if (
        error instanceof Deno.errors.AlreadyExists ||
        error instanceof Deno.errors.NotFound || isStale(error)
      ) return false;
      if (!disk.exists(from) || disk.exists(to)) return false;
      if (attempt === 2) throw toSpoolError(error, operation, to);
    }
  }
}

/**
 * Stamps a file that enters a new phase, and the entry's registry file,
 * with now on the file system's clock (or `at`: a due time kept): the
 * monitor dates phases by it.
 */
export async function stampPhase(
  disk: Disk,
  path: string,
  name: string,
  at?: Date,
): Promise<Date> {
  const now = at ?? disk.clock.now();
  await disk.calls.touch(path, now);
  try {
    await disk.calls.touch(disk.layout.registry(name), now);
  } catch (error) {
    // A visible entry without a registry file is the monitor's to report;
    // it does not stop the entry from moving on.
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return now;
}

/**
 * Refreshes a checkout's age, for long jobs, once it has proved the
 * checkout is still this process's (see {@linkcode verifyStamp}). Returns
 * the new stamp.
 */
export async function touchCheckout(
  disk: Disk,
  queue: string,
  name: string,
  stamp?: Date,
): Promise<Date> {
  const operation = "touch checkout";
  const path = disk.layout.checkoutFile(queue, name);
  await verifyStamp(disk, path, stamp, operation);
  try {
    return await stampPhase(disk, path, name);
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
 * Every act of a holder on its checkout file is preceded by this proof, as
 * the call just before it; between the two another process (or, where the
 * calls go to the thread pool, another task of this one) can still act: a
 * window of microseconds on a local disk and a round trip on a network
 * file system, that no POSIX call closes (there is no
 * unlink-if-unchanged). So a removal looks again after its unlink (see
 * `removeCheckedOut` in remove.ts). Without `stamp` (a
 * checkout this process did not make), only its existence is proved.
 *
 * @returns The checkout file's status.
 */
export async function verifyStamp(
  disk: Disk,
  path: string,
  stamp: Date | undefined,
  operation: string,
): Promise<Deno.FileInfo> {
  let info: Deno.FileInfo;
  try {
    info = await disk.calls.lstat(path);
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
    !await moveToPhase(disk, from, to, name, operation, options.due, {
      verify,
      restamped: options.restamped,
    })
  ) {
    throw new EntryNotFoundError("not found", { operation, path: from });
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
export async function moveToPhase(
  disk: Disk,
  from: string,
  to: string,
  name: string,
  operation: string,
  due?: Date,
  options: {
    verify?: () => Promise<unknown>;
    restamped?: (stamp: Date) => void;
  } = {},
): Promise<boolean> {
  await options.verify?.();
  try {
    const stamp = await stampPhase(disk, from, name);
    options.restamped?.(stamp);
    // Dated, it carries its due time: its holder's proof from then on.
    if (due !== undefined) options.restamped?.(setDue(disk, from, due));
    await disk.renameVerified(from, to);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw toSpoolError(error, operation, from);
  }
}
