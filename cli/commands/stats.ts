/**
 * The `stats` subcommand: queue depth and age distribution per queue (or
 * per queue and metadata field value), in the spirit of Postfix's qshape,
 * as a table, JSON (NDJSON with `--watch`) or Prometheus metrics, the
 * latter written atomically to a file for node_exporter's textfile
 * collector.
 *
 * @module
 */

import { abortOnSignals } from "../../mod.ts";
import { Monitor } from "../../monitor.ts";
import {
  AGE_BUCKETS,
  formatAge,
  formatCount,
  type GroupShape,
  OperatorSpool,
  type QueueShape,
} from "../../operator.ts";
import {
  boolFlag,
  parse,
  type Parsed,
  positionals,
  spanFlag,
  stringFlag,
  stringsFlag,
  UsageError,
} from "../args.ts";
import { writeFileAtomic } from "../atomic_file.ts";
import type { Command } from "../command.ts";
import { SPANS_HELP } from "../flags/filters.ts";
import { LIMIT_FLAGS, LIMIT_HELP, monitorOptions } from "../flags/limits.ts";
import { escapeText, printJson, printJsonLine, printTable } from "../output.ts";
import { prometheus } from "../prometheus.ts";
import { absoluteDir } from "../spool.ts";
import { isLive, paint } from "../terminal.ts";

const BUCKET_HEADERS = [
  ...AGE_BUCKETS.map(String),
  `${AGE_BUCKETS.at(-1)}+`,
];

function ageCell(ms: number | null): string {
  return ms === null ? "-" : formatAge(ms);
}

function printShapes(
  dir: string,
  at: Date,
  shapes: QueueShape[],
  groups: { field: string; rows: GroupShape[] } | undefined,
): void {
  const colour = paint();
  console.log(`${dir}  ${at.toISOString()}`);
  const fieldHeader = groups === undefined ? [] : [escapeText(groups.field)];
  const rows = (groups?.rows ?? shapes).map((s) => [
    escapeText(s.queue),
    ...groups === undefined ? [] : [
      (s as GroupShape).value === null
        ? "(none)"
        : escapeText((s as GroupShape).value!),
    ],
    formatCount(s.ready),
    formatCount(s.delayed),
    formatCount(s.quarantined),
    formatCount(s.checkedOut),
    ageCell(s.oldestWaitingMs),
    formatCount(s.waiting),
    ...s.buckets.map(formatCount),
  ]);
  printTable(
    [
      "QUEUE",
      ...fieldHeader,
      "READY",
      "DELAYED",
      "QUARANTINED",
      "CHECKED-OUT",
      "OLDEST",
      "T",
      ...BUCKET_HEADERS,
    ],
    rows,
    (cell, _column, row) => row === -1 ? colour.bold(cell) : cell,
  );
  console.log(
    groups === undefined
      ? "(T: waiting entries, ready, delayed and quarantined; their ages in minutes, as in qshape)"
      : `(per value of ${
        escapeText(groups.field)
      }, most entries first; (none): no such field; T: waiting entries, their ages in minutes)`,
  );
}

async function countProblems(
  dir: string,
  parsed: Parsed,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  const monitor = await Monitor.create(dir, monitorOptions(parsed));
  for (const problem of await monitor.runOnce()) {
    counts[problem.kind] = (counts[problem.kind] ?? 0) + 1;
  }
  return counts;
}

