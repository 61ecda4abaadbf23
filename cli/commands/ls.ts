/**
 * The `ls` subcommand: the entries of a queue, filtered, as a table with a
 * totals line (like `postqueue -p`) or as JSON; or, without a queue, the
 * spool's queues.
 *
 * @module
 */

import {
  type EntryInfo,
  formatAge,
  formatBytes,
  formatCount,
  OperatorSpool,
} from "../../operator.ts";
import { boolFlag, countFlag, parse, stringFlag, UsageError } from "../args.ts";
import type { Command } from "../command.ts";
import {
  FILTER_FLAGS,
  FILTER_HELP,
  filterFrom,
  SPANS_HELP,
} from "../flags/filters.ts";
import { arrivalCell, dueCell, entryJson, lastErrorCell } from "../listing.ts";
import { clip, escapeText, printJson, printTable, toJson } from "../output.ts";
import { expectQueue } from "../spool.ts";
import { paint } from "../terminal.ts";

/** The last line of a listing: `-- 3 entries, 1.2 KiB`. */
export function totalsLine(listed: readonly EntryInfo[]): string {
  const bytes = listed.reduce((sum, e) => sum + (e.dataBytes ?? 0), 0);
  const n = listed.length;
  return `-- ${formatCount(n)} ${n === 1 ? "entry" : "entries"}, ${
    formatBytes(bytes)
  }`;
}

const COLUMNS = [
  "NAME",
  "ARRIVED",
  "AGE",
  "DUE",
  "ATTEMPTS",
  "LAST-ERROR",
  "DATA",
  "METADATA",
];

/** `ls DIR`: the queues, with their depth. */
async function listQueues(
  spool: OperatorSpool,
  json: boolean,
): Promise<number> {
  const shapes = await spool.shapes();
  if (json) {
    printJson(shapes.map((s) => ({
      queue: s.queue,
      ready: s.ready,
      delayed: s.delayed,
      quarantined: s.quarantined,
      checkedOut: s.checkedOut,
      oldestWaitingMs: s.oldestWaitingMs,
    })));
    return 0;
  }
  if (shapes.length === 0) {
    console.log(`(no queues in ${escapeText(spool.dir)})`);
    return 0;
  }
  const colour = paint();
  printTable(
    ["QUEUE", "READY", "DELAYED", "QUARANTINED", "CHECKED-OUT", "OLDEST"],
    shapes.map((s) => [
      escapeText(s.queue),
      formatCount(s.ready),
      formatCount(s.delayed),
      formatCount(s.quarantined),
      formatCount(s.checkedOut),
      s.oldestWaitingMs === null ? "-" : formatAge(s.oldestWaitingMs),
    ]),
    (cell, _column, row) => row === -1 ? colour.bold(cell) : cell,
  );
  console.log("(multispool ls DIR QUEUE lists the entries of one)");
  return 0;
}

export const ls: Command = {
  name: "ls",
  summary: "list the entries of a queue (filtered, with totals), or the queues",
  help: `Usage: multispool ls DIR [QUEUE] [--checked-out] [filters] [--json]
       [--after NAME] [--limit N]

Without QUEUE, lists the queues of DIR with their depth: entries READY (a
consumer may take them now), DELAYED,
QUARANTINED (moved aside as damaged and still so), CHECKED-OUT, and the
OLDEST waiting entry's age.

With QUEUE, lists the entries waiting in it in name order (enqueue order
with the default names), one row each: NAME; ARRIVED, when it was enqueued
(the time in its name, a ULID; "-" for other names); AGE, how long it has
been in its current phase (waiting in QUEUE, or checked out); DUE ("in 4m"
while it is delayed, "now" when a consumer may take it); ATTEMPTS, failed
attempts so far; LAST-ERROR, the last failure recorded (its kind, how long
ago, its message, shortened); DATA, the payload's size; METADATA,
shortened. A last line gives the totals: "-- 3 entries, 1.2 KiB". Names,
messages and metadata are printed with control characters escaped (\\x1b,
\\n).

Options:
  --checked-out               list the entries checked out of QUEUE instead
${FILTER_HELP}
  --after NAME                only the entries after NAME (to page on)
  --limit N                   at most N entries
  --json                      print a JSON array; each entry has "name",
                              "queue", "state", "arrivedAt" (an ISO time, or
                              null), "since" and "ageMs" (its current phase),
                              "due" (an ISO time while it is delayed, else
                              null), "attempts" (failed attempts),
                              "lastError" (null, or "at", "queue", "kind",
                              "message" shortened to 200 characters and
                              "beforeRetry"), "quarantine" (null, or "at",
                              "queue" and "reason"), "heldFrom" (the queue a
                              held entry came from, or null), "dataBytes",
                              "metadata" (parsed when it is JSON) and
                              "metadataJson" (whether it was); entries are
                              printed as they are read
  -h, --help                  show this help

${SPANS_HELP}

Exit codes: 0 done (also when nothing matches); 2 usage, input or access
error.`,
  async run(args) {
    const parsed = parse(args, {
      "checked-out": { type: "boolean" },
      json: { type: "boolean" },
      after: { type: "string" },
      limit: { type: "string" },
      ...FILTER_FLAGS,
    });
    const [dir, queue, ...extra] = parsed.positionals;
    if (dir === undefined) throw new UsageError("missing DIR");
    if (extra.length > 0) {
      throw new UsageError(`unexpected argument ${JSON.stringify(extra[0])}`);
    }
    const filter = filterFrom(parsed);
    const checkedOut = boolFlag(parsed, "checked-out");
    const json = boolFlag(parsed, "json");
    const limit = countFlag(parsed, "limit") ?? Infinity;
    const spool = await OperatorSpool.open(dir);
    if (queue === undefined) {
      if (filter !== undefined || checkedOut) {
        throw new UsageError("filters and --checked-out need a QUEUE");
      }
      return await listQueues(spool, json);
    }
    expectQueue(spool, queue);
    const entries = spool.entries(queue, {
      state: checkedOut ? "checked out" : "waiting",
      filter,
      after: stringFlag(parsed, "after"),
    });
    if (json) {
      // Streamed: a queue of any length costs one entry at a time.
      let count = 0;
      console.log("[");
      for await (const entry of entries) {
        if (count >= limit) break;
        console.log(`${count++ === 0 ? "" : ","}${toJson(entryJson(entry))}`);
      }
      console.log("]");
      return 0;
    }
    const listed: EntryInfo[] = [];
    for await (const entry of entries) {
      if (listed.length >= limit) break;
      listed.push(entry);
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
    const now = Date.now();
    printTable(
      COLUMNS,
      listed.map((e) => [
        escapeText(e.name),
        arrivalCell(e),
        e.ageMs === null ? "?" : formatAge(e.ageMs),
        dueCell(e, now),
        e.attempts === null ? "?" : String(e.attempts),
        lastErrorCell(e.lastError, 40, now),
        e.dataBytes === null ? "missing" : formatBytes(e.dataBytes),
        clip(e.metadata, 60),
      ]),
      (cell, column, row) => {
        if (row === -1) return colour.bold(cell);
        if (column === 3 && cell.startsWith("in ")) return colour.yellow(cell);
        if (column === 4 && cell !== "0") return colour.yellow(cell);
        if (column === 5 && cell !== "-") return colour.red(cell);
        if (column === 6 && cell === "missing") return colour.red(cell);
        return cell;
      },
    );
    console.log(totalsLine(listed));
    return 0;
  },
};
