/**
 * The repair of a `too-old` problem: a checkout older than the checkout
 * limit is put back in its queue (its consumer is presumed dead), a file in
 * `.tmp/` deleted, and an entry that waited too long left to its consumers.
 *
 * @module
 */

import { recordAbandoned } from "../failure.ts";
import { editHistoryText } from "../history.ts";
import type { Problem } from "../problems.ts";
import * as protocol from "../protocol/mod.ts";
import type { Dir } from "../protocol/mod.ts";
import { CHANGED, failed, type RepairContext } from "./context.ts";
import { deleteTmp } from "./delete_tmp.ts";

/** Repairs a file older than its limit. */
export async function repairTooOld(
  context: RepairContext,
  problem: Problem,
): Promise<void> {
  const [dir] = problem.dirs;
  if (typeof dir === "object" && dir.checkout) {
    await requeue(context, problem, dir);
  } else if (dir === "tmp") {
    deleteTmp(context, problem);
  } else {
    context.leave(
      problem,
      "the entry has waited longer than its queue's limit; it needs a consumer, not a repair",
    );
  }
}

/** Puts a stale checkout back in its queue, the attempt recorded. */
async function requeue(
  context: RepairContext,
  problem: Problem,
  dir: Exclude<Dir, string>,
): Promise<void> {
  const { disk, dryRun } = context;
  const { name } = problem;
  const { queue } = dir;
  if (context.has(name, "orphaned", dir)) {
    context.leave(problem, "it has no registry file; inspect it by hand");
    return;
  }
  if (context.has(name, "duplicated")) {
    context.leave(problem, "the entry is also elsewhere (duplicated)");
    return;
  }
  if (context.mtime("data", name) === undefined) {
    context.leave(
      problem,
      "damaged: its data file is missing, so not requeued",
    );
    return;
  }
  if (dryRun) {
    context.act({ kind: "requeue", name, queue, problem });
    return;
  }
  // Its consumer may have touched it since the scan: judged again, and
  // proved once more as it is put back (see protocol.moveStale).
  const judged = context.judge(dir, name);
  let moved = false;
  try {
    // The attempt counts: a consumer that dies on this entry every time
    // must not keep it forever (see RetryPolicy). Recorded with the move,
    // or neither happens.
    moved = judged !== undefined &&
      await protocol.requeue(
        disk,
        queue,
        name,
        judged,
        (text) => editHistoryText(text, recordAbandoned(queue, "repair")),
      );
  } catch (error) {
    // Nothing moved; the attempt was recorded only if the move was cut
    // short after it (then the entry is in two places, which a later
    // repair finishes).
    context.leave(problem, `not requeued: ${failed(error)}`);
    return;
  }
  if (moved) context.act({ kind: "requeue", name, queue, problem });
  else context.leave(problem, CHANGED);
}
