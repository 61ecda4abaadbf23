/**
 * Acting on many entries in one call (`mv`, `rm`, `hold`, `release`), as
 * Postfix's `postsuper -r ALL` does: entries named, or chosen by filters
 * (or `--all`), each checked out and then saved to a queue or removed
 * through the library's protocol, in one process, many at a time. A dry
 * run shows the count and the names first; a progress line runs on a
 * terminal; a count ends the run.
 *
 * Entries checked out by a consumer are reported with their checkout's
 * age and left alone, unless `--force` is given and the checkout is older
 * than the checkout limit.
 *
 * @module
 */

import {
  type CheckedOutEntry,
  EntryNotFoundError,
  nameProblem,
} from "../mod.ts";
import { requeueStaleCheckout, tryCheckout } from "../expert.ts";
import { formatAge } from "../src/format_age.ts";
import {
  boolFlag,
  type FlagSpec,
  type Parsed,
  parseSpan,
  stringFlag,
  UsageError,
} from "./args.ts";
import {
  checkoutAgeMs,
  DEFAULT_CHECKOUT_LIMIT_MS,
  heldSince,
  mayTake,
} from "./checked_out.ts";
import {
  type EntryFilter,
  FILTER_FLAGS,
  FILTER_HELP,
  filterFrom,
} from "./filters.ts";
import { LIMIT_FLAGS } from "./health.ts";
import { listEntries } from "./listing.ts";
import { escapeText, printJson } from "./output.ts";
import { startProgress } from "./progress.ts";
import type { CliData, CliSpool } from "./spool.ts";

/** The flags of the bulk actions, for `parse`. */
export const BULK_FLAGS: FlagSpec = {
  ...FILTER_FLAGS,
  all: { type: "boolean" },
  "dry-run": { type: "boolean" },
  force: { type: "boolean" },
  "max-checked-out-age": LIMIT_FLAGS["max-checked-out-age"],
  json: { type: "boolean" },
};

/** The flags of the bulk actions, for `--help`. */
export const BULK_HELP =
  `  --all                       every entry waiting in the queue
${FILTER_HELP}
  --dry-run                   show how many entries and which ones, do nothing
  --force                     take a NAME checked out by a consumer, if its
                              checkout is older than the checkout limit (its
                              consumer is presumed dead)
  --max-checked-out-age SPAN  the checkout limit for --force (10m)
  --json                      print a JSON report: "dryRun", "matched", "done",
                              "names" (done, or to do in a dry run), "gone"
                              (taken by a consumer meanwhile), "notFound",
                              "checkedOut" (each "name", "checkedOutMs",
                              "taken", "reason")`;

/** What to act on: entries named, or those a filter (or `--all`) picks. */
export type Targets =
  | { kind: "names"; names: string[] }
  | { kind: "selection"; filter: EntryFilter | undefined };

/**
 * The targets from the command line: `names` (the NAME arguments), or the
 * filters, or `--all`; exactly one of the three kinds.
 *
 * @throws {UsageError} If none or several kinds are given.
 */
export function targetsFrom(parsed: Parsed, names: string[]): Targets {
  const filter = filterFrom(parsed);
  const all = boolFlag(parsed, "all");
  if (names.length > 0) {
    if (filter !== undefined || all) {
      throw new UsageError("give NAMEs, or filters or --all, not both");
    }
    for (const name of names) {
      const problem = nameProblem(name);
      if (problem !== undefined) {
        throw new UsageError(
          `invalid entry name ${JSON.stringify(name)}: it ${problem}`,
        );
      }
    }
    return { kind: "names", names };
  }
  if (filter === undefined && !all) {
    throw new UsageError(
      "give NAMEs, filters (--older-than, --newer-than, --where, --prefix, --due, --delayed) or --all",
    );
  }
  return { kind: "selection", filter };
}

/** Whether filters or `--all` were given: the positionals hold no NAME. */
export function selecting(parsed: Parsed): boolean {
  return boolFlag(parsed, "all") || filterFrom(parsed) !== undefined;
}

/** What a bulk run does to each entry it holds. */
export interface BulkAction {
  /** `move`, `remove`: for JSON. */
  kind: "move" | "remove";
  /** `moving`, `removing`: for the progress line. */
  doing: string;
  /** The line for one entry done: `moved X from a to b`. */
  doneLine(name: string, due: Date | undefined): string;
  /** The line for one entry in a dry run. */
  plannedLine(name: string): string;
  /** The final line: `moved 3 entries from a to b`. */
  countLine(count: number, dryRun: boolean): string;
  /** Saves or removes an entry held by this process. */
  apply(
    job: CheckedOutEntry<string, string, CliData>,
    due: Date | undefined,
  ): Promise<void>;
}

