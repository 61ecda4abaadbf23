/**
 * What an operator may do to entries, each through the library's protocol,
 * never by editing files, so that it races correctly with consumers: an
 * entry is checked out (due or not, as an operator's tool may), then saved
 * to another queue or removed. An entry a consumer takes meanwhile is
 * reported as gone, and nothing is done to it.
 *
 * - `move`: to another queue, keeping its due time.
 * - `hold`: to a queue no consumer reads, remembering where it came from.
 * - `release`: out of hold, back where it came from unless told where.
 * - `retry`: a fresh start: its attempts back to 0, due now, to the queue
 *   of its last failure unless told where; past failures stay readable,
 *   marked as before the retry.
 * - `remove`: metadata, payload and registry file unlinked.
 * - `due`: made due now where it waits.
 *
 * @module
 */

import {
  type CheckedOutEntryImpl,
  saveEditing,
  tryCheckout,
} from "../checkout.ts";
import type { SpoolCore } from "../core.ts";
import { EntryNotFoundError } from "../errors.ts";
import { withFreshStart } from "../history.ts";
import { localTime } from "../due.ts";
import * as protocol from "../protocol/mod.ts";
import type { EntryInfo } from "./entry_info.ts";

/** The payload type of spools opened by operators' tools. */
export type RawData = Uint8Array | ReadableStream<Uint8Array>;

/** A spool's shared state, as operators' tools open it. */
export type RawCore = SpoolCore<string, string, RawData, unknown>;

/**
 * An action on entries.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OperatorAction } from "@multispool/multispool/operator";
 *
 * const actions: OperatorAction[] = [
 *   { kind: "retry" }, // to the queue of its last failure
 *   { kind: "hold", to: "held" },
 *   { kind: "release" }, // back where it was held from
 * ];
 * assert.equal(actions.length, 3);
 * ```
 */
export type OperatorAction =
  /** To queue `to`, keeping its due time. */
  | { kind: "move"; to: string }
  /** To the held queue `to`, remembering the queue it came from. */
  | { kind: "hold"; to: string }
  /** Out of hold: to `to`, or back to the queue it was held from. */
  | { kind: "release"; to?: string }
  /**
   * A fresh start (attempts back to 0, due now): to `to`, or to the queue
   * of its last failure.
   */
  | { kind: "retry"; to?: string }
  /** Removed from the spool. */
  | { kind: "remove" }
  /** Made due now, where it waits. */
  | { kind: "due" };

/** One entry acted on (or, in a dry run, to act on). */
export interface ActionDone {
  /** The entry. */
  name: string;
  /** The queue it was in. */
  from: string;
  /** Where it went: null once removed; `from` itself if it stayed. */
  to: string | null;
  /** The due time it kept (a delayed entry moved, held or released). */
  due: Date | null;
  /** For `due`: whether it was delayed (false: it was due already). */
  wasDelayed?: boolean;
  /**
   * Set when it was taken from a checkout older than the limit, its
   * consumer presumed dead: how old that checkout was.
   */
  forcedFromCheckoutMs?: number;
}

/** An entry named that is checked out by a consumer. */
export interface CheckedOutReport {
  /** The entry. */
  name: string;
  /** The queue it was checked out of. */
  queue: string;
  /** How long ago (no process id is kept on disk). */
  checkedOutMs: number;
  /** Whether it was taken (or, in a dry run, would be). */
  taken: boolean;
  /** Why it was left alone, if it was. */
  reason?: string;
}

/**
 * What a run of an action did (or, in a dry run, would do), in name
 * order.
 */
export interface ActionReport {
  /** The action. */
  action: OperatorAction["kind"];
  /** True if nothing was changed. */
  dryRun: boolean;
  /** How many entries were named or picked. */
  matched: number;
  /** The entries acted on (in a dry run: to act on). */
  done: ActionDone[];
  /** Picked by a filter, then taken by a consumer or removed meanwhile. */
  gone: string[];
  /**
   * Named, and not in the spool (or not in the queue given), or gone
   * before it could be acted on.
   */
  notFound: string[];
  /** Named, and checked out by a consumer. */
  checkedOut: CheckedOutReport[];
  /** Not acted on, and why (nowhere to go, or there already). */
  refused: { name: string; queue: string; reason: string }[];
}

