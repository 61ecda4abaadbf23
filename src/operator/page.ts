/**
 * A queue's entries a page at a time, in name order (enqueue order with
 * the default names), as the dashboard shows them. A page after `NAME`
 * starts at the first name past it: entries taken or added meanwhile shift
 * nothing. A page needs every name, to count them.
 *
 * @module
 */

import type { Disk } from "../protocol/mod.ts";
import * as protocol from "../protocol/mod.ts";
import { LoopBudget } from "../loop_budget.ts";
import {
  describeEntry,
  type EntryInfo,
  type EntryState,
  summaryOf,
} from "./entry_info.ts";
import { type EntryFilter, matches, nameMatches, namesOnly } from "./filter.ts";

/** The names of `queue` in `state`, sorted, that pass the name test. */
async function namesOf(
  disk: Disk,
  queue: string,
  state: EntryState,
  filter: EntryFilter | undefined,
): Promise<string[]> {
  const names = state === "waiting"
    ? await protocol.listQueue(disk, queue)
    : await protocol.listCheckouts(disk, queue);
  return filter?.prefix === undefined
    ? names
    : names.filter((name) => nameMatches(filter, name));
}

/** Which page of a queue to show. */
export interface PageRequest {
  /**
   * Waiting entries, or those checked out.
   *
   * @default {"waiting"}
   */
  state?: EntryState;
  /** The page after this name. */
  after?: string;
  /** The page before this name. */
  before?: string;
  /** The last page. */
  last?: boolean;
  /** The page that starts at this position (from 0) of the matches. */
  position?: number;
  /** The page that starts at this name, or the first one after it. */
  from?: string;
  /** Only the entries that pass it. */
  filter?: EntryFilter;
  /** Stops reading (it rejects with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * A page of entries.
 *
 * With a filter on the name alone (or none), `total` and `start` are
 * exact; a filter that must read entries (age, metadata, error, due) finds
 * its page by reading from the cursor on, so it counts nothing it did not
 * read: `total` and `start` are then null.
 */
export interface EntryPage {
  /** The queue. */
  queue: string;
  /** Waiting or checked out. */
  state: EntryState;
  /** How many entries match, if known. */
  total: number | null;
  /** The position of the page's first entry among them, if known. */
  start: number | null;
  /** How many names the queue holds in this state (every one). */
  names: number;
  /** The page's entries (those gone since the listing are left out). */
  entries: EntryInfo[];
  /** The cursor of the page before (`before`), if there is one. */
  previous: string | undefined;
  /** The cursor of the page after (`after`), if there is one. */
  next: string | undefined;
}

/**
 * The first index of sorted `names` whose name comes after `name` (or is
 * `name` itself, if `orEqual`).
 */
export function boundOf(
  names: readonly string[],
  name: string,
  orEqual: boolean,
): number {
  let low = 0;
  let high = names.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (names[middle] < name || (!orEqual && names[middle] === name)) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return low;
}

/**
 * The part of `names` (sorted) that a request shows: `size` names after
 * the cursor, before it, at a position or name, at the end, or from the
 * start.
 */
export function slicePage(
  names: readonly string[],
  request: PageRequest,
  size: number,
): { start: number; end: number } {
  const from = (start: number) => ({
    start,
    end: Math.min(names.length, start + size),
  });
  if (request.after !== undefined) {
    return from(boundOf(names, request.after, false));
  }
  if (request.before !== undefined) {
    const end = boundOf(names, request.before, true);
    return { start: Math.max(0, end - size), end };
  }
  if (request.from !== undefined) {
    return from(boundOf(names, request.from, true));
  }
  if (request.position !== undefined) {
    return from(Math.max(0, Math.min(request.position, names.length - 1)));
  }
  if (request.last === true) {
    return { start: Math.max(0, names.length - size), end: names.length };
  }
  return from(0);
}

/**
 * A page of the entries of `queue`.
 *
 * @throws {QueueNotFoundError} If the queue is not there.
 */
export async function pageOf(
  disk: Disk,
  queue: string,
  request: PageRequest,
  size: number,
): Promise<EntryPage> {
  const state = request.state ?? "waiting";
  const { filter } = request;
  const all = await namesOf(disk, queue, state, undefined);
  const names = filter?.prefix === undefined
    ? all
    : all.filter((name) => nameMatches(filter, name));
  const checkedOut = state === "checked out";
  const budget = new LoopBudget({ signal: request.signal });
  const read = async (name: string) => {
    await budget.spend();
    const details = describeEntry(disk, queue, name, checkedOut);
    return details && summaryOf(details);
  };
  if (filter === undefined || namesOnly(filter)) {
    const { start, end } = slicePage(names, request, size);
    const entries: EntryInfo[] = [];
    for (const name of names.slice(start, end)) {
      const info = await read(name);
      if (info !== undefined) entries.push(info);
    }
    return {
      queue,
      state,
      total: names.length,
      start,
      names: all.length,
      entries,
      previous: start > 0 ? names[start] : undefined,
      next: end < names.length ? names[end - 1] : undefined,
    };
  }
  // A filter that reads entries: walk from the cursor, forward or back,
  // until the page is full.
  const backward = request.before !== undefined || request.last === true;
  const startAt = request.before !== undefined
    ? boundOf(names, request.before, true) - 1
    : request.last === true
    ? names.length - 1
    : slicePage(names, { ...request, last: false }, size).start;
  let i = startAt;
  const found: EntryInfo[] = [];
  let lastRead = i;
  while (found.length < size && i >= 0 && i < names.length) {
    const info = await read(names[i]);
    lastRead = i;
    if (info !== undefined && matches(filter, info)) found.push(info);
    i += backward ? -1 : 1;
  }
  if (backward) found.reverse();
  const first = found[0]?.name;
  const last = found.at(-1)?.name;
  const moreAfter = backward
    ? last !== undefined && boundOf(names, last, false) < names.length
    : i < names.length;
  const moreBefore = backward
    ? i >= 0
    : first !== undefined && boundOf(names, first, true) > 0;
  return {
    queue,
    state,
    total: null,
    start: null,
    names: all.length,
    entries: found,
    previous: first !== undefined
      ? moreBefore ? first : undefined
      : !backward && startAt > 0
      ? names[startAt]
      : undefined,
    next: moreAfter
      ? last ?? (lastRead >= 0 ? names[lastRead] : undefined)
      : undefined,
  };
}
