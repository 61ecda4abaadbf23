/**
 * The entry browser's pages: a queue listed by name (enqueue order with
 * the default names) and cut into pages by a name cursor, so that only the
 * entries on the page are read, whatever the queue's length. Internal.
 *
 * A page after `NAME` starts at the first name past it: entries taken or
 * added meanwhile shift nothing. The listing itself reads names only (one
 * directory read); metadata, due time, history and payload size are read
 * for the page's entries alone.
 *
 * @module
 */

import { EntryNotFoundError } from "../errors.ts";
import { listCheckoutsUnsafe } from "../expert.ts";
import type { SpoolView, ViewSpool } from "./spool_view.ts";

/** Waiting in the queue, or checked out of it by a consumer. */
export type EntryState = "waiting" | "checked out";

/** One entry of a page, as the browser lists it. */
export interface EntrySummary {
  /** The entry name. */
  name: string;
  /** Waiting or checked out. */
  state: EntryState;
  /** When it entered its current phase (ISO), if known. */
  since: string | null;
  /** How long ago that was, on the file system's clock. */
  ageMs: number | null;
  /** When it is due, if that is ahead (ISO); null if due now. */
  due: string | null;
  /** Failed attempts recorded; null if the history cannot be read. */
  attempts: number | null;
  /** The payload's size; null if it is missing. */
  dataBytes: number | null;
  /** The metadata as stored (the page shows its beginning). */
  metadata: string;
}

/** Which page to show. */
export interface PageRequest {
  /** Waiting entries, or those checked out. */
  state: EntryState;
  /** The page after this name. */
  after?: string;
  /** The page before this name. */
  before?: string;
  /** The last page. */
  last?: boolean;
  /** Only names that start with this. */
  prefix?: string;
}

/** A page of entries. */
export interface EntryPage {
  /** The queue. */
  queue: string;
  /** What was asked. */
  request: PageRequest;
  /** How many entries match (the whole queue, or those with the prefix). */
  total: number;
  /** The position of the page's first entry among them, from 0. */
  start: number;
  /** The page's entries (those gone since the listing are left out). */
  entries: EntrySummary[];
  /** The cursor of the page before (`before`), if there is one. */
  previous: string | undefined;
  /** The cursor of the page after (`after`), if there is one. */
  next: string | undefined;
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
 * the cursor, before it, at the end, or from the start.
 */
export function slicePage(
  names: readonly string[],
  request: PageRequest,
  size: number,
): { start: number; end: number } {
  if (request.after !== undefined) {
    const start = boundOf(names, request.after, false);
    return { start, end: Math.min(names.length, start + size) };
  }
  if (request.before !== undefined) {
    const end = boundOf(names, request.before, true);
    return { start: Math.max(0, end - size), end };
  }
  if (request.last === true) {
    return { start: Math.max(0, names.length - size), end: names.length };
  }
  return { start: 0, end: Math.min(names.length, size) };
}

/**
 * Describes entry `name` of `queue`: waiting (its metadata read here), or
 * checked out with `metadata`; undefined if it is not waiting any more.
 */
export async function summaryOf(
  view: SpoolView,
  spool: ViewSpool,
  queue: string,
  name: string,
  state: EntryState,
  metadata: string | undefined,
): Promise<EntrySummary | undefined> {
  const entry = spool.entry(queue, name);
  let due: Date | undefined;
  if (state === "waiting") {
    try {
      metadata = await entry.direct.readMetadata();
      due = await entry.direct.readDue();
    } catch (error) {
      // Taken by a consumer since the listing: not on this page any more.
      if (error instanceof EntryNotFoundError) return undefined;
      throw error;
    }
  }
  const registry = await entry.stat().catch(() => null);
  const since = registry?.mtime ?? null;
  // The history lives in the registry file, empty until a first failure:
  // most entries cost no read.
  const attempts = registry === null
    ? null
    : registry.size === 0
    ? 0
    : await entry.direct.readHistory().then((h) => h.attempts, () => null);
  const dataBytes = await entry.direct.dataFile().stat().then(
    (info) => info.size,
    () => null,
  );
  return {
    name,
    state,
    since: since?.toISOString() ?? null,
    ageMs: since === null ? null : Math.max(0, view.now() - since.getTime()),
    due: due?.toISOString() ?? null,
    attempts,
    dataBytes,
    metadata: metadata ?? "",
  };
}

/**
 * A page of the entries of `queue`.
 *
 * @throws {QueueNotFoundError} If the queue is not there.
 */
export async function pageOf(
  view: SpoolView,
  spool: ViewSpool,
  queue: string,
  request: PageRequest,
  size: number,
): Promise<EntryPage> {
  let names: string[];
  let held: Map<string, string> | undefined;
  if (request.state === "waiting") {
    names = (await spool.list(queue)).map((entry) => entry.name);
  } else {
    held = new Map(
      (await listCheckoutsUnsafe(spool, queue)).map((job) => [
        job.name,
        job.metadata,
      ]),
    );
    names = [...held.keys()];
  }
  const prefix = request.prefix;
  if (prefix !== undefined && prefix !== "") {
    names = names.filter((name) => name.startsWith(prefix));
  }
  const { start, end } = slicePage(names, request, size);
  const entries: EntrySummary[] = [];
  for (const name of names.slice(start, end)) {
    const summary = await summaryOf(
      view,
      spool,
      queue,
      name,
      request.state,
      held?.get(name),
    );
    if (summary !== undefined) entries.push(summary);
  }
  return {
    queue,
    request,
    total: names.length,
    start,
    entries,
    previous: start > 0 ? names[start] : undefined,
    next: end < names.length ? names[end - 1] : undefined,
  };
}
