/**
 * The `hold` and `release` subcommands: Postfix's `postsuper -h` and `-H`
 * for a spool. A held queue is any queue the operator chooses (made with
 * `init DIR --queue held`) that no consumer reads; holding moves entries
 * there and remembers where each came from, releasing moves them back.
 *
 * @module
 */

import { stringFlag, UsageError } from "./args.ts";
import { bulkCommand } from "./bulk.ts";

const TO = { to: { type: "string" } } as const;

export const hold = bulkCommand({
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
  flags: TO,
  action: (parsed) => {
    const to = stringFlag(parsed, "to");
    if (to === undefined) throw new UsageError("give --to HELD");
    return { kind: "hold", to };
  },
  verb: { done: "held", planned: "would hold", doing: "holding" },
});

export const release = bulkCommand({
  name: "release",
  summary: "release held entries back where they came from",
  usage:
    `Usage: multispool release DIR [HELD] NAME [NAME ...] [--to QUEUE] [--force] [--dry-run]
       multispool release DIR HELD (--all | filters) [--to QUEUE] [--dry-run]

Releases held entries, as Postfix's postsuper -H does: moves each back to
the queue it was held from (hold remembers it), or to QUEUE with --to,
where consumers take them. Named entries (in HELD, or found wherever they
are), or the entries of HELD the filters pick, or --all. A delayed entry
keeps its due time (multispool flush makes it due now). An entry that was
not held by hold (moved there by mv, say) has no origin: give --to.`,
  options:
    "  --to QUEUE                  where the entries go (default: where each was\n                              held from)",
  flags: TO,
  action: (parsed) => ({ kind: "release", to: stringFlag(parsed, "to") }),
  verb: { done: "released", planned: "would release", doing: "releasing" },
});
