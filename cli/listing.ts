/**
 * Entries as the command describes them (`ls`, `show`, `tail`, the bulk
 * actions): name, arrival, phase and age, due time, attempts, payload
 * size, metadata; and how they are listed and filtered.
 *
 * @module
 */

import { type Entry, EntryNotFoundError } from "../mod.ts";
import { listCheckoutsUnsafe } from "../expert.ts";
import { formatAge } from "../src/format_age.ts";
import { arrivalTime } from "./arrival.ts";
import { spoolNow } from "./clock.ts";
import { type EntryFilter, matches } from "./filters.ts";
import { metadataFields } from "./metadata.ts";
import { escapeText } from "./output.ts";
import type { CliData, CliSpool } from "./spool.ts";

/** An entry as `ls`, `show` and `tail` describe it. */
export interface Listed {
  name: string;
  queue: string;
  state: "waiting" | "checked out";
  /** When it was enqueued, from its name (a ULID); null for other names. */
  arrivedAt: string | null;
  /** When the entry last changed phase (its registry file's time). */
  since: string | null;
  /** Time in the current phase (waiting, or checked out). */
  ageMs: number | null;
  /** When a waiting entry is due, if that is ahead; null if it is due now. */
  due: string | null;
  /** Failed attempts recorded; null if the history cannot be read. */
  attempts: number | null;
  dataBytes: number | null;
  /** The metadata as stored. */
  metadata: string;
}

/** What a waiting entry holds: its metadata, and its due time if ahead. */
export interface Waiting {
  metadata: string;
  due: Date | undefined;
}

/** Reads a waiting entry; undefined if it is not waiting any more. */
export async function readWaiting(
  entry: Entry<string, string, CliData>,
): Promise<Waiting | undefined> {
  try {
    return {
      metadata: await entry.direct.readMetadata(),
      due: await entry.direct.readDue(),
    };
  } catch (error) {
    // Taken by a consumer since the listing: not waiting any more.
    if (error instanceof EntryNotFoundError) return undefined;
    throw error;
  }
}

/** Describes an entry found waiting in, or checked out of, `queue`. */
export async function describe(
  spool: CliSpool,
  queue: string,
  name: string,
  found: Waiting,
  state: Listed["state"],
): Promise<Listed> {
  const entry = spool.entry(queue, name);
  const registry = await entry.stat().catch(() => null);
  const since = registry?.mtime ?? null;
  // The history lives in the registry file, empty until a first failure:
  // most entries cost no read, so that ls of a big queue stays fast.
  const attempts = registry === null
    ? null
    : registry.size === 0
    ? 0
    : await entry.direct.readHistory().then((h) => h.attempts, () => null);
  const size = await entry.direct.dataFile().stat().then(
    (i) => i.size,
    () => null,
  );
  const now = spoolNow(spool.dir);
  return {
    name,
    queue,
    state,
    arrivedAt: arrivalTime(name, now)?.toISOString() ?? null,
    since: since?.toISOString() ?? null,
    ageMs: since ? now - since.getTime() : null,
    due: found.due?.toISOString() ?? null,
    attempts,
    dataBytes: size,
    metadata: found.metadata,
  };
}

/**
 * The entries waiting in `queue` (or, with `checkedOut`, checked out of
 * it), in name order, that pass `filter`. Entries taken by a consumer
 * while they are listed are left out.
 */
export async function listEntries(
  spool: CliSpool,
  queue: string,
  options: { checkedOut?: boolean; filter?: EntryFilter } = {},
): Promise<Listed[]> {
  const { filter } = options;
  const listed: Listed[] = [];
  const keep = (entry: Listed) => {
    if (filter === undefined || matches(filter, entry)) listed.push(entry);
  };
  if (options.checkedOut) {
    for (const job of await listCheckoutsUnsafe(spool, queue)) {
      const found = { metadata: job.metadata, due: undefined };
      keep(await describe(spool, queue, job.name, found, "checked out"));
    }
    return listed;
  }
  for (const entry of await spool.list(queue)) {
    if (filter?.prefix !== undefined && !entry.name.startsWith(filter.prefix)) {
      continue; // no need to read it
    }
    const found = await readWaiting(entry);
    if (found === undefined) continue;
    keep(await describe(spool, queue, entry.name, found, "waiting"));
  }
  return listed;
}

/**
 * An entry as `--json` output has it: metadata parsed when it is JSON (see
 * {@linkcode metadataFields}).
 */
export function listedJson(entry: Listed): Record<string, unknown> {
  const { metadata, ...rest } = entry;
  return { ...rest, ...metadataFields(metadata) };
}

/** Finds an entry waiting in, or checked out of, `queue`. */
export async function find(
  spool: CliSpool,
  queue: string,
  name: string,
): Promise<(Waiting & { state: Listed["state"] }) | undefined> {
  const waiting = await readWaiting(spool.entry(queue, name));
  if (waiting !== undefined) return { ...waiting, state: "waiting" };
  const held = (await listCheckoutsUnsafe(spool, queue)).find((job) =>
    job.name === name
  );
  return held &&
    { metadata: held.metadata, due: undefined, state: "checked out" };
}

/** Says on stderr that NAME is not in QUEUE; returns the exit code, 1. */
export function notThere(command: string, queue: string, name: string): number {
  console.error(
    `multispool ${command}: ${escapeText(name)} is not in ${
      escapeText(queue)
    } (taken by a consumer, moved, or removed)`,
  );
  return 1;
}

/** When an entry is due, for people: `in 4m 10s`, or `-` if due now. */
export function dueIn(due: string | null): string {
  return due === null ? "-" : `in ${formatAge(Date.parse(due) - Date.now())}`;
}
