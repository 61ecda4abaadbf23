/**
 * The commands that act on entries (`mv`, `rm`, `hold`, `release`,
 * `retry`), built from one factory over the operator layer, as Postfix's
 * `postsuper` does for mail: entries named (in a queue, or found by name
 * wherever they are), or every waiting entry of a queue that filters (or
 * `--all`) pick, in one process, many at a time. A dry run shows the count
 * and the names first; a progress line runs on a terminal; a count ends
 * the run.
 *
 * Entries checked out by a consumer are reported with their checkout's
 * age and left alone, unless `--force` is given and the checkout is older
 * than the checkout limit.
 *
 * @module
 */

import {
  type ActionDone,
  type ActionReport,
  type ActionTarget,
  type ActOptions,
  formatAge,
  formatCount,
  formatTime,
  type OperatorAction,
  OperatorSpool,
} from "../operator.ts";
import { DEFAULT_LIMITS } from "../monitor.ts";
import { nameProblem } from "../mod.ts";
import {
  boolFlag,
  type FlagSpec,
  parse,
  type Parsed,
  parseSpan,
  stringFlag,
  UsageError,
} from "./args.ts";
import type { Command } from "./command.ts";
import {
  FILTER_FLAGS,
  FILTER_HELP,
  filterFrom,
  SPANS_HELP,
} from "./flags/filters.ts";
import { escapeText, printJson } from "./output.ts";
import { startProgress } from "./progress.ts";
import { expectQueue } from "./spool.ts";

/** The flags every bulk command takes. */
const BULK_FLAGS: FlagSpec = {
  ...FILTER_FLAGS,
  all: { type: "boolean" },
  "dry-run": { type: "boolean" },
  force: { type: "boolean" },
  "max-checked-out-age": { type: "string" },
  json: { type: "boolean" },
};

/** The flags every bulk command takes, for `--help`. */
const BULK_HELP = `  --all                       every entry waiting in QUEUE
${FILTER_HELP}
  --dry-run                   show how many entries and which ones, do nothing
  --force                     take a NAME checked out by a consumer, if its
                              checkout is older than the checkout limit (its
                              consumer is presumed dead: if it is alive, it
                              loses the entry); the entry is put back in its
                              queue first, proving its age again then, and a
                              consumer may take it from there first
  --max-checked-out-age SPAN  the checkout limit for --force (${
  formatAge(DEFAULT_LIMITS.maxCheckedOutAgeMs)
})
  --json                      print a JSON report: "action", "queue" (null
                              for names found anywhere), "to", "dryRun",
                              "matched", "done" (how many), "names" (done, or
                              to do in a dry run), "entries" (each "name",
                              "from", "to", "due"), "gone" (taken by a
                              consumer meanwhile), "notFound", "checkedOut"
                              (each "name", "queue", "checkedOutMs", "taken",
                              "reason"), "refused" (each "name", "queue",
                              "reason")`;

/** Exit codes of the bulk commands, for their help. */
const BULK_EXIT_CODES =
  `Exit codes: 0 done (also when a filter matches nothing, or entries were
taken by consumers meanwhile); 1 a NAME is not there, is checked out and was
left alone, or was refused; 2 usage, input or access error.`;

/** How one bulk command reads its arguments and speaks of its action. */
interface BulkSpec {
  /** The command: `mv`. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The usage lines and the description, before the options. */
  usage: string;
  /** Options of its own, for `--help` (before the shared ones). */
  options?: string;
  /** Its own flags. */
  flags?: FlagSpec;
  /** Whether the destination queue is the last positional (`mv`). */
  destinationLast?: boolean;
  /** The action, from the flags and the destination given. */
  action(parsed: Parsed, to: string | undefined): OperatorAction;
  /** `moved`, `would move`. */
  verb: { done: string; planned: string; doing: string };
}

/** What the command line asks of a bulk command. */
interface Request {
  dir: string;
  queue: string | undefined;
  target: ActionTarget;
  to: string | undefined;
}

/**
 * Reads DIR, the queue, NAMEs (or filters, or `--all`) and the
 * destination: a first positional that names a queue of the spool is the
 * queue; names without one are found wherever they are.
 */
