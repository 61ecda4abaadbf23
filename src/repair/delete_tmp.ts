/**
 * The repair of a file abandoned in `.tmp/`, found too old or orphaned.
 *
 * @module
 */

import type { Problem } from "../problems.ts";
import * as protocol from "../protocol/mod.ts";
import type { RepairContext } from "./context.ts";

/**
 * Deletes `problem`'s file in `.tmp/`, found older than the tmp limit:
 * abandoned, with or without a registry file, since no operation leaves a
 * file there that long.
 */
export function deleteTmp(context: RepairContext, problem: Problem): void {
  const { name } = problem;
  const related = context.problemsOf(name).filter((p) =>
    p !== problem && p.dirs[0] === "tmp"
  );
  if (!context.dryRun) protocol.removeTmp(context.disk, name);
  context.act({ kind: "delete-tmp", name, problem }, related);
}
