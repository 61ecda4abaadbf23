/**
 * How leftovers are found and cleared, for the monitor and repair: the names
 * in each directory and their ages, a stale checkout put back in its queue,
 * and the files of an enqueue that never finished deleted in the order a
 * remove uses.
 *
 * @module
 */

import { NotASpoolError, toSpoolError } from "../errors.ts";
import { CLOCK_PROBE_PREFIX, type Dir, REPAIR_TMP_PREFIX } from "./layout.ts";
import { type Disk, withoutDotFiles } from "./disk.ts";
import { claim, release, stampPhase } from "./claim.ts";
import { writeNewFile } from "./write.ts";

/**
 * Names of the regular files in `dir`, unsorted; the names of anything else
 * there (symbolic links, directories, ...) go to `others`, if given. Dot
 * files are skipped, except in `.tmp/` the probes of the file system's
 * clock and repair's own files: one left by a crash is an abandoned tmp
 * file like any other.
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
    !name.startsWith(".") || name.startsWith(CLOCK_PROBE_PREFIX) ||
    name.startsWith(REPAIR_TMP_PREFIX)
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
 * What repair (or an operator's force) judged of a file it is about to act
 * on, so that it can prove at the moment it acts that the file is still
 * the one it judged: the same stamp, and old enough still.
 */
export interface Judged {
  /** The file's modification time (its last stamp) when it was judged. */
  mtime: Date;
  /**
   * How old that stamp must be, on the file system's clock, to be acted
   * on: the checkout limit.
   */
  olderThanMs: number;
  /**
   * For a name a claim or a split linked and did not unlink: how long ago
   * its last link must be (its change time), so that one in progress, a
   * matter of microseconds, is never taken for one cut short.
   */
  linkedOlderThanMs?: number;
}

/**
 * Whether `info` is still the file judged: it carries the very stamp that
 * was judged (every claim, requeue, finish and touch stamps anew before
 * it unlinks anything, so any of them in between shows), that stamp is
 * still old enough, and so is its last link if that matters.
 */
export function stillJudged(
  disk: Disk,
  info: Deno.FileInfo | undefined,
  judged: Judged,
): boolean {
  const mtime = info?.mtime?.getTime();
  if (mtime !== judged.mtime.getTime()) return false;
  const now = disk.clock.now().getTime();
  if (now - mtime <= judged.olderThanMs) return false;
  if (judged.linkedOlderThanMs === undefined) return true;
  return info !== undefined &&
    linkedLongAgo(info, now, judged.linkedOlderThanMs);
}

/**
 * Whether nothing has happened to a file (a link, an unlink, a stamp)
 * for longer than `limitMs` before `now`, by its modification time (a due
 * time ahead is no activity) and its last change (see
 * {@linkcode changedAt}). A limit of 0 asks nothing of the change time:
 * the caller knows nothing is in progress (everyone is dead), and the
 * second the runtime cuts from it must not make it wait.
 */
export function linkedLongAgo(
  info: Deno.FileInfo,
  now: number,
  limitMs: number,
): boolean {
  const mtime = Math.min(info.mtime?.getTime() ?? 0, now);
  if (now - mtime <= limitMs) return false;
  return limitMs <= 0 || now - (changedAt(info) ?? 0) > limitMs;
}

/**
 * Finishes a claim that a crash cut short between its link and its unlink:
 * the file is in `QUEUE/` and in `QUEUE/.checkout/`, and nobody holds the
 * checkout (repair waits for the checkout limit, and for its last link to
 * be older than work in progress, to say so). Two exclusive steps, each
 * proved at the moment it acts:
 *
 * 1. Forward, as the claim itself would have gone on: the waiting name is
 *    unlinked, if both names are still that one file as judged (see
 *    {@linkcode stillJudged}). Were its claimer alive after all, its own
 *    unlink then finds nothing, and it reports the claim lost, leaving the
 *    checkout to repair: never two holders, never an entry without a name.
 * 2. Back: the checkout so left is put back in its queue like a stale one
 *    (see {@linkcode moveStale}), if it still carries the stamp judged (a
 *    claimer alive stamps it before anything else); a due time it carries
 *    is kept. The queue's readers are woken for it.
 *
 * @returns True if the entry waits in its queue again; false, if it had
 * changed (after step 1 alone, it is a checkout, stale or its claimer's,
 * for the next repair).
 */
