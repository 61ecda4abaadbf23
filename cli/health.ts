/**
 * CLI subcommands about the spool's health: check, repair, monitor.
 *
 * @module
 */

import {
  DEFAULT_LIMITS,
  describeProblem,
  dirName,
  Monitor,
  type MonitorEvent,
  type MonitorLimits,
  type MonitorOptions,
  type Problem,
  type QuarantinedEntry,
  type RepairAction,
} from "../monitor.ts";
import { abortOnSignals } from "../mod.ts";
import { formatAge, formatCount } from "../operator.ts";
import {
  boolFlag,
  type FlagSpec,
  parse,
  parseCount,
  type Parsed,
  parseSpan,
  positionals,
  stringFlag,
  stringsFlag,
  UsageError,
} from "./args.ts";
import { SPANS_HELP } from "./filters.ts";
import type { Command } from "./command.ts";
import { alertJson, alertLine, groupAlerts } from "./alerts.ts";
import { escapeText, printJson, printTable, toJson } from "./output.ts";
import { paint } from "./terminal.ts";

/** The monitor's limit flags, shared by `check`, `repair`, `monitor`, `stats`. */
export const LIMIT_FLAGS: FlagSpec = {
  "max-checked-out-age": { type: "string" },
  "max-tmp-file-age": { type: "string" },
  "max-age": { type: "string", multiple: true },
  "work-in-progress": { type: "string" },
  "decode-json": { type: "boolean" },
};

/** The limit flags, for `--help`. */
export const LIMIT_HELP =
  `  --max-checked-out-age SPAN  a checkout older than this is too old (10m)
  --max-tmp-file-age SPAN     a file in .tmp/ older than this is too old (10m)
  --max-age QUEUE=SPAN        an entry waiting in QUEUE longer than this is too
                              old (repeatable; no limit by default)
  --work-in-progress SPAN     orphaned or duplicated files changed within this
                              are work in progress, not problems (30s)
  --decode-json               read every entry's metadata and report as damaged
                              what is not JSON (the library's default codec)`;

/** The monitor's limits from the limit flags. */
export function limitsFrom(parsed: Parsed): MonitorLimits {
  const limits: MonitorLimits = {};
  const checkedOut = stringFlag(parsed, "max-checked-out-age");
  if (checkedOut !== undefined) {
    limits.maxCheckedOutAgeMs = parseSpan(checkedOut, "--max-checked-out-age");
  }
  const tmp = stringFlag(parsed, "max-tmp-file-age");
  if (tmp !== undefined) {
    limits.maxTmpFileAgeMs = parseSpan(tmp, "--max-tmp-file-age");
  }
  const busy = stringFlag(parsed, "work-in-progress");
  if (busy !== undefined) {
    limits.workInProgressMs = parseSpan(busy, "--work-in-progress");
  }
  for (const pair of stringsFlag(parsed, "max-age")) {
    const match = /^([^=]+)=(.+)$/.exec(pair);
    if (match === null) {
      throw new UsageError(`--max-age: expected QUEUE=SPAN, got ${pair}`);
    }
    limits.maxQueueAgesMs ??= {};
    limits.maxQueueAgesMs[match[1]] = parseSpan(match[2], "--max-age");
  }
  return limits;
}

/** The monitor's options from the command line. */
export function monitorOptions(parsed: Parsed): MonitorOptions {
  return {
    limits: limitsFrom(parsed),
    ...(boolFlag(parsed, "decode-json")
      ? { metadata: { decode: (text: string) => JSON.parse(text) } }
      : {}),
  };
}

/** A problem as `--json` output has it. */
export function problemJson(problem: Problem): Record<string, unknown> {
  return {
    kind: problem.kind,
    name: problem.name,
    mtime: problem.mtime.toISOString(),
    dirs: problem.dirs,
    paths: problem.dirs.map((dir) => `${dirName(dir)}/${problem.name}`),
    ...(problem.sameFile ? { sameFile: true } : {}),
    ...(problem.reason === undefined ? {} : { reason: problem.reason }),
  };
}

function problemRow(problem: Problem, now: number): string[] {
  return [
    problem.sameFile ? `${problem.kind} (one file)` : problem.kind,
    escapeText(problem.dirs.map(dirName).join(", ")),
    escapeText(problem.name),
    formatAge(now - problem.mtime.getTime()),
    escapeText(problem.reason ?? ""),
  ];
}

