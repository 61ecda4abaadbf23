/**
 * The `hold` and `release` subcommands: Postfix's `postsuper -h` and `-H`
 * for a spool. A held queue is any queue the operator chooses (made with
 * `init DIR --queue held`) that no consumer reads; holding moves entries
 * there, releasing moves them back. Both are named forms of `mv`.
 *
 * @module
 */

import { type FlagSpec, parse, stringFlag, UsageError } from "./args.ts";
import {
  BULK_FLAGS,
  BULK_HELP,
  bulkOptions,
  runBulk,
  targetsFrom,
} from "./bulk.ts";
import type { Command } from "./command.ts";
import { BULK_EXIT_CODES, moveAction } from "./mv.ts";
import { expectQueue, openSpool } from "./spool.ts";

const FLAGS: FlagSpec = { ...BULK_FLAGS, to: { type: "string" } };

/** `hold` or `release`: a move from the positional queue to `--to`. */
function heldMove(
  name: "hold" | "release",
  summary: string,
  help: string,
): Command {
  return {
    name,
    summary,
    help,
    async run(args) {
      const parsed = parse(args, FLAGS);
      const [dir, from, ...names] = parsed.positionals;
      if (dir === undefined) throw new UsageError("missing DIR");
      if (from === undefined) {
        throw new UsageError(`missing ${name === "hold" ? "QUEUE" : "HELD"}`);
      }
      const to = stringFlag(parsed, "to");
      if (to === undefined) {
        throw new UsageError(
          `give --to ${name === "hold" ? "HELD" : "QUEUE"}`,
        );
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
        bulkOptions(parsed, name, { action: name, from, to }),
      );
    },
  };
}

export const hold: Command = heldMove(
  "hold",
  "put entries on hold: move them to a queue no consumer reads",
  `Usage: multispool hold DIR QUEUE [NAME ...] --to HELD [--force] [--dry-run]
       multispool hold DIR QUEUE (--all | filters) --to HELD [--dry-run]

Puts entries of QUEUE on hold, as Postfix's postsuper -h does: moves them to
the queue HELD, which is any queue of the spool that no consumer reads, of
your choosing (create it with: multispool init DIR --queue held). They wait
there, untouched, until released. The same as mv DIR QUEUE ... HELD: named
entries, or the entries the filters pick, or --all; a delayed entry keeps
its due time; entries checked out by a consumer are left alone (see
--force).

Options:
  --to HELD                   the held queue (required)
${BULK_HELP}
  -h, --help                  show this help

${BULK_EXIT_CODES}`,
);

export const release: Command = heldMove(
  "release",
  "release held entries back to a queue",
  `Usage: multispool release DIR HELD [NAME ...] --to QUEUE [--dry-run]
       multispool release DIR HELD (--all | filters) --to QUEUE [--dry-run]

Releases entries from the held queue HELD, as Postfix's postsuper -H does:
moves them to QUEUE, where consumers take them. The same as
mv DIR HELD ... QUEUE: named entries, or the entries the filters pick, or
--all. A delayed entry keeps its due time (multispool flush makes it due
now).

Options:
  --to QUEUE                  where the entries go (required)
${BULK_HELP}
  -h, --help                  show this help

${BULK_EXIT_CODES}`,
);
