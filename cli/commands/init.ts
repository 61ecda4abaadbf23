/**
 * The `init` subcommand: create a spool with named queues, or add queues
 * to one (a held queue for `hold`, a dead-letter queue).
 *
 * @module
 */

import { Spool } from "../../mod.ts";
import { parse, positionals, stringsFlag, UsageError } from "../args.ts";
import type { Command } from "../command.ts";

export const init: Command = {
  name: "init",
  summary: "create a spool with named queues (or add queues to one)",
  help: `Usage: multispool init DIR --queue NAME [--queue NAME ...]

Creates the spool directory DIR with the given queues, or adds missing
queues to an existing spool. A non-empty directory that is not a spool is
refused.

Options:
  -q, --queue NAME   a queue to create (repeatable, at least one)
  -h, --help         show this help

Exit codes: 0 created; 2 usage, input or access error.`,
  async run(args) {
    const parsed = parse(args, {
      queue: { type: "string", short: "q", multiple: true },
    });
    const [dir] = positionals(parsed, ["DIR"]);
    const queues = stringsFlag(parsed, "queue");
    if (queues.length === 0) throw new UsageError("give at least one --queue");
    const before = await Spool.findQueues(dir).catch(() => [] as string[]);
    const spool = await Spool.create(dir, { queues });
    const all = await Spool.findQueues(spool.dir);
    const added = all.filter((q) => !before.includes(q));
    console.log(
      `spool ${spool.dir} ready with queues ${all.join(", ")}${
        before.length === 0 || added.length === 0
          ? ""
          : ` (added ${added.join(", ")})`
      }`,
    );
    return 0;
  },
};
