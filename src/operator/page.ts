/**
 * A queue's entries a page at a time, in name order (enqueue order with
 * the default names), as the dashboard shows them. A page after `NAME`
 * starts at the first name past it: entries taken or added meanwhile shift
 * nothing.
 *
 * A page holds its own names only, whatever the queue's length: one
 * reading of the directory counts every name and keeps the page's (the
 * first few past the cursor, or the last few before it). A filter that
 * must read entries walks from the cursor a part at a time, as a walk
 * through the queue does (see `listing.ts`). A jump to a position holds
 * the names up to it.
 *
 * @module
 */

import type { Disk } from "../protocol/mod.ts";
import * as protocol from "../protocol/mod.ts";
import { FirstNames, LastNames } from "../first_names.ts";
import { LoopBudget } from "../loop_budget.ts";
import {
  describeEntry,
  type EntryInfo,
  type EntryState,
  summaryOf,
} from "./entry_info.ts";
import { type EntryFilter, matches, nameMatches, namesOnly } from "./filter.ts";
import { MOST_NAMES_HELD } from "./listing.ts";

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

/** How many names a walk for a filter that reads entries holds first. */
const FIRST_PART = 1024;

/** Where a page's names are listed from. */
interface Listing {
  disk: Disk;
  queue: string;
  checkedOut: boolean;
  /** Whether a name passes the filter's name test. */
  named: (name: string) => boolean;
}

/** Keeps some of the names offered, and gives them sorted. */
interface Keeper {
  offer(name: string): void;
  sorted(): Promise<{ names: string[]; more: boolean; last?: string }>;
}

/** What one reading of a queue's names counted, and the names kept. */
interface Counted {
  /** Every name. */
  all: number;
  /** The names that pass the name test. */
  named: number;
  /** Those of them that were chosen (offered to the keeper). */
  chosen: number;
  /** The chosen names kept, sorted. */
  kept: string[];
  /** True if chosen names were not kept. */
  more: boolean;
  /** The greatest name chosen, kept or not. */
  greatest: string | undefined;
}

/**
 * Reads the queue's names once: counts every name, those that pass the
 * name test, and those of them `chosen` accepts, which go to the keeper.
 */
function countAndKeep(
  listing: Listing,
  chosen: (name: string) => boolean,
  keeper: () => Keeper,
): Promise<Counted> {
  const { disk, queue, checkedOut, named } = listing;
  return protocol.readNames(disk, queue, checkedOut, () => {
    const keep = keeper();
    let all = 0;
    let passed = 0;
    let taken = 0;
    return {
      offer(name) {
        all++;
        if (!named(name)) return;
        passed++;
        if (!chosen(name)) return;
        taken++;
        keep.offer(name);
      },
      async done() {
        const { names, more, last } = await keep.sorted();
        return {
          all,
          named: passed,
          chosen: taken,
          kept: names,
          more,
          greatest: last ?? names.at(-1),
        };
      },
    };
  });
}

/**
 * A page of the entries of `queue`; a walk for a filter that reads entries
 * holds `firstPart` names first.
 *
 * @throws {QueueNotFoundError} If the queue is not there.
 * @throws {RangeError} If `size` is not a positive integer.
 */
