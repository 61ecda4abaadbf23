/**
 * The repair of a `damaged` problem: a symbolic link where the spool keeps
 * files is unlinked; a damaged entry is moved to the `damagedTo` queue, its
 * damage recorded, or left alone without one.
 *
 * @module
 */

import { recordDamage } from "../failure.ts";
import { editHistoryText } from "../history.ts";
import type { Problem } from "../problems.ts";
import * as protocol from "../protocol/mod.ts";
import { dirName } from "../protocol/mod.ts";
import { CHANGED, failed, type RepairContext } from "./context.ts";

/** Repairs an entry or file that cannot be used as it is. */
export async function repairDamaged(
  context: RepairContext,
  problem: Problem,
): Promise<void> {
  const { disk, dryRun } = context;
  const { damagedTo } = context.options;
  const { name } = problem;
  const [dir] = problem.dirs;
  if (typeof dir !== "object" || problem.reason?.startsWith("not a ")) {
    const info = protocol.statIn(disk, dir, name);
    if (!info?.isSymlink) {
      context.leave(
        problem,
        "a directory or special file where the spool keeps files; remove it by hand",
      );
    } else if (!dryRun && !protocol.removeLink(disk, dir, name)) {
      context.leave(problem, CHANGED);
    } else context.act({ kind: "remove-link", name, dir, problem });
    return;
  }
  // The entry's other problems are this one's.
  const related = context.problemsOf(name).filter((p) =>
    p !== problem && p.kind === "too-old" &&
    dirName(p.dirs[0]) === dirName(dir)
  );
  if (damagedTo === undefined) {
    // (The problem says what the damage is; the reason, what to do.)
    context.leave(
      problem,
      "move it aside (repair with damagedTo, the CLI's --damaged-to QUEUE) or remove it",
    );
    context.settle(related);
    return;
  }
  const judged = dir.checkout ? context.judge(dir, name) : undefined;
  if (dir.checkout && judged === undefined) {
    context.leave(problem, "checked out: its consumer is dealing with it");
    return;
  }
  if (!dryRun) {
    let moved: boolean;
    try {
      moved = await protocol.moveDamaged(
        disk,
        dir,
        name,
        damagedTo,
        (text) => damagedHistory(text, dir.queue, damagedTo, problem),
        {
          judged,
          stillDamaged: (read) => stillDamaged(context, problem, read),
        },
      );
    } catch (error) {
      context.leave(problem, `it could not be moved: ${failed(error)}`);
      return;
    }
    if (!moved) {
      context.leave(problem, CHANGED);
      return;
    }
  }
  context.act(
    { kind: "move-damaged", name, dir, queue: damagedTo, problem },
    related,
  );
}

/**
 * Whether the entry judged damaged for `problem` is so still; `read` reads
 * its metadata.
 */
function stillDamaged(
  context: RepairContext,
  problem: Problem,
  read: () => string,
): boolean {
  if (problem.reason?.includes("payload")) {
    return protocol.statIn(context.disk, "data", problem.name)?.isFile !==
      true;
  }
  const { decode } = context.options;
  if (decode === undefined) return true;
  try {
    decode(read());
    return false;
  } catch {
    return true;
  }
}

/**
 * An entry's history (its registry file's text) with its damage recorded,
 * and its quarantine in `toQueue`, where it is being moved.
 */
function damagedHistory(
  text: string,
  queue: string,
  toQueue: string,
  problem: Problem,
): string {
  const reason = problem.reason ?? "damaged";
  return editHistoryText(
    text,
    recordDamage(queue, toQueue, `repair: ${reason}`, reason),
  );
}
