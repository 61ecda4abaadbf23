/**
 * How an entry is removed: its metadata file first (it is invisible from
 * then on), flushed in strict durability, then its payload, then its
 * registry file last. So a crash at any point leaves either the whole entry
 * or invisible leftovers, which repair clears.
 *
 * @module
 */

import { EntryNotFoundError, toSpoolError } from "../errors.ts";
import { verifyStamp } from "./claim.ts";
import type { Disk } from "./disk.ts";

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
      verify: async () => {
        held = await verifyStamp(disk, path, stamp, operation);
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
 * (a claim makes its calls one after another), up to a second if that
 * process is stopped; still undecided then, that claimer is presumed dead
 * with the file under its link alone, and the entry lives on there. Once
 * the link is undone, a consumer may have claimed the file through it in
 * the meantime (under the checkout name this removal freed): then too the
 * entry lives on, that consumer's.
 *
 * @throws {EntryNotFoundError} If the entry lives on in its queue.
 */
async function afterRemoval(
  disk: Disk,
  queue: string,
  name: string,
  held: Deno.FileInfo,
  stamp: Date,
): Promise<void> {
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
  const settled = async (): Promise<boolean> => {
    let info: Deno.FileInfo | undefined;
    try {
      info = await disk.calls.lstatIfThere(waiting);
    } catch {
      return true;
    }
    if (info === undefined) return true;
    if (info.ino !== held.ino || info.dev !== held.dev) return true;
    if ((info.mtime?.getTime() ?? 0) > stamp.getTime()) throw robbed();
    return false;
  };
  // The usual case, nothing there, costs one look and no wait.
  if (await settled()) return;
  const started = performance.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 2));
    if (await settled()) break;
    if (performance.now() - started > SETTLE_MS) throw robbed();
  }
  // Undone, or claimed by a consumer through that link meanwhile (it
  // links the checkout name this removal just freed): then the entry
  // lives on, another's.
  let info: Deno.FileInfo;
  try {
    info = await disk.calls.lstat(disk.layout.checkoutFile(queue, name));
  } catch {
    return;
  }
  if (info.ino === held.ino && info.dev === held.dev) throw robbed();
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

/** What a removal's caller adds to its steps. */
interface RemoveSteps {
  /** The registry file was stamped just now: no stamp needed. */
  registryFresh?: boolean;
  /**
   * Proves the entry is still the caller's to remove (throws if not):
   * before anything changes, and again right before the unlink.
   */
  verify?: () => Promise<void>;
  /** Runs once the metadata file is unlinked. */
  unlinked?: () => Promise<void> | undefined;
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
  options: RemoveSteps = {},
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
  options: RemoveSteps,
): Promise<void> {
  const { registryFresh = false } = options;
  const operation = "remove entry";
  const { layout } = disk;
  const since = disk.mark();
  // Before anything changes: a checkout taken away is not this caller's to
  // remove.
  await options.verify?.();
  try {
    if (!registryFresh) {
      try {
        await disk.calls.touch(layout.registry(name), disk.clock.now());
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      // Proved again, right before the unlink.
      await options.verify?.();
    }
    await disk.calls.remove(metadataPath);
    await options.unlinked?.();
    // The entry is invisible once this unlink is durable; only then may its
    // payload go, or a power cut could bring back an entry with no data.
    if (disk.strict) await disk.flushDir(metadataDir, since);
    await disk.unlinkIfThere(layout.data(name));
    await disk.unlinkIfThere(layout.registry(name));
  } catch (error) {
    throw toSpoolError(error, operation, metadataPath, EntryNotFoundError);
  }
}