export async function pageOf(
  disk: Disk,
  queue: string,
  request: PageRequest,
  size: number,
  firstPart: number = FIRST_PART,
): Promise<EntryPage> {
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new RangeError(
      `Cannot list a page of ${queue}: its size must be a positive integer, got ${size}`,
    );
  }
  const state = request.state ?? "waiting";
  const { filter } = request;
  const checkedOut = state === "checked out";
  const listing: Listing = {
    disk,
    queue,
    checkedOut,
    named: (name) => filter === undefined || nameMatches(filter, name),
  };
  const budget = new LoopBudget({ signal: request.signal });
  const read = async (name: string) => {
    await budget.spend();
    const details = await describeEntry(disk, queue, name, checkedOut);
    return details && summaryOf(details);
  };
  if (filter === undefined || namesOnly(filter)) {
    const { names, start, total, all } = await pageNames(
      listing,
      request,
      size,
    );
    const entries: EntryInfo[] = [];
    for (const name of names) {
      const info = await read(name);
      if (info !== undefined) entries.push(info);
    }
    const end = start + names.length;
    return {
      queue,
      state,
      total,
      start,
      names: all,
      entries,
      previous: start > 0 ? names[0] : undefined,
      next: end < total ? names.at(-1) : undefined,
    };
  }
  const walk = request.before !== undefined || request.last === true
    ? await walkBackward(listing, request, { size, firstPart, read, filter })
    : await walkForward(listing, request, { size, firstPart, read, filter });
  return { queue, state, total: null, start: null, ...walk };
}

/**
 * The names of a page whose filter tests names alone, from one reading of
 * the queue: `size` names after the cursor, before it, at a position or
 * name, at the end, or from the start.
 */
async function pageNames(
  listing: Listing,
  request: PageRequest,
  size: number,
): Promise<{ names: string[]; start: number; total: number; all: number }> {
  const { after, before, from, position } = request;
  const first = () => new FirstNames(size);
  const last = () => new LastNames(size);
  const anyName = () => true;
  /** The first names chosen: the page starts after the others. */
  const fromStart = async (chosen: (name: string) => boolean) => {
    const counted = await countAndKeep(listing, chosen, first);
    return {
      names: counted.kept,
      start: counted.named - counted.chosen,
      total: counted.named,
      all: counted.all,
    };
  };
  /** The last names chosen: the page ends with them. */
  const atEnd = async (chosen: (name: string) => boolean) => {
    const counted = await countAndKeep(listing, chosen, last);
    return {
      names: counted.kept,
      start: counted.chosen - counted.kept.length,
      total: counted.named,
      all: counted.all,
    };
  };
  if (after !== undefined) return await fromStart((name) => name > after);
  if (before !== undefined) return await atEnd((name) => name < before);
  if (from !== undefined) return await fromStart((name) => name >= from);
  if (position !== undefined) {
    const at = positionOf(position);
    const counted = await countAndKeep(
      listing,
      anyName,
      () => new FirstNames(at + size),
    );
    const start = Math.max(0, Math.min(at, counted.named - 1));
    return {
      names: counted.kept.slice(start, start + size),
      start,
      total: counted.named,
      all: counted.all,
    };
  }
  if (request.last === true) return await atEnd(anyName);
  return await fromStart(anyName);
}

/** A position as a count of names before it. */
function positionOf(position: number): number {
  return Number.isFinite(position) ? Math.max(0, Math.floor(position)) : 0;
}

/** What a walk found, and the cursors around it. */
interface Walked {
  names: number;
  entries: EntryInfo[];
  previous: string | undefined;
  next: string | undefined;
}

/** How a walk reads. */
interface WalkOptions {
  /** The page's size. */
  size: number;
  /** How many names the walk holds first (four times more each next part). */
  firstPart: number;
  /** Reads an entry: undefined if it is gone. */
  read: (name: string) => Promise<EntryInfo | undefined>;
  /** The filter the page's entries pass. */
  filter: EntryFilter;
}

/**
 * A page of entries that pass a filter that reads them, read forward from
 * the cursor (after or from a name, at a position, or from the start)
 * until the page is full.
 */