export const check: Command = {
  name: "check",
  summary: "check the spool's consistency once",
  help: `Usage: multispool check DIR [--json] [limits]

Checks the spool once and lists its problems: files too old (tmp files,
checkouts, waiting entries with a --max-age), orphaned files (no registry
file, or a registry file with no entry), entries in two places, and damage:
an entry whose payload is missing or not a regular file, a symbolic link or
directory where the spool keeps files, metadata that is not JSON (with
--decode-json). Work in progress (an enqueue, a remove, a claim) is not a
problem: see --work-in-progress.

Damaged entries set aside in quarantine (moved by repair --damaged-to, or
by a reader's poison queue, and still there) are not problems: they are
counted on the last line (and per queue by ls DIR and stats).

Options:
  --json                      print a JSON array of the problems (each with
                              "kind", "name", "mtime", "dirs", "paths", and
                              "sameFile" or "reason" when they apply)
${LIMIT_HELP}
  -h, --help                  show this help

${SPANS_HELP}

Exit codes: 0 no problems; 1 problems found; 2 usage, input or access error.`,
  async run(args) {
    const parsed = parse(args, { json: { type: "boolean" }, ...LIMIT_FLAGS });
    const [dir] = positionals(parsed, ["DIR"]);
    const monitor = await Monitor.create(dir, monitorOptions(parsed));
    const { problems, quarantined } = await monitor.check();
    const now = monitor.now().getTime();
    if (boolFlag(parsed, "json")) printJson(problems.map(problemJson));
    else if (problems.length === 0) {
      console.log(
        escapeText(
          `${dir}: no problems${
            quarantined.length === 0 ? "" : ` (${quarantineLine(quarantined)})`
          }`,
        ),
      );
    } else {
      // The reasons of damage, in a last column, when there are any.
      const why = problems.some((p) => p.reason !== undefined);
      printTable(
        ["KIND", "WHERE", "NAME", "AGE", ...why ? ["WHY"] : []],
        problems.map((p) => problemRow(p, now).slice(0, why ? 5 : 4)),
      );
      if (quarantined.length > 0) {
        console.log(escapeText(`(${quarantineLine(quarantined)})`));
      }
    }
    return problems.length === 0 ? 0 : 1;
  },
};

/**
 * `2 quarantined: NAME in dead, NAME in dead` (the first few names, then
 * a count of the others).
 */
function quarantineLine(quarantined: QuarantinedEntry[]): string {
  const shown = 3;
  const names = quarantined.slice(0, shown).map((q) =>
    `${q.name} in ${q.queue}`
  );
  const more = quarantined.length > shown
    ? `, and ${formatCount(quarantined.length - shown)} more`
    : "";
  return `${formatCount(quarantined.length)} quarantined: ${
    names.join(", ")
  }${more}`;
}

function actionLine(action: RepairAction, dryRun: boolean): string {
  const verb = (done: string, planned: string) => dryRun ? planned : done;
  switch (action.kind) {
    case "requeue":
      return `${
        verb("requeued", "would requeue")
      } ${action.name}: stale checkout back to ${action.queue}`;
    case "finish-claim":
      return `${
        verb("finished", "would finish")
      } ${action.name}: a claim cut short; waits in ${action.queue} again`;
    case "delete-tmp":
      return `${
        verb("deleted", "would delete")
      } .tmp/${action.name}: abandoned`;
    case "delete-leftovers":
      return `${verb("deleted", "would delete")} ${
        action.dirs.map((d) => `${dirName(d)}/${action.name}`).join(", ")
      }: an enqueue that never finished`;
    case "remove-link":
      return `${verb("unlinked", "would unlink")} ${
        dirName(action.dir)
      }/${action.name}: a symbolic link (its target is untouched)`;
    case "split-duplicate":
      return `${verb("split", "would split")} ${
        dirName(action.dir)
      }/${action.name}: a second copy, now entry ${action.newName}`;
    case "finish-split":
      return `${verb("finished", "would finish")} ${
        dirName(action.dir)
      }/${action.name}: a split cut short; the copy is entry ${action.newName}`;
    case "move-damaged":
      return `${verb("moved", "would move")} ${
        dirName(action.dir)
      }/${action.name} to ${action.queue}: damaged (${action.problem.reason})`;
  }
}

