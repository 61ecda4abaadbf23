/**
 * The `hold` subcommand: Postfix's `postsuper -h` for a spool. A held queue
 * is any queue the operator chooses (made with `init DIR --queue held`)
 * that no consumer reads; holding moves entries there and remembers where
 * each came from, for `release`.
 *
 * @module
 */

import { stringFlag, UsageError } from "../args.ts";
import { bulkCommand } from "../bulk.ts";
import type { Command } from "../command.ts";

/** `multispool hold`. */
export const hold: Command = bulkCommand({
  name: "hold",
  summary: "put entries on hold: move them to a queue no consumer reads",
  usage:
    `Usage: multispool hold DIR [QUEUE] NAME [NAME ...] --to HELD [--force] [--dry-run]
       multispool hold DIR QUEUE (--all | filters) --to HELD [--dry-run]

Puts entries on hold, as Postfix's postsuper -h does: moves them to the
queue HELD, which is any queue of the spool that no consumer reads, of your
choosing (create it with: multispool init DIR --queue held). They wait
there, untouched, until released; each remembers the queue it was held
from, where release sends it back. Named entries (in QUEUE, or found
wherever they are), or the entries of QUEUE the filters pick, or --all; a
delayed entry keeps its due time; entries checked out by a consumer are
left alone (see --force).`,
  options: "  --to HELD                   the held queue (required)",
  flags: { to: { type: "string" } },
  action: (parsed) => {
    const to = stringFlag(parsed, "to");
    if (to === undefined) throw new UsageError("give --to HELD");
    return { kind: "hold", to };
  },
  verb: { done: "held", planned: "would hold", doing: "holding" },
});
