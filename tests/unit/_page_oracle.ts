// The pages of a queue as they were made before pages held only their own
// names (commit 3a66a8b): every name listed, sorted, and sliced. The tests
// of page.ts compare its pages with these, request by request.

import type { Disk } from "../../src/protocol/mod.ts";
import * as protocol from "../../src/protocol/mod.ts";
import { LoopBudget } from "../../src/loop_budget.ts";
import {
  describeEntry,
  type EntryInfo,
  type EntryState,
  summaryOf,
} from "../../src/operator/entry_info.ts";
import {
  type EntryFilter,
  matches,
  nameMatches,
  namesOnly,
} from "../../src/operator/filter.ts";
import type { EntryPage, PageRequest } from "../../src/operator/page.ts";

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

/**
 * The first index of sorted `names` whose name comes after `name` (or is
 * `name` itself, if `orEqual`).
 */
function boundOf(
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
function slicePage(
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
export async function oraclePageOf(
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
    const details = await describeEntry(disk, queue, name, checkedOut);
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