export const repair: Command = {
  name: "repair",
  summary: "fix what crashes left behind (dry run unless --apply)",
  help: `Usage: multispool repair DIR [--apply] [--json] [limits]

Shows (or with --apply, does) what repair would fix:
- checkouts older than the checkout limit go back to their queue (unless
  their payload is missing), their abandoned attempt counted;
- an entry left both waiting and checked out by a claim that a crash cut
  short waits in its queue again, and a split cut short keeps its new name;
- files in .tmp/ older than the tmp limit are deleted, and so are names with
  a registry file but no entry, all of whose files are older than that;
- a symbolic link planted in the spool is unlinked (never its target);
- an entry found in two places as two different files gets a second name
  for its second copy, payload included;
- with --damaged-to QUEUE, an entry whose payload is missing or not a
  regular file (or, with --decode-json, whose metadata is not JSON) is moved
  to QUEUE with the reason in its history, once: there it is quarantined,
  and left alone by the next repair.
Every action proves again, at the moment it acts, what it judged: an entry
a consumer touched or took meanwhile is left alone. Nothing younger than
the limits is touched. Problems repair cannot explain are listed and left
alone.

Do not run --apply from a timer: a consumer that is alive but has not
touched its checkout within the limit would lose it.

Options:
  --apply                     do it (the default is a dry run)
  --damaged-to QUEUE          move damaged entries to QUEUE
  --json                      print the report as JSON
${LIMIT_HELP}
  -h, --help                  show this help

${SPANS_HELP}

Exit codes: 0 nothing left alone; 1 problems were left alone; 2 usage, input
or access error.`,
  async run(args) {
    const parsed = parse(args, {
      apply: { type: "boolean" },
      json: { type: "boolean" },
      "damaged-to": { type: "string" },
      ...LIMIT_FLAGS,
    });
    const [dir] = positionals(parsed, ["DIR"]);
    const monitor = await Monitor.create(dir, monitorOptions(parsed));
    const report = await monitor.repair({
      dryRun: !boolFlag(parsed, "apply"),
      damagedTo: stringFlag(parsed, "damaged-to"),
    });
    if (boolFlag(parsed, "json")) {
      printJson({
        dryRun: report.dryRun,
        actions: report.actions.map((a) => ({
          ...a,
          problem: problemJson(a.problem),
        })),
        leftAlone: report.leftAlone.map((l) => ({
          problem: problemJson(l.problem),
          reason: l.reason,
        })),
        quarantined: report.quarantined.map((q) => ({
          ...q,
          since: q.since.toISOString(),
        })),
      });
    } else {
      if (report.actions.length === 0 && report.leftAlone.length === 0) {
        console.log(`${dir}: nothing to repair`);
      }
      if (report.quarantined.length > 0) {
        console.log(
          escapeText(
            `${quarantineLine(report.quarantined)} (left as they are)`,
          ),
        );
      }
      // File names are anyone's: escaped before they reach a terminal.
      for (const action of report.actions) {
        console.log(escapeText(actionLine(action, report.dryRun)));
      }
      for (const { problem, reason } of report.leftAlone) {
        console.log(
          escapeText(
            `left alone: ${describeProblem(problem, monitor.now())}: ${reason}`,
          ),
        );
      }
      if (report.dryRun && report.actions.length > 0) {
        console.log("(dry run: add --apply to do it)");
      }
    }
    return report.leftAlone.length === 0 ? 0 : 1;
  },
};

function eventLine(event: MonitorEvent): string {
  return `${event.at.toISOString()} ${event.kind.padEnd(5)} ${
    escapeText(describeProblem(event.problem, event.at))
  }`;
}

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
    const every = stringFlag(parsed, "check-every");
    const cycles = stringFlag(parsed, "alert-after-cycles");
    const checkEveryMs = every === undefined
      ? DEFAULT_LIMITS.checkEveryMs
      : parseSpan(every, "--check-every");
    if (checkEveryMs <= 0) throw new UsageError("--check-every must be > 0");
    const alertAfterCycles = cycles === undefined
      ? DEFAULT_LIMITS.alertAfterCycles
      : parseCount(cycles, "--alert-after-cycles");
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
