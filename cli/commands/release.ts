/**
 * The `release` subcommand: Postfix's `postsuper -H` for a spool, which
 * moves held entries back where `hold` took them from.
 *
 * @module
 */

import { stringFlag } from "../args.ts";
import { bulkCommand } from "../bulk.ts";
import type { Command } from "../command.ts";

/** `multispool release`. */
export const release: Command = bulkCommand({
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
  flags: { to: { type: "string" } },
  action: (parsed) => ({ kind: "release", to: stringFlag(parsed, "to") }),
  verb: { done: "released", planned: "would release", doing: "releasing" },
});
