/**
 * The `ls` subcommand: the entries of a queue, filtered, as a table with a
 * totals line (like `postqueue -p`) or as JSON.
 *
 * @module
 */

import { formatAge } from "../src/format_age.ts";
import { boolFlag, parse, positionals } from "./args.ts";
import { formatArrival } from "./arrival.ts";
import type { Command } from "./command.ts";
import { FILTER_FLAGS, FILTER_HELP, filterFrom } from "./filters.ts";
import { dueIn, type Listed, listedJson, listEntries } from "./listing.ts";
import {
  clip,
  escapeText,
  formatBytes,
  printJson,
  printTable,
} from "./output.ts";
import { expectQueue, openSpool } from "./spool.ts";
import { paint } from "./terminal.ts";

/** The last line of a listing: `-- 3 entries, 1.2 KiB`. */
export function totalsLine(listed: readonly Listed[]): string {
  const bytes = listed.reduce((sum, e) => sum + (e.dataBytes ?? 0), 0);
  const n = listed.length;
  return `-- ${n} ${n === 1 ? "entry" : "entries"}, ${formatBytes(bytes)}`;
}

const COLUMNS = [
  "NAME",
  "ARRIVED",
  "AGE",
  "DUE",
  "ATTEMPTS",
  "DATA",
  "METADATA",
];

export const ls: Command = {
  name: "ls",
  summary: "list the entries of a queue (filtered, with totals)",
  help: `Usage: multispool ls DIR QUEUE [--checked-out] [filters] [--json]

Lists the entries waiting in QUEUE in name order (enqueue order with the
default names), one row each: NAME; ARRIVED, when it was enqueued (the time
in its name, a ULID; "-" for other names); AGE, how long it has been in its
current phase (waiting in QUEUE, or checked out); DUE ("in 4m" while it is
delayed, "-" when a consumer may take it); ATTEMPTS, failed attempts so far;
DATA, the payload's size; METADATA, shortened. A last line gives the totals:
"-- 3 entries, 1.2 KiB". Names and metadata are printed with control
characters escaped (\\x1b, \\n).

Options:
  --checked-out               list the entries checked out of QUEUE instead
${FILTER_HELP}
  --json                      print a JSON array; each entry has "name",
                              "queue", "state", "arrivedAt" (an ISO time, or
                              null), "since" and "ageMs" (its current phase),
                              "due" (an ISO time while it is delayed, else null),
                              "attempts" (failed attempts), "dataBytes",
                              "metadata" (parsed when it is JSON) and
                              "metadataJson" (whether it was)
  -h, --help                  show this help

Spans: 500ms, 90s, 10m, 1h, 2d, 1h30m.

Exit codes: 0 done (also when nothing matches); 2 usage, input or access
error.`,
  async run(args) {
    const parsed = parse(args, {
      "checked-out": { type: "boolean" },
      json: { type: "boolean" },
      ...FILTER_FLAGS,
    });
    const [dir, queue] = positionals(parsed, ["DIR", "QUEUE"]);
    const filter = filterFrom(parsed);
    const checkedOut = boolFlag(parsed, "checked-out");
    const spool = await openSpool(dir);
    expectQueue(spool, queue);
    const listed = await listEntries(spool, queue, { checkedOut, filter });
    if (boolFlag(parsed, "json")) {
      printJson(listed.map(listedJson));
      return 0;
    }
    if (listed.length === 0) {
      console.log(
        `(no entries ${checkedOut ? "checked out of" : "in"} ${
          escapeText(queue)
        }${filter === undefined ? "" : " match the filters"})`,
      );
      return 0;
    }
    const colour = paint();
    printTable(
      COLUMNS,
      listed.map((e) => [
        escapeText(e.name),
        formatArrival(e.arrivedAt === null ? undefined : new Date(e.arrivedAt)),
        e.ageMs === null ? "?" : formatAge(e.ageMs),
        dueIn(e.due),
        e.attempts === null ? "?" : String(e.attempts),
        e.dataBytes === null ? "missing" : formatBytes(e.dataBytes),
        clip(e.metadata, 60),
      ]),
      (cell, column, row) => {
        if (row === -1) return colour.bold(cell);
        if (column === 3 && cell !== "-") return colour.yellow(cell);
        if (column === 5 && cell === "missing") return colour.red(cell);
        if (column === 4 && cell !== "0") return colour.yellow(cell);
        return cell;
      },
    );
    console.log(totalsLine(listed));
    return 0;
  },
};
