/**
 * Putting back a checkout presumed abandoned, for an operator's force:
 * the exclusive steps of repair, for one entry, now.
 *
 * @module
 */

import type { SpoolCore } from "./core.ts";
import { recordAbandoned } from "./failure.ts";
import { editHistoryText } from "./history.ts";
import * as protocol from "./protocol/mod.ts";

/**
 * What {@linkcode requeueStale} did with a checked-out entry.
 *
 * - `requeued`: its checkout was older than the limit; it was put back in
 *   its queue, the abandoned attempt recorded in its history.
 * - `finished-claim`: it was a claim cut short (one file both waiting and
 *   checked out) whose last link is older than the limit; its checkout
 *   name was unlinked, and it waits in its queue again.
 * - `fresh`: its checkout (or the claim's link) is not older than the
 *   limit: its consumer may be at work; left alone.
 * - `changed`: it changed each time it was judged (touched, saved, taken
 *   again), or it has another name (a split cut short, which repair
 *   finishes): left alone; look again.
 * - `gone`: it is not checked out (any more).
 *
 * `ageMs` is the age it was judged by, on the file system's clock.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { StaleCheckoutResult } from "@multispool/multispool/expert";
 *
 * function explain(result: StaleCheckoutResult): string {
 *   switch (result.kind) {
 *     case "requeued":
 *     case "finished-claim":
 *       return "back in its queue";
 *     case "fresh":
 *       return `its consumer may be at work (${result.ageMs} ms)`;
 *     default:
 *       return "left alone";
 *   }
 * }
 * assert.equal(explain({ kind: "fresh", ageMs: 5 }), "its consumer may be at work (5 ms)");
 * ```
 */
export type StaleCheckoutResult =
  | { kind: "requeued" | "finished-claim" | "fresh"; ageMs: number }
  | { kind: "changed" | "gone" };

/** How many times a checkout that changes while it is judged is judged. */
const ATTEMPTS = 3;

/**
 * Puts entry `name`, checked out of `queue`, back in its queue if its
 * checkout is older than `olderThanMs`, proving it at the moment it acts
 * (see `protocol.moveStale` and `protocol.finishClaim`).
 *
 * @throws {SpoolError} If the abandoned attempt cannot be recorded (then
 * nothing moved), or the disk fails.
 */
export async function requeueStale<Q extends string, M, D>(
  core: SpoolCore<Q, M, D, unknown>,
  queue: Q,
  name: string,
  olderThanMs: number,
): Promise<StaleCheckoutResult> {
  const operation = "requeue stale checkout";
  core.checkQueue(queue, operation);
  core.checkName(name, operation);
  const { disk } = core;
  const held = { queue, checkout: true };
  const waiting = { queue, checkout: false };
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const info = protocol.statIn(disk, held, name, { fresh: true });
    if (info?.mtime == null || !info.isFile) return { kind: "gone" };
    const mtime = info.mtime;
    const now = disk.clock.now().getTime();
    if (protocol.sameFile(disk, [waiting, held], name)) {
      // A claim cut short: aged by its link (the file's change time),
      // whatever time the waiting entry carries (a due time, say).
      const ageMs = now -
        Math.max(Math.min(mtime.getTime(), now), info.ctime?.getTime() ?? 0);
      if (!protocol.linkedLongAgo(info, now, olderThanMs)) {
        return { kind: "fresh", ageMs };
      }
      const judged = {
        mtime,
        olderThanMs: -Infinity,
        linkedOlderThanMs: olderThanMs,
      };
      if (await protocol.finishClaim(disk, queue, name, judged)) {
        return { kind: "finished-claim", ageMs };
      }
      continue;
    }
    const ageMs = now - mtime.getTime();
    if (ageMs <= olderThanMs) return { kind: "fresh", ageMs };
    const moved = await protocol.requeue(
      disk,
      queue,
      name,
      { mtime, olderThanMs },
      (text) => editHistoryText(text, recordAbandoned(queue, "force")),
    );
    if (moved) return { kind: "requeued", ageMs };
  }
  return { kind: "changed" };
}
