/**
 * The shape of a spool's queues, in the spirit of Postfix's qshape: per
 * queue (or per queue and metadata field value, qshape's per-domain view),
 * how many entries wait (ready or delayed), how many are checked out, and
 * the waiting ones by age.
 *
 * @module
 */

import { EntryNotFoundError } from "../mod.ts";
import { listCheckoutsUnsafe } from "../expert.ts";
import { spoolNow } from "./clock.ts";
import { fieldAt, fieldText, parseMetadata } from "./metadata.ts";
import { type CliSpool, openSpool } from "./spool.ts";

/** Upper bounds of the age buckets, in minutes, as qshape has them. */
export const BUCKETS: readonly number[] = [
  5,
  10,
  20,
  40,
  80,
  160,
  320,
  640,
  1280,
];

/** The shape of one queue. */
export interface QueueShape {
  queue: string;
  /** Entries in the queue: ready plus delayed. */
  waiting: number;
  /** Waiting entries that are due: a consumer may take them now. */
  ready: number;
  /** Waiting entries whose due time is still ahead. */
  delayed: number;
  checkedOut: number;
  oldestWaitingMs: number | null;
  oldestCheckedOutMs: number | null;
  /** Waiting entries by age: [under 5m, 5-10m, ..., 640-1280m, 1280m+]. */
  buckets: number[];
  /** The sum of the waiting entries' ages. */
  ageSumMs: number;
}

/** The shape of the entries of one queue with one value of a field. */
export interface GroupShape extends QueueShape {
  /** The field grouped by, as given: `to.domain`. */
  field: string;
  /**
   * The field's value (a string as it is, anything else as compact JSON),
   * or null for entries without the field (or without JSON metadata).
   */
  value: string | null;
}

/** Counts entries into a shape. */
class Tally {
  readonly shape: QueueShape;

  constructor(queue: string) {
    this.shape = {
      queue,
      waiting: 0,
      ready: 0,
      delayed: 0,
      checkedOut: 0,
      oldestWaitingMs: null,
      oldestCheckedOutMs: null,
      buckets: new Array(BUCKETS.length + 1).fill(0),
      ageSumMs: 0,
    };
  }

  waiting(ageMs: number, delayed: boolean): void {
    const s = this.shape;
    const age = Math.max(0, ageMs);
    s.waiting++;
    if (delayed) s.delayed++;
    else s.ready++;
    s.ageSumMs += age;
    s.oldestWaitingMs = Math.max(s.oldestWaitingMs ?? 0, age);
    const i = BUCKETS.findIndex((limit) => age < limit * 60_000);
    s.buckets[i === -1 ? BUCKETS.length : i]++;
  }

  checkedOut(ageMs: number | null): void {
    const s = this.shape;
    s.checkedOut++;
    if (ageMs !== null) {
      s.oldestCheckedOutMs = Math.max(s.oldestCheckedOutMs ?? 0, ageMs);
    }
  }
}

/** What to measure. */
export interface MeasureOptions {
  /** Only these queues (all by default). */
  queues?: readonly string[];
}

/**
 * Walks the entries of `queue`: `waiting` for each waiting one (its age in
 * the queue, whether it is delayed, and its metadata if `withMetadata`),
 * `checkedOut` for each checked out one.
 */
async function walk(
  spool: CliSpool,
  queue: string,
  now: number,
  withMetadata: boolean,
  waiting: (ageMs: number, delayed: boolean, metadata: string) => void,
  checkedOut: (ageMs: number | null, metadata: string) => void,
): Promise<void> {
  for (const entry of await spool.list(queue)) {
    // An entry taken or removed since the listing has no registry file to
    // stat any more, or a fresh one: either way, count what is there now.
    const mtime = await entry.stat().then((i) => i.mtime, () => null);
    if (mtime === null) continue;
    let due: Date | undefined;
    let metadata = "";
    try {
      due = await entry.direct.readDue();
      if (withMetadata) metadata = await entry.direct.readMetadata();
    } catch (error) {
      if (error instanceof EntryNotFoundError) continue;
      throw error;
    }
    waiting(now - mtime.getTime(), due !== undefined, metadata);
  }
  const checkouts = await listCheckoutsUnsafe(spool, queue).catch(() => []);
  for (const job of checkouts) {
    const mtime = await spool.entry(queue, job.name).stat().then(
      (i) => i.mtime,
      () => null,
    );
    checkedOut(mtime === null ? null : now - mtime.getTime(), job.metadata);
  }
}

function queuesOf(spool: CliSpool, options: MeasureOptions): readonly string[] {
  return options.queues ?? spool.queues;
}

/** Measures the queues of the spool in `dir`. */
export async function measure(
  dir: string,
  options: MeasureOptions = {},
): Promise<QueueShape[]> {
  const spool = await openSpool(dir);
  const now = spoolNow(dir);
  const shapes: QueueShape[] = [];
  for (const queue of queuesOf(spool, options)) {
    const tally = new Tally(queue);
    await walk(
      spool,
      queue,
      now,
      false,
      (age, delayed) => tally.waiting(age, delayed),
      (age) => tally.checkedOut(age),
    );
    shapes.push(tally.shape);
  }
  return shapes;
}

/**
 * Measures the queues of the spool in `dir` per value of the metadata
 * field at `path` (qshape's per-domain view): one shape per queue and
 * value, the values with the most entries first.
 */
export async function measureGroups(
  dir: string,
  field: string,
  path: readonly string[],
  options: MeasureOptions = {},
): Promise<GroupShape[]> {
  const spool = await openSpool(dir);
  const now = spoolNow(dir);
  const shapes: GroupShape[] = [];
  for (const queue of queuesOf(spool, options)) {
    const tallies = new Map<string | null, Tally>();
    const tally = (metadata: string) => {
      const parsed = parseMetadata(metadata);
      const value = parsed.json
        ? fieldText(fieldAt(parsed.value, path)) ?? null
        : null;
      let found = tallies.get(value);
      if (found === undefined) {
        found = new Tally(queue);
        tallies.set(value, found);
      }
      return found;
    };
    await walk(
      spool,
      queue,
      now,
      true,
      (age, delayed, metadata) => tally(metadata).waiting(age, delayed),
      (age, metadata) => tally(metadata).checkedOut(age),
    );
    const rows = [...tallies].map(([value, t]) => ({
      ...t.shape,
      field,
      value,
    }));
    const total = (s: QueueShape) => s.waiting + s.checkedOut;
    rows.sort((a, b) =>
      total(b) - total(a) || String(a.value).localeCompare(String(b.value))
    );
    shapes.push(...rows);
  }
  return shapes;
}
