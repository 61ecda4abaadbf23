/**
 * The `rm` subcommand: remove entries, as a consumer would (checked out,
 * then metadata, payload and registry file unlinked): entries named, or
 * every entry a filter picks (`postsuper -d` style).
 *
 * @module
 */

import { parse, UsageError } from "./args.ts";
import {
  BULK_FLAGS,
  BULK_HELP,
  bulkOptions,
  runBulk,
  targetsFrom,
} from "./bulk.ts";
import type { Command } from "./command.ts";
import { BULK_EXIT_CODES } from "./mv.ts";
import { escapeText } from "./output.ts";
import { expectQueue, openSpool } from "./spool.ts";

export const rm: Command = {
  name: "rm",
  summary: "remove entries (named, filtered, or --all)",
  help: `Usage: multispool rm DIR QUEUE NAME [NAME ...] [--force] [--dry-run]
       multispool rm DIR QUEUE (--all | filters) [--dry-run] [--json]

Removes entries waiting in QUEUE, delayed or not: each is checked out, then
its metadata, payload and registry file are removed. The first form removes
the entries named; the second every entry of QUEUE that the filters pick
(or all of them), in one process, many at a time: --dry-run first shows how
many and which, a progress line runs on a terminal, and a count ends the
run.

An entry checked out by a consumer is not removed: rm says since when it has
been checked out ("checked out 12m ago"; no process id is kept on disk). A
NAME checked out for longer than the checkout limit can be taken with
--force, when its consumer is known to be dead. Filters pick waiting
entries only.

Options:
${BULK_HELP}
  -h, --help                  show this help

Spans: 500ms, 90s, 10m, 1h, 2d, 1h30m.

${BULK_EXIT_CODES}`,
  async run(args) {
    const parsed = parse(args, BULK_FLAGS);
    const [dir, queue, ...names] = parsed.positionals;
    if (dir === undefined) throw new UsageError("missing DIR");
    if (queue === undefined) throw new UsageError("missing QUEUE");
    const targets = targetsFrom(parsed, names);
    const spool = await openSpool(dir);
    expectQueue(spool, queue);
    const where = `from ${escapeText(queue)}`;
    return await runBulk(spool, queue, targets, {
      kind: "remove",
      doing: "removing",
      doneLine: (name) => `removed ${escapeText(name)} ${where}`,
      plannedLine: (name) => `would remove ${escapeText(name)} ${where}`,
      countLine: (n, dryRun) =>
        `${dryRun ? "would remove" : "removed"} ${n} ${
          n === 1 ? "entry" : "entries"
        } ${where}`,
      apply: (job) => job.remove(),
    }, bulkOptions(parsed, "rm", { action: "remove", queue }));
  },
};
