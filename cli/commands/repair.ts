/**
 * The `repair` subcommand: what crashes left behind, fixed (a dry run
 * unless `--apply`).
 *
 * @module
 */

import {
  describeProblem,
  dirName,
  Monitor,
  type RepairAction,
} from "../../monitor.ts";
import { boolFlag, parse, positionals, stringFlag } from "../args.ts";
import type { Command } from "../command.ts";
import { LIMIT_FLAGS, LIMIT_HELP, monitorOptions } from "../flags/limits.ts";
import { SPANS_HELP } from "../flags/filters.ts";
import { escapeText, printJson } from "../output.ts";
import { problemJson, quarantineLine } from "../problem_output.ts";

/** One line for an action repair took (or would take). */
function actionLine(action: RepairAction, dryRun: boolean): string {
  const verb = (done: string, planned: string) => dryRun ? planned : done;
  switch (action.kind) {
    case "requeue":
      return `${
        verb("requeued", "would requeue")
      } ${action.name}: stale checkout back to ${action.queue}`;
    case "finish-claim":
      return `${
        verb("finished", "would finish")
      } ${action.name}: a claim cut short; waits in ${action.queue} again`;
    case "delete-tmp":
      return `${
        verb("deleted", "would delete")
      } .tmp/${action.name}: abandoned`;
    case "delete-leftovers":
      return `${verb("deleted", "would delete")} ${
        action.dirs.map((d) => `${dirName(d)}/${action.name}`).join(", ")
      }: an enqueue that never finished`;
    case "remove-link":
      return `${verb("unlinked", "would unlink")} ${
        dirName(action.dir)
      }/${action.name}: a symbolic link (its target is untouched)`;
    case "split-duplicate":
      return `${verb("split", "would split")} ${
        dirName(action.dir)
      }/${action.name}: a second copy, now entry ${action.newName}`;
    case "finish-split":
      return `${verb("finished", "would finish")} ${
        dirName(action.dir)
      }/${action.name}: a split cut short; the copy is entry ${action.newName}`;
    case "move-damaged":
      return `${verb("moved", "would move")} ${
        dirName(action.dir)
      }/${action.name} to ${action.queue}: damaged (${action.problem.reason})`;
  }
}

/** `multispool repair`. */
export const repair: Command = {
  name: "repair",
  summary: "fix what crashes left behind (dry run unless --apply)",
  help: `Usage: multispool repair DIR [--apply] [--json] [limits]

Shows (or with --apply, does) what repair would fix:
- checkouts older than the checkout limit go back to their queue (unless
  their payload is missing), their abandoned attempt counted;
- an entry left both waiting and checked out by a claim that a crash cut
  short waits in its queue again, and a split cut short keeps its new name;
- files in .tmp/ older than the tmp limit are deleted, and so are names with
  a registry file but no entry, all of whose files are older than that;
- a symbolic link planted in the spool is unlinked (never its target);
- an entry found in two places as two different files gets a second name
  for its second copy, payload included;
- with --damaged-to QUEUE, an entry whose payload is missing or not a
  regular file (or, with --decode-json, whose metadata is not JSON) is moved
  to QUEUE with the reason in its history, once: there it is quarantined,
  and left alone by the next repair.
Every action proves again, at the moment it acts, what it judged: an entry
a consumer touched or took meanwhile is left alone. Nothing younger than
the limits is touched. Problems repair cannot explain are listed and left
alone.

Do not run --apply from a timer: a consumer that is alive but has not
touched its checkout within the limit would lose it.

Options:
  --apply                     do it (the default is a dry run)
  --damaged-to QUEUE          move damaged entries to QUEUE
  --json                      print the report as JSON
${LIMIT_HELP}
  -h, --help                  show this help

${SPANS_HELP}

Exit codes: 0 nothing left alone; 1 problems were left alone; 2 usage, input
or access error.`,
  async run(args) {
    const parsed = parse(args, {
      apply: { type: "boolean" },
      json: { type: "boolean" },
      "damaged-to": { type: "string" },
      ...LIMIT_FLAGS,
    });
    const [dir] = positionals(parsed, ["DIR"]);
    const monitor = await Monitor.create(dir, monitorOptions(parsed));
    const report = await monitor.repair({
      dryRun: !boolFlag(parsed, "apply"),
      damagedTo: stringFlag(parsed, "damaged-to"),
    });
    if (boolFlag(parsed, "json")) {
      printJson({
        dryRun: report.dryRun,
        actions: report.actions.map((a) => ({
          ...a,
          problem: problemJson(a.problem),
        })),
        leftAlone: report.leftAlone.map((l) => ({
          problem: problemJson(l.problem),
          reason: l.reason,
        })),
        quarantined: report.quarantined.map((q) => ({
          ...q,
          since: q.since.toISOString(),
        })),
      });
    } else {
      if (report.actions.length === 0 && report.leftAlone.length === 0) {
        console.log(`${dir}: nothing to repair`);
      }
      if (report.quarantined.length > 0) {
        console.log(
          escapeText(
            `${quarantineLine(report.quarantined)} (left as they are)`,
          ),
        );
      }
      // File names are anyone's: escaped before they reach a terminal.
      for (const action of report.actions) {
        console.log(escapeText(actionLine(action, report.dryRun)));
      }
      for (const { problem, reason } of report.leftAlone) {
        console.log(
          escapeText(
            `left alone: ${describeProblem(problem, monitor.now())}: ${reason}`,
          ),
        );
      }
      if (report.dryRun && report.actions.length > 0) {
        console.log("(dry run: add --apply to do it)");
      }
    }
    return report.leftAlone.length === 0 ? 0 : 1;
  },
};
