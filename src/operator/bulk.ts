/**
 * One action on many entries in one call, as Postfix's `postsuper -r ALL`
 * does: entries named (in a queue, or found by name anywhere), or every
 * waiting entry of a queue that a filter picks, many at a time, with a dry
 * run that says how many and which first.
 *
 * Entries checked out by a consumer are reported with their checkout's age
 * and left alone, unless `forceOlderThanMs` is given and the checkout is
 * older: its consumer is presumed dead, and the entry is put back in its
 * queue (proving its age again at that moment), then acted on like any
 * waiting entry.
 *
 * @module
 */

import { EntryNotFoundError } from "../errors.ts";
import {
  emptyHistory,
  type EntryHistory,
  lastFailure,
  parseHistory,
} from "../history.ts";
import { LoopBudget } from "../loop_budget.ts";
import { requeueStale } from "../stale_checkout.ts";
import type { Disk } from "../protocol/mod.ts";
import * as protocol from "../protocol/mod.ts";
import {
  type ActionDone,
  type ActionReport,
  actOnWaiting,
  destinationOf,
  emptyReport,
  type OperatorAction,
  type RawCore,
} from "./actions.ts";
import { describeEntry, type EntryInfo, summaryOf } from "./entry_info.ts";
import { type EntryFilter, nameMatches, namesOnly } from "./filter.ts";
import { formatAge } from "./format.ts";
import { listEntries } from "./listing.ts";

/**
 * Which entries an action is for.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ActionTarget } from "@multispool/multispool/operator";
 *
 * const named: ActionTarget = { names: ["01KBCQ8G3X0000000000000000"] };
 * const all: ActionTarget = { filter: {} };
 * assert.ok("names" in named && "filter" in all);
 * ```
 */
export type ActionTarget =
  /** These entries (in the queue given, or found by name anywhere). */
  | { names: readonly string[] }
  /** Every entry waiting in the queue given that the filter picks. */
  | { filter: EntryFilter };

/**
 * How an action runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { ActOptions } from "@multispool/multispool/operator";
 *
 * const plan: ActOptions = { dryRun: true };
 * assert.equal(plan.dryRun, true);
 * ```
 */