/** How a bulk run goes. */
export interface BulkOptions {
  dryRun: boolean;
  force: boolean;
  limitMs: number;
  json: boolean;
  /** The command, for messages: `mv`. */
  command: string;
  /** Fields the JSON report starts with: `{ action, from, to }`. */
  head: Record<string, unknown>;
}

/** The options of a bulk run from the command line. */
export function bulkOptions(
  parsed: Parsed,
  command: string,
  head: Record<string, unknown>,
): BulkOptions {
  const limit = stringFlag(parsed, "max-checked-out-age");
  return {
    dryRun: boolFlag(parsed, "dry-run"),
    force: boolFlag(parsed, "force"),
    limitMs: limit === undefined
      ? DEFAULT_CHECKOUT_LIMIT_MS
      : parseSpan(limit, "--max-checked-out-age"),
    json: boolFlag(parsed, "json"),
    command,
    head,
  };
}

/** A checked-out entry met on the way. */
interface HeldReport {
  name: string;
  checkedOutMs: number;
  taken: boolean;
  reason?: string;
}

/** What a bulk run did. */
interface Report {
  matched: number;
  done: string[];
  gone: string[];
  notFound: string[];
  checkedOut: HeldReport[];
}

/** How many entries are worked on at once (removals share their flushes). */
const CONCURRENCY = 32;

/**
 * Runs `f` on each item, at most `limit` at a time, in order of start. On
 * the first error no new item is started; the ones under way finish, and
 * then the error is thrown.
 */
async function eachConcurrently<T>(
  items: readonly T[],
  limit: number,
  f: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        await f(items[next++]);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const results = await Promise.allSettled(
    Array.from({ length: Math.min(limit, items.length) }, worker),
  );
  for (const result of results) {
    if (result.status === "rejected") throw result.reason;
  }
}

/**
 * Checks out entry `name` waiting in `queue` (delayed or not) with the due
 * time it had, or `undefined` if it is not waiting.
 */
async function checkOutWaiting(
  spool: CliSpool,
  queue: string,
  name: string,
): Promise<
  { job: CheckedOutEntry<string, string, CliData>; due?: Date } | undefined
> {
  const entry = spool.entry(queue, name);
  // Read before the checkout, which dates the file with now.
  let due: Date | undefined;
  try {
    due = await entry.direct.readDue();
  } catch (error) {
    if (error instanceof EntryNotFoundError) return undefined;
    throw error;
  }
  const job = await tryCheckout(spool, entry, { evenIfNotDue: true });
  return job && { job, due };
}

/**
 * Applies `action` to an entry held; false if the checkout was taken away
 * meanwhile (by repair, or by its consumer when it was taken by force).
 */
async function applied(
  action: BulkAction,
  job: CheckedOutEntry<string, string, CliData>,
  due: Date | undefined,
): Promise<boolean> {
  try {
    await action.apply(job, due);
    return true;
  } catch (error) {
    if (error instanceof EntryNotFoundError) return false;
    // Not left checked out by this process: back to its queue, unchanged.
    await Promise.resolve(job[Symbol.asyncDispose]()).catch(() => {});
    throw error;
  }
}

/**
 * Runs `action` on the entries of `queue` that `targets` name or pick,
 * prints what happened (lines, or a JSON report), and returns the exit
 * code: 1 if a NAME was not there or was left alone because it is checked
 * out, else 0.
 */
export async function runBulk(
  spool: CliSpool,
  queue: string,
  targets: Targets,
  action: BulkAction,
  options: BulkOptions,
): Promise<number> {
  const report: Report = {
    matched: 0,
    done: [],
    gone: [],
    notFound: [],
    checkedOut: [],
  };
  const quiet = options.json;
  const err = (line: string) => {
    if (!quiet) console.error(`multispool ${options.command}: ${line}`);
  };
  if (targets.kind === "names") {
    report.matched = targets.names.length;
    for (const name of targets.names) {
      await actOnNamed(spool, queue, name, action, options, report, err);
    }
  } else {
    const names = targets.filter === undefined
      ? (await spool.list(queue)).map((e) => e.name)
      : (await listEntries(spool, queue, { filter: targets.filter }))
        .map((e) => e.name);
    report.matched = names.length;
    if (options.dryRun) {
      report.done = [];
      if (quiet) {
        printReport(options, report, names);
      } else {
        console.log(
          `${action.countLine(names.length, true)}${
            names.length > 0 ? ":" : ""
          }`,
        );
        for (const name of names) console.log(`  ${escapeText(name)}`);
        console.log("(dry run: nothing was done)");
      }
      return 0;
    }
    using progress = startProgress(action.doing, names.length);
    await eachConcurrently(names, CONCURRENCY, async (name) => {
      const held = await checkOutWaiting(spool, queue, name);
      if (held !== undefined && await applied(action, held.job, held.due)) {
        report.done.push(name);
      } else report.gone.push(name);
      progress.advance();
    });
    progress.end();
    // Finished in any order, many at a time: reported in name order.
    report.done.sort();
    report.gone.sort();
    if (!quiet) {
      console.log(action.countLine(report.done.length, false));
      if (report.gone.length > 0) {
        console.log(
          `(${report.gone.length} taken by a consumer or removed meanwhile)`,
        );
      }
    }
  }
  if (quiet) printReport(options, report, report.done);
  else if (targets.kind === "names" && options.dryRun) {
    console.log("(dry run: nothing was done)");
  }
  const failed = report.notFound.length +
    report.checkedOut.filter((h) => h.reason !== undefined).length;
  return failed === 0 ? 0 : 1;
}

