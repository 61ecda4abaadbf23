/**
 * The `flush` subcommand: make delayed entries due now, as Postfix's
 * `postqueue -f` and `postsuper -r` do for deferred mail.
 *
 * @module
 */

import { type Entry, EntryNotFoundError } from "../../mod.ts";
import { formatCount, OperatorSpool } from "../../operator.ts";
import { boolFlag, parse, UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import { escapeText, printJson } from "../output.ts";
import { type CliData, expectQueue } from "../spool.ts";

/** One entry made due: where, and the due time it had. */
interface MadeDue {
  queue: string;
  name: string;
  /** The due time it had (this host's clock). */
  wasDue: string;
}

/**
 * Makes `entry` due now if it is delayed; the due time it had, or undefined
 * if it was due already. `missing` says what to do if it is not waiting.
 */
async function makeDue(
  entry: Entry<string, string, CliData, unknown>,
  missing: "skip" | "throw",
): Promise<Date | undefined> {
  try {
    return await entry.direct.makeDue();
  } catch (error) {
    // Taken by a consumer since the listing: not delayed any more.
    if (error instanceof EntryNotFoundError && missing === "skip") {
      return undefined;
    }
    throw error;
  }
}

function plural(n: number, one: string, many: string): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

export const flush: Command = {
  name: "flush",
  summary: "make delayed entries due now (one, a queue, or all)",
  help: `Usage: multispool flush DIR [QUEUE [NAME ...]] [--json]

Makes delayed entries due now, as Postfix's postqueue -f and postsuper -r do
for deferred mail: the entries NAME of QUEUE, every entry of QUEUE, or with
no QUEUE every entry of every queue. A consumer waiting on the queue takes
them at once (one polling a shared file system, at its next poll). Entries
due already and entries checked out are left as they are; their failed
attempts stay counted. Prints how many entries were made due.

Options:
  --json      print a JSON object: "madeDue" (how many), "queues" (how many
              per queue), "entries" (each with "queue", "name" and "wasDue",
              the due time it had), "notFound" (the NAMEs not waiting)
  -h, --help  show this help

Exit codes: 0 done (also when nothing was delayed); 1 an entry named is not
waiting in QUEUE; 2 usage, input or access error.`,
  async run(args) {
    const parsed = parse(args, { json: { type: "boolean" } });
    const [dir, queue, ...names] = parsed.positionals;
    if (dir === undefined) throw new UsageError("missing DIR");
    const operator = await OperatorSpool.open(dir);
    if (queue !== undefined) expectQueue(operator, queue);
    const spool = operator.spool;
    const made: MadeDue[] = [];
    const notFound: string[] = [];
    const record = (
      entry: Entry<string, string, CliData, unknown>,
      due?: Date,
    ) => {
      if (due !== undefined) {
        made.push({
          queue: entry.queue,
          name: entry.name,
          wasDue: due.toISOString(),
        });
      }
    };
    if (names.length > 0) {
      for (const name of names) {
        const entry = spool.entry(queue, name);
        try {
          record(entry, await makeDue(entry, "throw"));
        } catch (error) {
          if (!(error instanceof EntryNotFoundError)) throw error;
          notFound.push(name);
        }
      }
    } else {
      for (const q of queue === undefined ? spool.queues : [queue]) {
        for (const entry of await spool.list(q)) {
          record(entry, await makeDue(entry, "skip"));
        }
      }
    }
    const queues: Record<string, number> = {};
    for (const { queue } of made) queues[queue] = (queues[queue] ?? 0) + 1;
    if (boolFlag(parsed, "json")) {
      printJson({ madeDue: made.length, queues, entries: made, notFound });
    } else {
      for (const name of notFound) {
        console.error(
          `multispool flush: ${escapeText(name)} is not waiting in ${
            escapeText(queue)
          } (checked out, moved, or removed)`,
        );
      }
      const perQueue = Object.entries(queues).map(([q, n]) =>
        `${escapeText(q)} ${formatCount(n)}`
      );
      console.log(
        `made ${plural(made.length, "entry", "entries")} due now${
          perQueue.length === 0 ? "" : ` (${perQueue.join(", ")})`
        }`,
      );
    }
    return notFound.length === 0 ? 0 : 1;
  },
};
