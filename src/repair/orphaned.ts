/**
 * The repair of an `orphaned` problem, a file no entry explains: what an
 * enqueue that never finished left (its registry file, maybe `.tmp/` and
 * `.data/` files; or a payload whose registry file a power cut lost) is
 * deleted once older than the tmp limit; anything else is left to a person.
 *
 * @module
 */

import { locate, type Problem } from "../problems.ts";
import * as protocol from "../protocol/mod.ts";
import type { Dir } from "../protocol/mod.ts";
import { CHANGED, type RepairContext } from "./context.ts";
import { deleteTmp } from "./delete_tmp.ts";

/** Repairs a file that no entry explains. */
export function repairOrphaned(context: RepairContext, problem: Problem): void {
  const [dir] = problem.dirs;
  if (dir === "registry") unfinishedEnqueue(context, problem);
  else if (dir === "tmp" && context.has(problem.name, "too-old", "tmp")) {
    deleteTmp(context, problem);
  } else if (dir === "data") lostPayload(context, problem);
  else {
    context.leave(
      problem,
      dir === "tmp"
        ? "younger than the tmp limit; an operation may still be using it"
        : "it has no registry file, so no crash of this library explains it; inspect it by hand",
    );
  }
}

/** An enqueue that never finished: registry, maybe tmp and data. */
function unfinishedEnqueue(context: RepairContext, problem: Problem): void {
  const { name } = problem;
  const dirs: Dir[] = ["registry"];
  if (context.mtime("tmp", name) !== undefined) dirs.unshift("tmp");
  if (context.mtime("data", name) !== undefined) dirs.splice(-1, 0, "data");
  const newestOf = () =>
    Math.max(...dirs.map((d) => context.mtime(d, name)?.getTime() ?? 0));
  const newest = newestOf();
  const related = context.problemsOf(name).filter((p) => p !== problem);
  if (!context.olderThan(newest, context.limits.maxTmpFileAgeMs)) {
    context.leave(
      problem,
      "an enqueue may still be in progress (its files are younger than the tmp limit)",
    );
    return;
  }
  if (!context.dryRun) {
    // Check again: no entry appeared, nothing got younger.
    const stillAlone = locate(context.disk, context.queues, name).length === 0;
    if (!stillAlone || newestOf() !== newest) {
      context.leave(problem, CHANGED);
      return;
    }
    protocol.removeLeftovers(context.disk, name);
  }
  context.act({ kind: "delete-leftovers", name, dirs, problem }, related);
}

/**
 * A payload with no registry file and no entry: a power cut lost the
 * registry file of an enqueue that never finished. No live entry can own it
 * (an entry's registry file outlives its payload).
 */
function lostPayload(context: RepairContext, problem: Problem): void {
  const { name } = problem;
  if (
    !context.olderThan(
      context.mtime("data", name),
      context.limits.maxTmpFileAgeMs,
    )
  ) {
    context.leave(
      problem,
      "younger than the tmp limit; an enqueue may be in progress",
    );
  } else if (locate(context.disk, context.queues, name).length > 0) {
    context.leave(
      problem,
      "an entry uses it but has no registry file; inspect it by hand",
    );
  } else {
    if (!context.dryRun) protocol.removeLeftovers(context.disk, name);
    context.act({ kind: "delete-leftovers", name, dirs: ["data"], problem });
  }
}