export interface ActOptions {
  /**
   * Only say what would be done.
   *
   * @default {false}
   */
  dryRun?: boolean;
  /**
   * Take named entries checked out for longer than this, their consumer
   * presumed dead (if it is alive, it loses the entry). Without it,
   * checked-out entries are left alone.
   */
  forceOlderThanMs?: number;
  /**
   * How many entries are worked on at once.
   *
   * @default {32}
   */
  concurrency?: number;
  /** Stops the run between entries (it rejects with the reason). */
  signal?: AbortSignal;
  /** Told after each entry: how many are done, of how many. */
  onProgress?: (done: number, total: number) => void;
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
  signal: AbortSignal | undefined,
  f: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      try {
        signal?.throwIfAborted();
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
 * Does `action` to the entries of `queue` (or, with no queue and names,
 * wherever each is found) that `target` names or picks.
 */
export async function runAction(
  core: RawCore,
  queues: readonly string[],
  queue: string | undefined,
  target: ActionTarget,
  action: OperatorAction,
  options: ActOptions = {},
): Promise<ActionReport> {
  const { disk } = core;
  const dryRun = options.dryRun ?? false;
  const report = emptyReport(action, dryRun);
  const picked: EntryInfo[] = [];
  if ("names" in target) {
    report.matched = target.names.length;
    for (const name of target.names) {
      let found = await locate(disk, queues, queue, name);
      // Waiting and checked out at once: a claim in progress, or cut short
      // by a crash; its claimer may be alive: as checked out.
      if (found?.state === "waiting" && claimedToo(disk, found)) {
        const details = await describeEntry(disk, found.queue, name, true);
        if (details !== undefined) found = summaryOf(details);
      }
      if (found === undefined) report.notFound.push(name);
      else if (found.state === "waiting") picked.push(found);
      else {
        const taken = await takeForced(core, found, options, report);
        if (taken !== undefined) picked.push(taken);
      }
    }
  } else {
    if (queue === undefined) {
      throw new TypeError("a filter picks entries of one queue: name it");
    }
    if (namesOnly(target.filter)) {
      // Nothing to read to pick them: read only what the action needs.
      picked.push(
        ...await pickByName(disk, queue, target.filter, action, options),
      );
    } else {
      for await (
        const entry of listEntries(disk, queue, {
          filter: target.filter,
          signal: options.signal,
        })
      ) picked.push(entry);
    }
    report.matched = picked.length;
  }
  const plans: { entry: EntryInfo; to: string | null; forcedMs?: number }[] =
    [];
  for (const entry of picked) {
    const where = destinationOf(action, entry, queues);
    if ("refused" in where) {
      report.refused.push({
        name: entry.name,
        queue: entry.queue,
        reason: where.refused,
      });
    } else {
      const forced = report.checkedOut.find((c) => c.name === entry.name);
      plans.push({
        entry,
        to: where.to,
        forcedMs: forced?.taken ? forced.checkedOutMs : undefined,
      });
    }
  }
  if (dryRun) {
    report.done = plans.map(({ entry, to, forcedMs }) =>
      withForced(
        { name: entry.name, from: entry.queue, to, due: entry.due },
        forcedMs,
      )
    );
    return sorted(report);
  }
  let count = 0;
  options.onProgress?.(0, plans.length);
  await eachConcurrently(
    plans,
    options.concurrency ?? CONCURRENCY,
    options.signal,
    async ({ entry, to, forcedMs }) => {
      const done = await actOnWaiting(core, action, entry, to);
      // A name asked for and gone meanwhile is not there: say so.
      if (done === undefined) {
        ("names" in target ? report.notFound : report.gone).push(entry.name);
      } else report.done.push(withForced(done, forcedMs));
      options.onProgress?.(++count, plans.length);
    },
  );
  return sorted(report);
}

function withForced(
  done: ActionDone,
  forcedMs: number | undefined,
): ActionDone {
  return forcedMs === undefined
    ? done
    : { ...done, forcedFromCheckoutMs: forcedMs };
}

/** The report, its lists in name order (entries finish in any order). */
function sorted(report: ActionReport): ActionReport {
  const byName = (a: { name: string }, b: { name: string }) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
  report.done.sort(byName);
  report.gone.sort();
  report.checkedOut.sort(byName);
  report.refused.sort(byName);
  return report;
}

/**
 * The entries waiting in `queue` whose names pass `filter`, described only
 * as far as `action` needs: where a release or a retry goes by default is
 * in the history; nothing else is read (the action reads what it needs as
 * it goes). A queue of 10,000 dead letters costs one read each to retry,
 * none to move.
 */
async function pickByName(
  disk: Disk,
  queue: string,
  filter: EntryFilter,
  action: OperatorAction,
  options: ActOptions,
): Promise<EntryInfo[]> {
  const budget = new LoopBudget({ signal: options.signal });
  const needsHistory = (action.kind === "release" || action.kind === "retry") &&
    action.to === undefined;
  const picked: EntryInfo[] = [];
  for (const name of await protocol.listQueue(disk, queue)) {
    if (!nameMatches(filter, name)) continue;
    await budget.spend();
    const entry: EntryInfo = {
      name,
      queue,
      state: "waiting",
      arrivedAt: null,
      since: null,
      ageMs: null,
      due: null,
      attempts: null,
      lastError: null,
      quarantine: null,
      heldFrom: null,
      dataBytes: null,
      metadata: "",
    };
    if (needsHistory) {
      const history = historyOf(disk, name);
      if (history === undefined) continue; // gone since the listing
      const last = lastFailure(history);
      entry.heldFrom = history.hold?.from ?? null;
      entry.attempts = history.attempts;
      entry.lastError = last === undefined ? null : {
        at: last.at,
        queue: last.queue,
        kind: last.kind,
        message: last.message,
        beforeRetry: last.beforeRetry === true,
      };
    }
    picked.push(entry);
  }
  return picked;
}

/** An entry's history; empty if unreadable, undefined if it is gone. */
function historyOf(disk: Disk, name: string): EntryHistory | undefined {
  let text: string;
  try {
    text = protocol.readRegistry(disk, name);
  } catch (error) {
    if (error instanceof EntryNotFoundError) return undefined;
    throw error;
  }
  try {
    return parseHistory(text, name);
  } catch {
    return emptyHistory();
  }
}

/** Whether a waiting entry also has a name in its queue's checkouts. */
function claimedToo(disk: Disk, entry: EntryInfo): boolean {
  const held = { queue: entry.queue, checkout: true };
  return protocol.statIn(disk, held, entry.name) !== undefined;
}

/**
 * Entry `name`, waiting or checked out, in `queue` (or, with none, in the
 * first queue where it is); undefined if it is not there.
 */
export async function locate(
  disk: Disk,
  queues: readonly string[],
  queue: string | undefined,
  name: string,
): Promise<EntryInfo | undefined> {
  const where = protocol.findEntry(
    disk,
    queue === undefined ? queues : [queue],
    name,
  );
  if (where === undefined) return undefined;
  const details = await describeEntry(
    disk,
    where.queue,
    name,
    where.checkedOut,
  );
  return details && summaryOf(details);
}

/**
 * A named entry that a consumer has checked out: left alone (reported),
 * or with `forceOlderThanMs` and a checkout older than that, put back in
 * its queue through the exclusive steps of repair, which prove its age
 * again as they act, the abandoned attempt recorded (or, in a dry run,
 * reported as to be taken). Returns it as a waiting entry when it is to be
 * acted on: a consumer may take it from its queue first, and then has it.
 */
async function takeForced(
  core: RawCore,
  entry: EntryInfo,
  options: ActOptions,
  report: ActionReport,
): Promise<EntryInfo | undefined> {
  const { name, queue } = entry;
  const limit = options.forceOlderThanMs;
  const ageMs = entry.ageMs ?? 0;
  const leave = (checkedOutMs: number, reason: string) => {
    report.checkedOut.push({ name, queue, checkedOutMs, taken: false, reason });
    return undefined;
  };
  if (limit === undefined) {
    return leave(
      ageMs,
      "left alone: its consumer may be working on it (force takes it once the checkout is older than the checkout limit)",
    );
  }
  if (options.dryRun) {
    if (ageMs <= limit) return leave(ageMs, tooYoung(limit));
    report.checkedOut.push({ name, queue, checkedOutMs: ageMs, taken: true });
    return { ...entry, state: "waiting", due: null };
  }
  const result = await requeueStale(core, queue, name, limit);
  switch (result.kind) {
    case "fresh":
      return leave(result.ageMs, tooYoung(limit));
    case "changed":
      return leave(
        ageMs,
        "left alone: it changed each time it was looked at (touched, saved or taken again by its consumer); look again",
      );
    case "gone":
      report.notFound.push(name);
      return undefined;
  }
  report.checkedOut.push({
    name,
    queue,
    checkedOutMs: result.ageMs,
    taken: true,
  });
  const details = await describeEntry(core.disk, queue, name, false);
  if (details === undefined) {
    // Taken at once by a consumer: it has it now.
    report.gone.push(name);
    return undefined;
  }
  return summaryOf(details);
}

function tooYoung(limitMs: number): string {
  return `refused even with force: younger than the checkout limit (${
    formatAge(limitMs)
  }), so its consumer may still be working on it`;
}
