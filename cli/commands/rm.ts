/**
 * The `rm` subcommand: remove entries, as a consumer would (checked out,
 * then metadata, payload and registry file unlinked): entries named, found
 * by name, or every entry a filter picks (`postsuper -d` style).
 *
 * @module
 */

import { bulkCommand } from "../bulk.ts";
import type { Command } from "../command.ts";

/** `multispool rm`. */
export const rm: Command = bulkCommand({
  name: "rm",
  summary: "remove entries (named, filtered, or --all)",
  usage: `Usage: multispool rm DIR [QUEUE] NAME [NAME ...] [--force] [--dry-run]
       multispool rm DIR QUEUE (--all | filters) [--dry-run] [--json]

Removes entries, delayed or not: each is checked out, then its metadata,
payload and registry file are removed. The first form removes the entries
named, waiting in (or checked out of) QUEUE, or without QUEUE wherever each
is found (a first argument that names a queue is QUEUE). The second removes
every entry waiting in QUEUE that the filters pick (or all of them), in one
process, many at a time: --dry-run first shows how many and which, a
progress line runs on a terminal, and a count ends the run.

An entry checked out by a consumer is not removed: rm says since when it
has been checked out ("checked out 12m ago"; no process id is kept on
disk). A NAME checked out for longer than the checkout limit can be taken
with --force, when its consumer is known to be dead. Filters pick waiting
entries only.`,
  action: () => ({ kind: "remove" }),
  verb: { done: "removed", planned: "would remove", doing: "removing" },
});