async function walkForward(
  listing: Listing,
  request: PageRequest,
  { size, firstPart, read, filter }: WalkOptions,
): Promise<Walked> {
  const { after } = request;
  let from = after === undefined ? request.from : undefined;
  if (after === undefined && from === undefined) {
    if (request.position !== undefined) {
      // The name at the position, among those that pass the name test.
      const at = positionOf(request.position);
      const counted = await countAndKeep(
        listing,
        () => true,
        () => new FirstNames(at + 1),
      );
      from = counted.kept[Math.min(at, counted.named - 1)];
    }
  }
  const startsAt = (name: string) =>
    after !== undefined
      ? name > after
      : from !== undefined
      ? name >= from
      : true;
  const first = await countAndKeep(
    listing,
    startsAt,
    () => new FirstNames(firstPart),
  );
  const namedBefore = first.named - first.chosen;
  // The walk ends at the greatest name of the first reading: one walk over
  // what was there, not a chase after arrivals.
  const through = first.greatest;
  const found: EntryInfo[] = [];
  let part = { names: first.kept, more: first.more };
  let firstRead: string | undefined;
  let lastRead: string | undefined;
  let moreAfter = false;
  let limit = firstPart;
  for (;;) {
    let i = 0;
    for (; i < part.names.length && found.length < size; i++) {
      const name = part.names[i];
      firstRead ??= name;
      lastRead = name;
      const info = await read(name);
      if (info !== undefined && matches(filter, info)) found.push(info);
    }
    if (found.length === size) {
      moreAfter = i < part.names.length || part.more;
      break;
    }
    if (!part.more || lastRead === undefined || through === undefined) break;
    limit = Math.min(limit * 4, MOST_NAMES_HELD);
    const past = lastRead;
    const bound = through;
    part = await protocol.listFirst(listing.disk, listing.queue, {
      limit,
      checkedOut: listing.checkedOut,
      wanted: (name) => name > past && name <= bound && listing.named(name),
    });
    if (part.names.length === 0) break;
  }
  const firstFound = found[0]?.name;
  const moreBefore = firstFound !== undefined &&
    (namedBefore > 0 || firstFound !== firstRead);
  return {
    names: first.all,
    entries: found,
    previous: firstFound !== undefined
      ? moreBefore ? firstFound : undefined
      : namedBefore > 0
      ? first.kept[0]
      : undefined,
    next: moreAfter ? found.at(-1)?.name ?? lastRead : undefined,
  };
}

/**
 * A page of entries that pass a filter that reads them, read backward
 * from the cursor (before a name, or from the end) until the page is full.
 */
async function walkBackward(
  listing: Listing,
  request: PageRequest,
  { size, firstPart, read, filter }: WalkOptions,
): Promise<Walked> {
  const { before } = request;
  const below = (bound: string | undefined) => (name: string) =>
    bound === undefined || name < bound;
  const last = () => new LastNames(firstPart);
  let counted = await countAndKeep(listing, below(before), last);
  const all = counted.all;
  const namedAfter = counted.named - counted.chosen;
  const found: EntryInfo[] = [];
  let firstRead: string | undefined;
  let lastRead: string | undefined;
  let moreBefore = false;
  let limit = firstPart;
  for (;;) {
    const names = counted.kept;
    let i = names.length - 1;
    for (; i >= 0 && found.length < size; i--) {
      const name = names[i];
      firstRead ??= name;
      lastRead = name;
      const info = await read(name);
      if (info !== undefined && matches(filter, info)) found.push(info);
    }
    if (found.length === size) {
      moreBefore = i >= 0 || counted.more;
      break;
    }
    if (!counted.more || lastRead === undefined) break;
    limit = Math.min(limit * 4, MOST_NAMES_HELD);
    const part = limit;
    counted = await countAndKeep(
      listing,
      below(lastRead),
      () => new LastNames(part),
    );
    if (counted.kept.length === 0) break;
  }
  found.reverse();
  const firstFound = found[0]?.name;
  const lastFound = found.at(-1)?.name;
  const moreAfter = lastFound !== undefined &&
    (namedAfter > 0 || lastFound !== firstRead);
  return {
    names: all,
    entries: found,
    previous: firstFound !== undefined && moreBefore ? firstFound : undefined,
    next: moreAfter ? lastFound : undefined,
  };
}