export const stats: Command = {
  name: "stats",
  summary: "queue depth and age distribution per queue (qshape-like)",
  help:
    `Usage: multispool stats DIR [--json | --prometheus [--output FILE]] [--watch]
       [--interval SPAN] [--group-by FIELD] [--queue NAME ...] [limits]

Per queue: entries waiting, counted as ready (a consumer may take them now),
delayed (due later) and quarantined (moved there as damaged, and still so),
entries checked out, the oldest waiting entry's age, and the waiting
entries (T) by age in minutes (as Postfix's qshape shows them: under 5,
5-10, 10-20, ... 640-1280, over 1280). Ages are times in the current
phase.

With --group-by FIELD, the same per queue and value of a metadata field
(qshape's per-domain view): FIELD is a dotted path into the JSON metadata
(to, to.domain, tenant); entries without it count under "(none)"; the
values with the most entries come first.

Options:
  --json                      print a JSON array; per queue "queue", "waiting"
                              (ready, delayed and quarantined), "ready",
                              "delayed", "quarantined", "checkedOut",
                              "oldestWaitingMs", "oldestCheckedOutMs",
                              "buckets" (waiting entries per age bucket),
                              "ageSumMs" (the waiting entries' ages added up:
                              divide by "waiting" for the mean); with
                              --group-by, per queue and value, with "field"
                              and "value" (null: no such field)
  --prometheus                print Prometheus metrics (text exposition
                              format), all gauges: multispool_entries by state
                              (waiting, checked_out),
                              multispool_delayed_entries (the waiting entries
                              that are delayed),
                              multispool_quarantined_entries,
                              multispool_oldest_entry_age_seconds,
                              multispool_waiting_entries_older_than (per
                              age_seconds bound of the buckets),
                              multispool_entries_by_field (with --group-by),
                              multispool_problems (the monitor's check, per
                              kind, with the limits below), and
                              multispool_stats_timestamp_seconds; labels carry
                              the spool's absolute path
  --output FILE               with --prometheus: write the metrics to FILE
                              atomically (a temporary file in the same
                              directory, flushed, then renamed), for
                              node_exporter's textfile collector (name it
                              *.prom, in the collector's directory)
  --group-by FIELD            per value of a metadata field, as above
  --queue NAME                only this queue (repeatable)
  --watch                     measure again every --interval until interrupted:
                              the table is redrawn in place on a terminal,
                              --json prints one JSON object per line (NDJSON:
                              "at", "spool", "queues" or "groups"), --output
                              rewrites FILE each time
  --interval SPAN             time between two measures with --watch (2s)
${LIMIT_HELP}
  -h, --help                  show this help

${SPANS_HELP}

Exit codes: 0 done; 2 usage, input or access error.`,
  async run(args) {
    const parsed = parse(args, {
      json: { type: "boolean" },
      prometheus: { type: "boolean" },
      output: { type: "string" },
      "group-by": { type: "string" },
      queue: { type: "string", multiple: true },
      watch: { type: "boolean" },
      interval: { type: "string" },
      ...LIMIT_FLAGS,
    });
    const [dir] = positionals(parsed, ["DIR"]);
    const json = boolFlag(parsed, "json");
    const prom = boolFlag(parsed, "prometheus");
    const output = stringFlag(parsed, "output");
    const watching = boolFlag(parsed, "watch");
    if (json && prom) {
      throw new UsageError("give --json or --prometheus, not both");
    }
    if (output !== undefined && !prom) {
      throw new UsageError("--output needs --prometheus");
    }
    const field = stringFlag(parsed, "group-by");
    if (field !== undefined && field.split(".").some((step) => step === "")) {
      throw new UsageError(
        `--group-by: ${
          JSON.stringify(field)
        } is not a field path (like to.domain)`,
      );
    }
    const intervalMs = spanFlag(parsed, "interval") ?? 2000;
    if (intervalMs <= 0) throw new UsageError("--interval must be > 0");
    const asked = stringsFlag(parsed, "queue");
    const spool = await OperatorSpool.open(dir);
    for (const queue of asked) {
      if (!spool.queues.includes(queue)) {
        throw new UsageError(
          `--queue: ${
            JSON.stringify(queue)
          } is not a queue of ${dir} (queues: ${
            spool.queues.join(", ") || "none"
          })`,
        );
      }
    }
    const options = asked.length === 0 ? {} : { queues: asked };
    const measure = (operator: OperatorSpool) => operator.shapes(options);
    const spoolPath = await absoluteDir(dir);
    // Checked once, before anything is written.
    if (prom) await Monitor.create(dir, monitorOptions(parsed));

    const show = async () => {
      const at = new Date();
      await spool.refresh();
      const shapes = await measure(spool);
      const groups = field === undefined
        ? undefined
        : await spool.groupShapes(field, options);
      if (prom) {
        const text = prometheus({
          spool: spoolPath,
          at,
          shapes,
          groups,
          problems: await countProblems(dir, parsed),
        });
        if (output !== undefined) await writeFileAtomic(output, text);
        else await Deno.stdout.write(new TextEncoder().encode(text));
      } else if (json && watching) {
        printJsonLine({
          at: at.toISOString(),
          spool: spoolPath,
          ...groups === undefined ? { queues: shapes } : { groups },
        });
      } else if (json) printJson(groups ?? shapes);
      else {
        printShapes(
          dir,
          at,
          shapes,
          groups && { field: field!, rows: groups },
        );
      }
    };
    if (!watching) {
      await show();
      return 0;
    }
    using stop = abortOnSignals();
    const redraw = !json && !prom && isLive(Deno.stdout);
    if (output !== undefined) {
      console.error(
        `writing ${escapeText(output)} every ${
          formatAge(intervalMs)
        }; Ctrl-C to stop`,
      );
    }
    let first = true;
    while (!stop.signal.aborted) {
      if (redraw) {
        await Deno.stdout.write(new TextEncoder().encode("\x1b[H\x1b[2J"));
      } else if (!first && !json && output === undefined) console.log();
      await show();
      first = false;
      // Interrupted: stop waiting, and end normally.
      await new Promise<void>((resolve) => {
        const wake = AbortSignal.any([
          stop.signal,
          AbortSignal.timeout(intervalMs),
        ]);
        if (wake.aborted) resolve();
        wake.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    return 0;
  },
};
