/**
 * Repair: the explicit, opt-in fix for what a crash leaves behind. Each
 * kind of problem has its repair (in `repair/`); they share one context,
 * which reports what they did and what they left alone.
 *
 * @module
 */

import { findProblems, type Limits, type Problem } from "./problems.ts";
import type { Disk } from "./protocol/mod.ts";
import {
  type Repair,
  RepairContext,
  type RepairOptions,
} from "./repair/context.ts";
import { repairDamaged } from "./repair/damaged.ts";
import { repairDuplicated } from "./repair/duplicated.ts";
import { repairOrphaned } from "./repair/orphaned.ts";
import type { RepairReport } from "./repair/report.ts";
import { repairTooOld } from "./repair/too_old.ts";

export type { RepairAction, RepairReport } from "./repair/report.ts";
export type { RepairOptions } from "./repair/context.ts";

/** The repair of each kind of problem. */
const REPAIRS: Record<Problem["kind"], Repair> = {
  "damaged": repairDamaged,
  "duplicated": repairDuplicated,
  "too-old": repairTooOld,
  "orphaned": repairOrphaned,
};

/**
 * Finds the problems of the spool and fixes those that a crash explains,
 * touching nothing younger than the limits. Each action is checked again
 * just before it is carried out.
 */
export async function repairSpool(
  disk: Disk,
  queues: readonly string[],
  limits: Limits,
  options: RepairOptions,
): Promise<RepairReport> {
  const found = await findProblems(disk, queues, limits, undefined, {
    decode: options.decode,
  });
  const context = new RepairContext(disk, queues, limits, options, found);
  for (const problem of found.problems) {
    // A problem may be settled by the repair of another of its entry's.
    if (context.isDone(problem)) continue;
    await REPAIRS[problem.kind](context, problem);
  }
  return context.report;
}
