/**
 * Entries listed and filtered, in name order (enqueue order with the
 * default names). A listing reads names only; entries are read one at a
 * time as they are handed out, and the event loop is shared. A walk
 * through a queue ({@linkcode listEntries}) holds a part of its names at a
 * time (a thousand first, so that the first few entries of a million come
 * after one directory read, then more each time, up to
 * {@linkcode MOST_NAMES_HELD}): a queue of any length is walked in bounded
 * memory. Pages are in `page.ts`.
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
import { type EntryFilter, matches, nameMatches } from "./filter.ts";

/** What {@linkcode listEntries} lists. */
export interface ListOptions {
  /**
   * Waiting entries, or those checked out.
   *
   * @default {"waiting"}
   */
  state?: EntryState;
  /** Only the entries that pass it. */
  filter?: EntryFilter;
  /** Only the names after this one. */
  after?: string;
  /** Stops the listing (it rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** How many names a walk holds in its first part. */
const FIRST_PART = 1024;
/** The most names a walk holds at once. */
export const MOST_NAMES_HELD = 131_072;

/**
 * The entries of `queue` that pass the filter, in name order, read one at
 * a time; entries gone since the listing are left out.
 */
export async function* listEntries(
  disk: Disk,
  queue: string,
  options: ListOptions = {},
): AsyncGenerator<EntryInfo> {
  const { state = "waiting", filter } = options;
  const checkedOut = state === "checked out";
  const budget = new LoopBudget({ signal: options.signal });
  // Each part starts after the last name of the one before and ends at
  // the last name the first one saw: one walk over what was there.
  let after = options.after;
  let through: string | undefined;
  let limit = FIRST_PART;
  for (;;) {
    const { names, more, last } = await protocol.listFirst(disk, queue, {
      limit,
      checkedOut,
      wanted: (name) =>
        (after === undefined || name > after) &&
        (through === undefined || name <= through) &&
        (filter === undefined || nameMatches(filter, name)),
    });
    through ??= last;
    for (const name of names) {
      await budget.spend();
      const details = await describeEntry(disk, queue, name, checkedOut);
      if (details === undefined) continue;
      const info = summaryOf(details);
      if (filter === undefined || matches(filter, info)) yield info;
    }
    if (!more || names.length === 0) return;
    after = names[names.length - 1];
    limit = Math.min(limit * 4, MOST_NAMES_HELD);
  }
}