function requestOf(
  spec: BulkSpec,
  parsed: Parsed,
  queues: readonly string[],
): Request {
  const positionals = [...parsed.positionals];
  const dir = positionals.shift();
  if (dir === undefined) throw new UsageError("missing DIR");
  const filter = filterFrom(parsed);
  const all = boolFlag(parsed, "all");
  const selecting = filter !== undefined || all;
  const queueWord = spec.destinationLast ? "FROM" : "QUEUE";
  if (selecting) {
    // QUEUE (FROM TO for mv), nothing else.
    const wanted = spec.destinationLast ? 2 : 1;
    if (positionals.length === 0) throw new UsageError(`missing ${queueWord}`);
    if (positionals.length < wanted) throw new UsageError("missing TO");
    if (positionals.length > wanted) {
      throw new UsageError(
        spec.destinationLast
          ? `unexpected argument ${JSON.stringify(positionals[wanted])}`
          : "give NAMEs, or filters or --all, not both",
      );
    }
    return {
      dir,
      queue: positionals[0],
      target: { filter: filter ?? {} },
      to: spec.destinationLast ? positionals[1] : undefined,
    };
  }
  let to: string | undefined;
  if (spec.destinationLast) {
    if (positionals.length < 2) throw new UsageError("missing NAME TO");
    to = positionals.pop();
  }
  // A first argument that names a queue is the queue; names without one
  // are looked for everywhere.
  const queue = positionals.length > 0 && queues.includes(positionals[0])
    ? positionals.shift()
    : undefined;
  if (positionals.length === 0) {
    throw new UsageError(
      "give NAMEs, filters (--older-than, --newer-than, --where, --prefix, --due, --delayed, --error) or --all",
    );
  }
  for (const name of positionals) {
    const problem = nameProblem(name);
    if (problem !== undefined) {
      throw new UsageError(
        `invalid entry name ${JSON.stringify(name)}: it ${problem}`,
      );
    }
  }
  return { dir, queue, target: { names: positionals }, to };
}

/** Makes a bulk command from its spec. */
export function bulkCommand(spec: BulkSpec): Command {
  return {
    name: spec.name,
    summary: spec.summary,
    help: `${spec.usage}

Options:
${spec.options === undefined ? "" : `${spec.options}\n`}${BULK_HELP}
  -h, --help                  show this help

${SPANS_HELP}

${BULK_EXIT_CODES}`,
    async run(args) {
      const parsed = parse(args, { ...BULK_FLAGS, ...spec.flags });
      const dir = parsed.positionals[0];
      if (dir === undefined) throw new UsageError("missing DIR");
      const spool = await OperatorSpool.open(dir);
      const request = requestOf(spec, parsed, spool.queues);
      if (request.queue !== undefined) expectQueue(spool, request.queue);
      const action = spec.action(parsed, request.to);
      if ("to" in action && action.to !== undefined) {
        expectQueue(spool, action.to);
      }
      const json = boolFlag(parsed, "json");
      const limit = stringFlag(parsed, "max-checked-out-age");
      const options: ActOptions = {
        dryRun: boolFlag(parsed, "dry-run"),
        forceOlderThanMs: !boolFlag(parsed, "force")
          ? undefined
          : limit === undefined
          ? DEFAULT_LIMITS.maxCheckedOutAgeMs
          : parseSpan(limit, "--max-checked-out-age"),
      };
      using progress = startProgress(spec.verb.doing);
      if (!json) {
        options.onProgress = (done, total) => progress.update(done, total);
      }
      const report = request.queue === undefined
        ? await spool.act(
          request.target as { names: string[] },
          action,
          options,
        )
        : await spool.actIn(request.queue, request.target, action, options);
      progress.end();
      if (json) printJson(reportJson(request, action, report));
      else printReport(spec, spool, request, report, limit);
      const failed = report.notFound.length + report.refused.length +
        report.checkedOut.filter((c) => !c.taken).length;
      return failed === 0 ? 0 : 1;
    },
  };
}

/** The JSON report of a run. */
function reportJson(
  request: Request,
  action: OperatorAction,
  report: ActionReport,
): Record<string, unknown> {
  return {
    action: report.action,
    from: request.queue ?? null,
    to: "to" in action ? action.to ?? null : null,
    dryRun: report.dryRun,
    matched: report.matched,
    done: report.dryRun ? 0 : report.done.length,
    names: report.done.map((d) => d.name),
    entries: report.done.map((d) => ({
      name: d.name,
      from: d.from,
      to: d.to,
      due: d.due,
      ...d.forcedFromCheckoutMs === undefined
        ? {}
        : { forcedFromCheckoutMs: d.forcedFromCheckoutMs },
    })),
    gone: report.gone,
    notFound: report.notFound,
    checkedOut: report.checkedOut,
    refused: report.refused,
  };
}

