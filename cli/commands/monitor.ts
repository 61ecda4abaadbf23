/**
 * The `monitor` subcommand: the spool watched, its alerts printed as they
 * start and end.
 *
 * @module
 */

import {
  DEFAULT_LIMITS,
  describeProblem,
  Monitor,
  type MonitorEvent,
} from "../../monitor.ts";
import { abortOnSignals } from "../../mod.ts";
import { formatAge } from "../../operator.ts";
import {
  boolFlag,
  countFlag,
  parse,
  positionals,
  spanFlag,
  UsageError,
} from "../args.ts";
import type { Command } from "../command.ts";
import { alertJson, alertLine, groupAlerts } from "../alerts.ts";
import { LIMIT_FLAGS, LIMIT_HELP, monitorOptions } from "../flags/limits.ts";
import { SPANS_HELP } from "../flags/filters.ts";
import { escapeText, toJson } from "../output.ts";
import { problemJson } from "../problem_output.ts";
import { paint } from "../terminal.ts";

/** One line for one problem's alert (`--per-entry`). */
function eventLine(event: MonitorEvent): string {
  return `${event.at.toISOString()} ${event.kind.padEnd(5)} ${
    escapeText(describeProblem(event.problem, event.at))
  }`;
}

/** `multispool monitor`. */
export const monitor: Command = {
  name: "monitor",
  summary: "watch the spool and print alerts as they start and end",
  help:
    `Usage: multispool monitor DIR [--json] [--per-entry] [--check-every SPAN]
       [--alert-after-cycles N] [limits]

Checks the spool every --check-every and prints a "start" alert when a
problem has been seen on more than --alert-after-cycles consecutive checks,
and an "end" alert when it is gone. Runs until SIGINT or SIGTERM.

Alerts are aggregated: the problems of one check that are of one kind in
one place make one line, with their count and the oldest one's age:
  2026-12-01T09:30:00.000Z start 37 too-old in active/.checkout (oldest modified 14m ago)
A problem alone is described in full, as with --per-entry. On a terminal
"start" is red and "end" green (not with NO_COLOR).

Options:
  --json                      print one JSON object per line (NDJSON): "event"
                              (start, end), "at", "kind", "where" (directories),
                              "queue" and "checkout" (when one queue's), "count",
                              "oldestMtime", "oldestAgeMs", "names" (the first
                              20; "moreNames" counts the others), "reason" (for
                              damage)
  --per-entry                 one alert per problem instead; with --json each
                              line has "event", "at" and "problem" (with
                              "kind", "name", "mtime", "dirs", "paths")
  --check-every SPAN          time between checks (15s)
  --alert-after-cycles N      checks a problem must survive first (2)
${LIMIT_HELP}
  -h, --help                  show this help

${SPANS_HELP}

Exit codes: 0 stopped by a signal; 2 usage, input or access error (also if
the spool disappears while watched).`,
  async run(args) {
    const parsed = parse(args, {
      json: { type: "boolean" },
      "per-entry": { type: "boolean" },
      "check-every": { type: "string" },
      "alert-after-cycles": { type: "string" },
      ...LIMIT_FLAGS,
    });
    const [dir] = positionals(parsed, ["DIR"]);
    const checkEveryMs = spanFlag(parsed, "check-every") ??
      DEFAULT_LIMITS.checkEveryMs;
    if (checkEveryMs <= 0) throw new UsageError("--check-every must be > 0");
    const alertAfterCycles = countFlag(parsed, "alert-after-cycles") ??
      DEFAULT_LIMITS.alertAfterCycles;
    const json = boolFlag(parsed, "json");
    const watcher = await Monitor.create(dir, monitorOptions(parsed));

    using stop = abortOnSignals();
    if (!json) {
      console.error(
        `monitoring ${dir} every ${
          formatAge(checkEveryMs)
        }, alerting after ${alertAfterCycles} cycles`,
      );
    }
    const events = watcher.watch({
      checkEveryMs,
      alertAfterCycles,
      signal: stop.signal,
    });
    const colour = paint();
    const coloured = (kind: MonitorEvent["kind"], line: string) =>
      kind === "start" ? colour.red(line) : colour.green(line);
    if (boolFlag(parsed, "per-entry")) {
      for await (const event of events) {
        console.log(
          json
            ? toJson({
              event: event.kind,
              at: event.at.toISOString(),
              problem: problemJson(event.problem),
            })
            : coloured(event.kind, eventLine(event)),
        );
      }
      return 0;
    }
    for await (const group of groupAlerts(events)) {
      console.log(
        json
          ? toJson(alertJson(group))
          : coloured(group.event, alertLine(group)),
      );
    }
    return 0;
  },
};