function printReport(options: BulkOptions, report: Report, names: string[]) {
  printJson({
    ...options.head,
    dryRun: options.dryRun,
    matched: report.matched,
    done: options.dryRun ? 0 : report.done.length,
    names,
    gone: report.gone,
    notFound: report.notFound,
    checkedOut: report.checkedOut,
  });
}

/** Acts on one entry named on the command line. */
async function actOnNamed(
  spool: CliSpool,
  queue: string,
  name: string,
  action: BulkAction,
  options: BulkOptions,
  report: Report,
  err: (line: string) => void,
): Promise<void> {
  const say = (line: string) => {
    if (!options.json) console.log(line);
  };
  if (options.dryRun) {
    // Waiting in the queue, delayed or not: its metadata file is there.
    const waiting = await spool.entry(queue, name).direct.readDue().then(
      () => true,
      (error) => {
        if (error instanceof EntryNotFoundError) return false;
        throw error;
      },
    );
    if (waiting) {
      report.done.push(name);
      say(action.plannedLine(name));
      return;
    }
  } else {
    const held = await checkOutWaiting(spool, queue, name);
    if (held !== undefined && await applied(action, held.job, held.due)) {
      report.done.push(name);
      say(action.doneLine(name, held.due));
      return;
    }
  }
  const ageMs = await checkoutAgeMs(spool, queue, name);
  if (ageMs === undefined) {
    report.notFound.push(name);
    err(
      `${escapeText(name)} is not in ${
        escapeText(queue)
      } (taken by a consumer, moved, or removed)`,
    );
    return;
  }
  const where = `${escapeText(name)} is checked out of ${escapeText(queue)} (${
    heldSince(ageMs)
  })`;
  const may = mayTake(ageMs, options.force, options.limitMs);
  if (!may.ok) {
    report.checkedOut.push({
      name,
      checkedOutMs: ageMs,
      taken: false,
      reason: may.reason,
    });
    err(`${where}, ${may.reason}`);
    return;
  }
  const taken = `taken from a checkout of ${
    formatAge(ageMs)
  }, its consumer presumed dead`;
  if (options.dryRun) {
    report.done.push(name);
    report.checkedOut.push({ name, checkedOutMs: ageMs, taken: false });
    say(`${action.plannedLine(name)} (${taken})`);
    return;
  }
  // Put back in its queue by repair's own exclusive steps, then taken like
  // any waiting entry: a consumer that took it meanwhile, or takes it
  // first, keeps it.
  const freed = await requeueStaleCheckout(spool, spool.entry(queue, name), {
    olderThanMs: options.limitMs,
  });
  if (freed.kind === "fresh" || freed.kind === "changed") {
    const reason = freed.kind === "fresh"
      ? mayTake(freed.ageMs, true, options.limitMs)
      : undefined;
    const why = reason !== undefined && !reason.ok
      ? reason.reason
      : "left alone: it changed while it was looked at (touched, saved or taken again); look again";
    report.checkedOut.push({
      name,
      checkedOutMs: freed.kind === "fresh" ? freed.ageMs : ageMs,
      taken: false,
      reason: why,
    });
    err(`${where}, ${why}`);
    return;
  }
  const held = freed.kind === "gone"
    ? undefined
    : await checkOutWaiting(spool, queue, name);
  if (held === undefined || !await applied(action, held.job, held.due)) {
    // Finished by its consumer, or taken by another, meanwhile.
    report.notFound.push(name);
    err(`${escapeText(name)} is not in ${escapeText(queue)} any more`);
    return;
  }
  report.done.push(name);
  report.checkedOut.push({ name, checkedOutMs: ageMs, taken: true });
  say(`${action.doneLine(name, held.due)} (${taken})`);
}