/** The empty report of a run. */
export function emptyReport(
  action: OperatorAction,
  dryRun: boolean,
): ActionReport {
  return {
    action: action.kind,
    dryRun,
    matched: 0,
    done: [],
    gone: [],
    notFound: [],
    checkedOut: [],
    refused: [],
  };
}

/**
 * Where `action` sends `entry`, or why it cannot: the queue given, or for
 * `release` the one it was held from, for `retry` the one of its last
 * failure.
 */
export function destinationOf(
  action: OperatorAction,
  entry: EntryInfo,
  queues: readonly string[],
): { to: string | null } | { refused: string } {
  switch (action.kind) {
    case "remove":
      return { to: null };
    case "due":
      return entry.due === null && entry.state === "waiting"
        ? { to: entry.queue }
        : { to: entry.queue };
    case "move":
    case "hold":
      return checkDestination(action.to, entry, queues, false);
    case "release": {
      const to = action.to ?? entry.heldFrom ?? undefined;
      if (to === undefined) {
        return {
          refused:
            "it was not held by a tool that remembers where from: name the queue it goes to",
        };
      }
      return checkDestination(to, entry, queues, false);
    }
    case "retry": {
      const to = action.to ?? entry.lastError?.queue;
      if (to === undefined) {
        return {
          refused: "it has no failure recorded: name the queue it goes to",
        };
      }
      return checkDestination(to, entry, queues, true);
    }
  }
}

function checkDestination(
  to: string,
  entry: EntryInfo,
  queues: readonly string[],
  sameQueueOk: boolean,
): { to: string } | { refused: string } {
  if (!queues.includes(to)) {
    return {
      refused: `there is no queue ${JSON.stringify(to)} (queues: ${
        queues.join(", ")
      })`,
    };
  }
  if (to === entry.queue && !sameQueueOk) {
    return { refused: `it is in ${to} already` };
  }
  return { to };
}

/**
 * Does `action` to `entry`, waiting in its queue, sending it to `to`.
 * Returns what was done, or undefined if the entry was gone (taken by a
 * consumer, moved or removed meanwhile).
 */
export async function actOnWaiting(
  core: RawCore,
  action: OperatorAction,
  entry: EntryInfo,
  to: string | null,
): Promise<ActionDone | undefined> {
  const { disk } = core;
  const { name, queue: from } = entry;
  try {
    if (action.kind === "due") {
      const was = protocol.makeDue(disk, from, name);
      return {
        name,
        from,
        to: from,
        due: null,
        wasDelayed: was !== undefined,
      };
    }
    // Read before the checkout, which dates the file with now: a delayed
    // entry keeps its due time where it goes (but on a fresh start, or
    // removed: nothing to keep).
    const keeps = action.kind !== "retry" && action.kind !== "remove";
    const due = keeps
      ? protocol.dueOf(disk, protocol.statWaiting(disk, from, name))
      : undefined;
    const job = await tryCheckout(core, from, name, { evenIfNotDue: true });
    if (job === undefined) return undefined;
    const kept = due === undefined ? null : localTime(disk, due);
    await carryOut(job, action, to, kept);
    return { name, from, to, due: kept };
  } catch (error) {
    if (error instanceof EntryNotFoundError) return undefined;
    throw error;
  }
}

/** Saves or removes a held entry as `action` says. */
async function carryOut(
  job: CheckedOutEntryImpl<string, string, RawData>,
  action: OperatorAction,
  to: string | null,
  due: Date | null,
): Promise<void> {
  const at = due ?? undefined;
  try {
    switch (action.kind) {
      case "remove":
        return await job.remove();
      case "move":
        return await saveEditing(job, to!, { at }, undefined);
      case "hold":
        return await saveEditing(job, to!, { at }, (history) => ({
          ...history,
          hold: { at: new Date(), from: job.queue },
        }));
      case "release":
        return await saveEditing(job, to!, { at }, (history) => {
          const { hold: _, ...rest } = history;
          return rest;
        });
      case "retry":
        // A fresh start lost to a power cut leaves the old count, which the
        // operator sees and retries again: no flush of its own for it.
        return await saveEditing(
          job,
          to!,
          { historyDurable: false },
          (history) => withFreshStart(history, job.queue),
        );
      case "due":
        throw new TypeError("due needs no checkout");
    }
  } catch (error) {
    // Not left checked out by this process: back to its queue, unchanged.
    if (!(error instanceof EntryNotFoundError)) {
      await job[Symbol.asyncDispose]().catch(() => {});
    }
    throw error;
  }
}