export async function finishClaim(
  disk: Disk,
  queue: string,
  name: string,
  judged: Judged,
): Promise<boolean> {
  const both: Dir[] = [{ queue, checkout: false }, { queue, checkout: true }];
  const path = disk.layout.checkoutFile(queue, name);
  const waiting = disk.layout.queueFile(queue, name);
  try {
    if (!sameFile(disk, both, name)) return false;
    if (!stillJudged(disk, disk.fs.lstat(path), judged)) return false;
    disk.fs.remove(waiting);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw toSpoolError(error, "finish claim", waiting);
  }
  return await moveStale(disk, path, waiting, name, "finish claim", {
    mtime: judged.mtime,
    olderThanMs: -Infinity,
  }, { keepDue: true });
}

/**
 * Finishes a move that a crash cut short other than a claim from a queue
 * into its own `.checkout/`: one file under names in several queues (a
 * requeue, or a damaged checkout moved aside, killed between its link and
 * its unlink while its consumer saved the entry elsewhere; a move to
 * another queue linked and not unlinked). Any one name holds the entry
 * whole: `keep` stays, each of `others` is unlinked if it is still that
 * one file, as judged (see {@linkcode stillJudged}). Never split: two
 * entries on one file would be handled twice, or, each name refused by
 * consumers as having too many, never. The readers of `keep`'s queue are
 * woken.
 *
 * @returns True if only `keep` is left.
 */
