/**
 * Taking an entry from a consumer presumed dead, for operators' forced
 * actions: a checkout older than the limit is put back in its queue, with
 * its age proved again at the moment of the act, so that a fresh checkout
 * made meanwhile (the entry put back and taken again by a live consumer)
 * is never taken. Internal.
 *
 * @module
 */

import type { Disk } from "../protocol/mod.ts";
import * as protocol from "../protocol/mod.ts";

/** What {@linkcode reclaimStale} found. */
export type Reclaimed =
  /** Put back in its queue: it waits there now. */
  | { kind: "requeued"; checkedOutMs: number }
  /** Checked out for less than the limit: left alone. */
  | { kind: "fresh"; checkedOutMs: number }
  /** Not checked out any more. */
  | { kind: "gone" };

/**
 * Puts entry `name`, checked out of `queue` for longer than
 * `olderThanMs`, back in its queue, claiming it there as a consumer claims
 * an entry. The judgement (the checkout's stamp) is made again on the file
 * the claim linked, before anything else is done to it.
 */
export function reclaimStale(
  disk: Disk,
  queue: string,
  name: string,
  olderThanMs: number,
): Reclaimed {
  const now = () => disk.clock.now().getTime();
  const ageOf = (info: Deno.FileInfo | undefined) =>
    info?.mtime == null ? undefined : Math.max(0, now() - info.mtime.getTime());
  const judged = ageOf(
    protocol.statIn(disk, { queue, checkout: true }, name, { fresh: true }),
  );
  if (judged === undefined) return { kind: "gone" };
  if (judged < olderThanMs) return { kind: "fresh", checkedOutMs: judged };
  const claimed = protocol.claim(
    disk,
    disk.layout.checkoutFile(queue, name),
    disk.layout.queueFile(queue, name),
    name,
    "take stale checkout",
    // THE STAMP IS JUDGED AGAIN ON THE FILE LINKED: if a consumer checked
    // the entry out again since the look above, its claim stamped the file
    // before unlinking the waiting name, and this link is undone.
    (linked) => (ageOf(disk.fs.lstat(linked)) ?? 0) >= olderThanMs,
  );
  return claimed
    ? { kind: "requeued", checkedOutMs: judged }
    : { kind: "gone" };
}
