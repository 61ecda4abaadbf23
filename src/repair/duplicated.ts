/**
 * The repair of a `duplicated` problem, one entry under several names: a
 * claim or a move cut short is finished, and two different files under one
 * name are split, each extra copy given a name of its own.
 *
 * @module
 */

import type { Problem } from "../problems.ts";
import * as protocol from "../protocol/mod.ts";
import { type Dir, dirName } from "../protocol/mod.ts";
import { CHANGED, type RepairContext } from "./context.ts";

/** Repairs an entry found under several names. */
export async function repairDuplicated(
  context: RepairContext,
  problem: Problem,
): Promise<void> {
  const queue = claimCutShort(problem);
  if (queue !== undefined) await finishClaim(context, problem, queue);
  else if (problem.sameFile) finishMove(context, problem);
  else await splitCopies(context, problem);
}

/**
 * The queue of a claim cut short: one file waiting in a queue and in that
 * queue's `.checkout/`, and nowhere else.
 */
function claimCutShort(problem: Problem): string | undefined {
  if (!problem.sameFile || problem.dirs.length !== 2) return undefined;
  const [a, b] = problem.dirs;
  if (typeof a !== "object" || typeof b !== "object") return undefined;
  if (a.queue !== b.queue || a.checkout === b.checkout) return undefined;
  return a.queue;
}

/**
 * A claim cut short between its link and its unlink, once older than the
 * checkout limit: the entry waits in its queue again, under one name.
 */
async function finishClaim(
  context: RepairContext,
  problem: Problem,
  queue: string,
): Promise<void> {
  const { name } = problem;
  const held: Dir = { queue, checkout: true };
  const related = context.problemsOf(name).filter((p) =>
    p.kind === "too-old" && dirName(p.dirs[0]) === dirName(held)
  );
  const judged = context.judge(held, name);
  if (judged === undefined) {
    context.leave(
      problem,
      "a claim in progress, or cut short less than the checkout limit ago",
    );
  } else if (
    !context.dryRun &&
    !await protocol.finishClaim(context.disk, queue, name, {
      ...judged,
      linkedOlderThanMs: context.limits.workInProgressMs,
    })
  ) {
    context.leave(problem, CHANGED);
  } else {
    context.act({ kind: "finish-claim", name, queue, problem }, related);
  }
}

/**
 * One file under names in several queues (a move cut short, not a claim
 * into its own queue's checkouts): one name is kept, a waiting one if
 * there is one, and the others go, a checkout name only once it is older
 * than the checkout limit.
 */
function finishMove(context: RepairContext, problem: Problem): void {
  const { name } = problem;
  const dirs = problem.dirs.filter((d) => typeof d === "object");
  const keep = dirs.find((d) => !d.checkout) ?? dirs[0];
  const others = dirs.filter((d) => d !== keep);
  const olderThanMs = others.some((d) => d.checkout)
    ? context.limits.maxCheckedOutAgeMs
    : -Infinity;
  const judged = context.judge(keep, name, olderThanMs);
  if (judged === undefined) {
    context.leave(problem, "checked out less than the checkout limit ago");
  } else if (
    !context.dryRun &&
    !protocol.finishMove(context.disk, keep, others, name, {
      ...judged,
      linkedOlderThanMs: context.limits.workInProgressMs,
    })
  ) {
    context.leave(problem, CHANGED);
  } else {
    context.act({ kind: "finish-claim", name, queue: keep.queue, problem });
  }
}

/** Two different files under one name: each extra copy gets its own. */
async function splitCopies(
  context: RepairContext,
  problem: Problem,
): Promise<void> {
  const { disk, dryRun } = context;
  const { name } = problem;
  let dirs = problem.dirs.filter((d) => typeof d === "object");
  // A copy whose split a crash cut short (its old name and its new one
  // are one file): the split is finished, never made again (the copy
  // would be two entries, handled twice).
  for (const dir of [...dirs]) {
    const newName = await protocol.splitCutShort(disk, dir, name);
    if (newName === undefined) continue;
    const mtime = context.mtime(dir, name);
    const judged = mtime && {
      mtime,
      olderThanMs: 0,
      linkedOlderThanMs: context.limits.workInProgressMs,
    };
    if (
      !dryRun &&
      !(judged &&
        await protocol.finishSplit(disk, dir, name, newName, judged))
    ) {
      context.leave(
        problem,
        "a split in progress, or one cut short that changed during the repair; look again",
      );
      return;
    }
    context.act({ kind: "finish-split", name, dir, newName, problem });
    dirs = dirs.filter((d) => d !== dir);
  }
  if (dirs.length < 2) return;
  // The copy a consumer may hold keeps the name; so does the first.
  const keep = dirs.find((d) => d.checkout && !context.isStale(d, name)) ??
    dirs[0];
  const copies = dirs.filter((d) => d !== keep);
  const held = copies.find((d) => d.checkout && !context.isStale(d, name));
  if (held !== undefined) {
    context.leave(
      problem,
      `two copies are checked out; look again once ${
        dirName(held)
      }/${name} is done`,
    );
    return;
  }
  for (const copy of copies) {
    const newName = copyName(name);
    if (
      !dryRun && !await protocol.splitDuplicate(disk, copy, name, newName)
    ) {
      context.leave(problem, CHANGED);
      return;
    }
    context.act({ kind: "split-duplicate", name, dir: copy, newName, problem });
  }
}

/** A new name for a copy of `name`: the name, `-copy-`, 8 hex digits. */
function copyName(name: string): string {
  return protocol.copyPrefix(name) + crypto.randomUUID().slice(0, 8);
}
