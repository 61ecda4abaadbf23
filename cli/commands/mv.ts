/**
 * The `mv` subcommand: move entries from one queue to another, as a
 * consumer would (checked out, then saved), keeping their due times:
 * entries named, found by name, or every entry a filter picks
 * (`postsuper -r` style).
 *
 * @module
 */

import { bulkCommand } from "../bulk.ts";
import type { Command } from "../command.ts";

/** `multispool mv`. */
export const mv: Command = bulkCommand({
  name: "mv",
  summary: "move entries to another queue (named, filtered, or --all)",
  usage:
    `Usage: multispool mv DIR [FROM] NAME [NAME ...] TO [--force] [--dry-run]
       multispool mv DIR FROM TO (--all | filters) [--dry-run] [--json]

Moves entries to queue TO, as a consumer would: each is checked out, then
saved to TO. A delayed entry keeps its due time in TO (multispool flush
makes it due now); its failed attempts stay counted (multispool retry gives
a fresh start). The first form moves the entries named, waiting in (or
checked out of) FROM, or without FROM wherever each is found (names are
unique in a spool; a first argument that names a queue is FROM). The second
moves every entry waiting in FROM that the filters pick (or all of them),
in one process, many at a time: --dry-run first shows how many and which, a
progress line runs on a terminal, and a count ends the run.

An entry checked out by a consumer is not moved: mv says since when it has
been checked out ("checked out 12m ago"; no process id is kept on disk). A
NAME checked out for longer than the checkout limit can be taken with
--force, when its consumer is known to be dead. Filters pick waiting
entries only.`,
  destinationLast: true,
  action: (_parsed, to) => ({ kind: "move", to: to! }),
  verb: { done: "moved", planned: "would move", doing: "moving" },
});