export function finishMove(
  disk: Disk,
  keep: Dir & object,
  others: (Dir & object)[],
  name: string,
  judged: Judged,
): boolean {
  const { fs, layout } = disk;
  const kept = layout.file(keep, name);
  for (const other of others) {
    const path = layout.file(other, name);
    try {
      if (!sameFile(disk, [keep, other], name)) return false;
      if (!stillJudged(disk, fs.lstat(path), judged)) return false;
      fs.remove(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw toSpoolError(error, "finish move", path);
    }
  }
  const mtime = lstatQuietly(disk, kept)?.mtime;
  if (mtime) wake(disk, kept, mtime);
  return true;
}

/**
 * Gives the watchers of a queue an event for an entry that has just become
 * claimable there by an unlink in a `.checkout/`, which they do not watch:
 * a reader that lost the race for it while both names stood would
 * otherwise not look again. Sets its times once more to `stamp`, the stamp
 * it was just given, and only if it carries no later time (a consumer that
 * claimed it meanwhile stamped it again; an entry saved with a due time
 * carries that), so that nothing but the event changes.
 */
export function wake(disk: Disk, path: string, stamp: Date): void {
  try {
    const mtime = disk.fs.lstat(path).mtime;
    if (mtime !== null && mtime.getTime() <= stamp.getTime()) {
      disk.fs.touch(path, mtime);
    }
  } catch {
    // Gone, taken or moved on: nobody waits for it here.
  }
}

/**
 * The modification time of `name` in `dir`, or undefined if it is gone.
 * With `fresh`, asked of the file server rather than any cache: what the
 * monitor reports and repair acts on is checked that way.
 *
 * In `.tmp/`, its last change when that is earlier (see
 * {@linkcode tmpTime}): a delayed enqueue dates `.tmp/NAME` with its due time before the rename
 * that publishes it, so one killed before that rename would otherwise
 * look young until its due time, a year ahead if the delay is a year. The
 * change time cannot be set by anyone; it says when the file was last
 * written or dated. (Where a network file system reports no change time
 * of its own, sshfs, such a file waits for its due time.)
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
    if (dir === "tmp") return tmpTime(info);
    return info.mtime ?? undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw toSpoolError(error, "stat file", path);
  }
}

/**
 * The latest time a file's status may have last changed (a link, an
 * unlink, a write, a time set), from its change time, which nobody can
 * set: the runtime reports it in whole seconds, cut down, so the second it
 * may have lost is added. A claim in progress must never look older than
 * it is. Undefined where the file system reports none.
 */
export function changedAt(info: Deno.FileInfo): number | undefined {
  const ctime = info.ctime?.getTime();
  return ctime === undefined ? undefined : ctime + 999;
}

/**
 * The time a file in `.tmp/` is aged by: its modification time, unless
 * that is later than its last change can be (see {@linkcode changedAt}),
 * which only a time set ahead can be, as a due time is (see
 * {@linkcode mtime}); then its change time as reported (up to a second
 * older than it is: nothing beside a tmp limit of minutes).
 */
export function tmpTime(info: Deno.FileInfo): Date | undefined {
  const mtime = info.mtime;
  const changed = changedAt(info);
  if (mtime === null) return info.ctime ?? undefined;
  return changed !== undefined && mtime.getTime() > changed
    ? info.ctime!
    : mtime;
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
 * claims an entry (a new phase: stamped first), with `history` (given the
 * registry file's text, the new one: the abandoned attempt recorded). The
 * queue's readers are woken for it. False, doing nothing, if the checkout
 * is not the file judged any more (see {@linkcode moveStale}).
 */
export async function requeue(
  disk: Disk,
  queue: string,
  name: string,
  judged: Judged,
  history?: (registry: string) => string,
): Promise<boolean> {
  const { layout } = disk;
  return await moveStale(
    disk,
    layout.checkoutFile(queue, name),
    layout.queueFile(queue, name),
    name,
    "requeue checkout",
    judged,
    { history },
  );
}

/**
 * Moves a checkout judged stale from `from` to `to` with a claim, for a
 * process that does not hold it, proving at the moment it acts that it
 * acts on the file it judged. A consumer whose checkout went stale may
 * still be alive; it, or the entry's next consumer, may act at any time:
 *
 * 1. The checkout must still carry the stamp judged, old enough (see
 *    {@linkcode stillJudged}); else nothing is done.
 * 2. The entry's new history, if any, is written to a file of repair's own
 *    in `.tmp/` (`.repair-UUID`: any entry name fits), from the registry
 *    file's text read now.
 * 3. It is judged again (after that wait), and the claim links `to`.
 *    Then, as the claim's next step, the linked file must
 *    still be the one judged, have no other name (a split cut short), and
 *    the registry file must still hold the text the history was made
 *    from: only then is the history renamed over it, and the file stamped
 *    and unlinked from `from`. A consumer that took the entry meanwhile
 *    stamped it first (see `claim`), so it shows; the link is undone.
 *    So the abandoned attempt is recorded if and only if the entry moves.
 * 4. The readers of `to`'s queue are woken (see {@linkcode wake}).
 *
 * `options.history` gives the new history; `options.check`, given, also
 * looks at the linked file in step 3; with `options.keepDue`, a due time
 * the file carries is kept as its stamp.
 *
 * @returns True if the entry moved.
 * @throws {SpoolError} If the history cannot be written: then nothing
 * moved.
 */
export async function moveStale(
  disk: Disk,
  from: string,
  to: string,
  name: string,
  operation: string,
  judged: Judged,
  options: {
    history?: (registry: string) => string;
    check?: (linked: string) => boolean;
    keepDue?: boolean;
  } = {},
): Promise<boolean> {
  const { history, check } = options;
  const { fs, layout } = disk;
  const seen = lstatQuietly(disk, from);
  if (!stillJudged(disk, seen, judged)) return false;
  // A delayed entry keeps its due time, as its stamp.
  const due = options.keepDue &&
      judged.mtime.getTime() > disk.clock.now().getTime()
    ? judged.mtime
    : undefined;
  const registry = layout.registry(name);
  let tmp: string | undefined;
  let before: string | undefined;
  try {
    if (history !== undefined) {
      try {
        before = fs.readText(registry);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) return false;
        throw error;
      }
      tmp = layout.tmp(`${REPAIR_TMP_PREFIX}${crypto.randomUUID()}`);
      await writeNewFile(disk, tmp, history(before));
      // Judged again after that wait, just before the link: a link made
      // to a file taken again meanwhile, undone at once, would still show
      // its holder a second name for a moment.
      if (!stillJudged(disk, lstatQuietly(disk, from), judged)) return false;
    }
    const stamp = await claim(disk, from, to, name, operation, (linked) => {
      const info = fs.lstat(linked);
      if (!stillJudged(disk, info, judged) || (info.nlink ?? 1) > 2) {
        return false;
      }
      if (check !== undefined && !check(linked)) return false;
      if (tmp !== undefined) {
        if (fs.readText(registry) !== before) return false;
        fs.rename(tmp, registry);
        tmp = undefined;
      }
      return true;
    }, due);
    if (stamp === undefined) return false;
    wake(disk, to, stamp);
    return true;
  } catch (error) {
    throw toSpoolError(error, operation, from);
  } finally {
    if (tmp !== undefined) disk.unlinkQuietly(tmp);
  }
}

function lstatQuietly(disk: Disk, path: string): Deno.FileInfo | undefined {
  try {
    return disk.fs.lstat(path);
  } catch {
    return undefined;
  }
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
export async function splitDuplicate(
  disk: Disk,
  from: Dir & object,
  name: string,
  newName: string,
): Promise<boolean> {
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
    const to = layout.queueFile(from.queue, newName);
    const stamp = await claim(
      disk,
      layout.file(from, name),
      to,
      newName,
      operation,
    );
    if (stamp !== undefined) {
      // Readers that tried the new name while the old one stood lost it:
      // they look again.
      wake(disk, to, stamp);
      return true;
    }
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
 * The new name of a copy of `name` that a split gives (see
 * {@linkcode splitDuplicate}) begins with this: the name, cut to leave
 * room, then `-copy-`.
 */
export function copyPrefix(name: string): string {
  // Names are at most 255 bytes; the suffix is `-copy-` and 8 hex digits.
  // ASCII names, as the default, count one byte a character.
  return `${name.slice(0, 255 - COPY_SUFFIX_LENGTH)}-copy-`;
}

const COPY_SUFFIX_LENGTH = "-copy-".length + 8;

/**
 * The new name of a split of `name` in `from` that a crash cut short
 * between its link and its unlink: a name beginning with
 * {@linkcode copyPrefix} in the queue of `from` that is the same file (see
 * {@linkcode sameFile}). Undefined if there is none.
 */
export async function splitCutShort(
  disk: Disk,
  from: Dir & object,
  name: string,
): Promise<string | undefined> {
  const prefix = copyPrefix(name);
  const waiting: Dir = { queue: from.queue, checkout: false };
  const names = await namesIn(disk, waiting);
  for (const candidate of names) {
    if (!candidate.startsWith(prefix) || candidate === name) continue;
    const { layout } = disk;
    try {
      const a = disk.fs.lstat(layout.file(from, name));
      const b = disk.fs.lstat(layout.file(waiting, candidate));
      if (!a.isFile || !b.isFile) continue;
      if (a.dev === b.dev && a.ino === b.ino) return candidate;
      // Where names are numbered apart (sshfs), the same time and contents.
      if (
        a.mtime?.getTime() === b.mtime?.getTime() && a.size === b.size &&
        disk.fs.readText(layout.file(from, name)) ===
          disk.fs.readText(layout.file(waiting, candidate))
      ) return candidate;
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

/**
 * Finishes a split that a crash cut short (see {@linkcode splitCutShort}):
 * the copy's old name in `from` goes, its new name `newName` stays, with
 * its own registry file and payload, made before the claim. Stamped and
 * woken for, as the split would have. False, doing nothing, unless the two
 * names are still one file, as judged (see {@linkcode stillJudged}).
 */
export async function finishSplit(
  disk: Disk,
  from: Dir & object,
  name: string,
  newName: string,
  judged: Judged,
): Promise<boolean> {
  const { fs, layout } = disk;
  const old = layout.file(from, name);
  const copy = layout.queueFile(from.queue, newName);
  try {
    const a = fs.lstat(old);
    const b = fs.lstat(copy);
    const one = (a.dev === b.dev && a.ino === b.ino) ||
      (a.mtime?.getTime() === b.mtime?.getTime() && a.size === b.size);
    if (!one || !stillJudged(disk, a, judged)) return false;
    const stamp = await stampPhase(disk, copy, newName);
    await disk.calls.remove(old);
    wake(disk, copy, stamp);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw toSpoolError(error, "finish split", old);
  }
}

/**
 * Moves a damaged entry out of its consumers' way, to `toQueue`, with its
 * new history (`history`, given the registry file's text): claimed from its
 * queue (whatever its due time) and saved there, or, from a stale checkout,
 * moved straight into `toQueue` (see {@linkcode moveStale}, which proves it
 * is still the checkout judged). `stillDamaged`, given a read of the file
 * claimed (its metadata text), proves at the moment of the claim that it is
 * still damaged. False, doing nothing, if it moved or changed meanwhile.
 */
export async function moveDamaged(
  disk: Disk,
  from: Dir & object,
  name: string,
  toQueue: string,
  history: (registry: string) => string,
  options: {
    judged?: Judged;
    stillDamaged?: (read: () => string) => boolean;
  } = {},
): Promise<boolean> {
  const { layout } = disk;
  const operation = "move damaged entry";
  const { stillDamaged: still = () => true } = options;
  const stillDamaged = (path: string) => still(() => disk.fs.readText(path));
  if (from.checkout) {
    if (options.judged === undefined) return false;
    return await moveStale(
      disk,
      layout.checkoutFile(from.queue, name),
      layout.queueFile(toQueue, name),
      name,
      operation,
      options.judged,
      { history, check: stillDamaged },
    );
  }
  const stamp = await claim(
    disk,
    layout.queueFile(from.queue, name),
    layout.checkoutFile(from.queue, name),
    name,
    operation,
    stillDamaged,
  );
  if (stamp === undefined) return false;
  let text = "";
  try {
    text = disk.fs.readText(layout.registry(name));
  } catch {
    // No history to keep: a new one.
  }
  await release(disk, from.queue, name, toQueue, {
    history: history(text),
    stamp,
  });
  return true;
}
