/**
 * The `mv` subcommand: move entries from one queue to another, as a
 * consumer would (checked out, then saved), keeping their due times:
 * entries named, or every entry a filter picks (`postsuper -r` style).
 *
 * @module
 */

import { parse, positionals, UsageError } from "./args.ts";
import {
  BULK_FLAGS,
  BULK_HELP,
  type BulkAction,
  bulkOptions,
  runBulk,
  selecting,
  targetsFrom,
} from "./bulk.ts";
import type { Command } from "./command.ts";
import { escapeText } from "./output.ts";
import { expectQueue, openSpool } from "./spool.ts";

/** Moving entries from `from` to `to`, keeping their due times. */
export function moveAction(from: string, to: string): BulkAction {
  const route = `from ${escapeText(from)} to ${escapeText(to)}`;
  return {
    kind: "move",
    doing: "moving",
    doneLine: (name, due) =>
      `moved ${escapeText(name)} ${route}${
        due === undefined ? "" : `, due ${due.toISOString()}`
      }`,
    plannedLine: (name) => `would move ${escapeText(name)} ${route}`,
    countLine: (n, dryRun) =>
      `${dryRun ? "would move" : "moved"} ${n} ${
        n === 1 ? "entry" : "entries"
      } ${route}`,
    apply: (job, due) => job.save(to, { at: due }),
  };
}

/** Exit codes of the bulk actions, for their help. */
export const BULK_EXIT_CODES =
  `Exit codes: 0 done (also when a filter matches nothing, or entries were
taken by consumers meanwhile); 1 a NAME is not there, or is checked out and
was left alone; 2 usage, input or access error.`;

export const mv: Command = {
  name: "mv",
  summary: "move entries to another queue (named, filtered, or --all)",
  help: `Usage: multispool mv DIR FROM NAME [NAME ...] TO [--force] [--dry-run]
       multispool mv DIR FROM TO (--all | filters) [--dry-run] [--json]

Moves entries waiting in queue FROM to queue TO, as a consumer would: each
is checked out, then saved to TO. A delayed entry keeps its due time in TO
(multispool flush makes it due now). The first form moves the entries
named; the second every entry of FROM that the filters pick (or all of
them), in one process, many at a time: --dry-run first shows how many and
which, a progress line runs on a terminal, and a count ends the run.

An entry checked out by a consumer is not moved: mv says since when it has
been checked out ("checked out 12m ago"; no process id is kept on disk). A
NAME checked out for longer than the checkout limit can be taken with
--force, when its consumer is known to be dead (if it is alive, it loses the
entry). Filters pick waiting entries only.

Options:
${BULK_HELP}
  -h, --help                  show this help

Spans: 500ms, 90s, 10m, 1h, 2d, 1h30m.

${BULK_EXIT_CODES}`,
  async run(args) {
    const parsed = parse(args, BULK_FLAGS);
    let dir: string, from: string, to: string | undefined, names: string[];
    if (selecting(parsed)) {
      [dir, from, to] = positionals(parsed, ["DIR", "FROM", "TO"]);
      names = [];
    } else {
      [dir, from, ...names] = parsed.positionals;
      if (dir === undefined) throw new UsageError("missing DIR");
      if (from === undefined) throw new UsageError("missing FROM");
      to = names.pop();
      if (to === undefined) throw new UsageError("missing NAME TO");
    }
    const targets = targetsFrom(parsed, names);
    const spool = await openSpool(dir);
    expectQueue(spool, from);
    expectQueue(spool, to);
    return await runBulk(
      spool,
      from,
      targets,
      moveAction(from, to),
      bulkOptions(parsed, "mv", { action: "move", from, to }),
    );
  },
};