/**
 * Where the entries of a run went, in words: `from a to b` when they all
 * went one way, `from a (3 to b, 2 to c)` when not.
 */
function routeOf(from: string, done: readonly ActionDone[]): string {
  const counts = new Map<string | null, number>();
  for (const d of done) counts.set(d.to, (counts.get(d.to) ?? 0) + 1);
  const where = `from ${escapeText(from)}`;
  if (counts.size === 0 || (counts.size === 1 && counts.has(null))) {
    return where;
  }
  if (counts.size === 1) {
    const [to] = counts.keys();
    return to === from
      ? `in ${escapeText(from)}`
      : `${where} to ${escapeText(to!)}`;
  }
  return `${where} (${
    [...counts].map(([to, n]) =>
      `${formatCount(n)} to ${escapeText(to ?? "-")}`
    )
      .join(", ")
  })`;
}

/** One entry done (or to do): `moved NAME from a to b, due …`. */
function doneLine(spec: BulkSpec, done: ActionDone, dryRun: boolean): string {
  const verb = dryRun ? spec.verb.planned : spec.verb.done;
  const route = done.to === null
    ? `from ${escapeText(done.from)}`
    : done.to === done.from
    ? `in ${escapeText(done.from)}`
    : `from ${escapeText(done.from)} to ${escapeText(done.to)}`;
  const due = done.due === null ? "" : `, due ${formatTime(done.due)}`;
  const forced = done.forcedFromCheckoutMs === undefined
    ? ""
    : ` (taken from a checkout of ${
      formatAge(done.forcedFromCheckoutMs)
    }, its consumer presumed dead)`;
  return `${verb} ${escapeText(done.name)} ${route}${due}${forced}`;
}

/** Prints what a run did, for people; problems on stderr. */
function printReport(
  spec: BulkSpec,
  spool: OperatorSpool,
  request: Request,
  report: ActionReport,
  limit: string | undefined,
): void {
  const err = (line: string) =>
    console.error(`multispool ${spec.name}: ${line}`);
  const { dryRun } = report;
  const selection = "filter" in request.target;
  const plural = (n: number) =>
    `${formatCount(n)} ${n === 1 ? "entry" : "entries"}`;
  if (selection) {
    const verb = dryRun ? spec.verb.planned : spec.verb.done;
    const several = new Set(report.done.map((d) => d.to)).size > 1;
    console.log(
      `${verb} ${plural(report.done.length)} ${
        routeOf(request.queue!, report.done)
      }${dryRun && report.done.length > 0 ? ":" : ""}`,
    );
    if (dryRun) {
      for (const done of report.done) {
        console.log(
          `  ${escapeText(done.name)}${
            several && done.to !== null ? ` (to ${escapeText(done.to)})` : ""
          }`,
        );
      }
    }
  } else {
    for (const done of report.done) console.log(doneLine(spec, done, dryRun));
  }
  if (report.gone.length > 0) {
    console.log(
      `(${
        plural(report.gone.length)
      } taken by a consumer or removed meanwhile)`,
    );
  }
  for (const name of report.notFound) {
    err(
      `${escapeText(name)} is not ${
        request.queue === undefined
          ? "in the spool"
          : `in ${escapeText(request.queue)}`
      } (taken by a consumer and finished, moved, removed, or never there)`,
    );
  }
  for (const held of report.checkedOut) {
    if (held.taken) continue;
    err(
      `${escapeText(held.name)} is checked out of ${
        escapeText(held.queue)
      } (checked out ${
        formatAge(held.checkedOutMs)
      } ago; no process id is kept on disk), ${
        held.reason?.replace(
          "force takes it once the checkout is older than the checkout limit",
          `--force takes it once the checkout is older than the checkout limit, ${
            limit ?? formatAge(DEFAULT_LIMITS.maxCheckedOutAgeMs)
          }`,
        ).replace("even with force", "even with --force") ?? "left alone"
      }`,
    );
  }
  for (const refused of report.refused) {
    err(
      `${escapeText(refused.name)} in ${escapeText(refused.queue)}: ${
        escapeText(refused.reason)
      }${
        spec.name === "release" || spec.name === "retry" ? " (--to QUEUE)" : ""
      }`,
    );
  }
  if (dryRun) console.log("(dry run: nothing was done)");
  void spool;
}
