/**
 * The shape of each queue: how many entries wait (ready or delayed), how
 * many are checked out, how old they are, and the waiting entries by age
 * in the buckets of Postfix's qshape, measured as `multispool stats`
 * measures them (an entry's age is the time since it entered its current
 * phase). Internal.
 *
 * Measuring costs two `stat` calls per waiting entry and a listing per
 * queue; it yields to the event loop every few hundred entries, so that a
 * server measuring a queue of 100,000 entries keeps answering.
 *
 * @module
 */

import { EntryNotFoundError } from "../errors.ts";
import { listCheckoutsUnsafe } from "../expert.ts";
import type { SpoolView, ViewSpool } from "./spool_view.ts";

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
  /** The queue. */
  queue: string;
  /** Entries in the queue: ready plus delayed. */
  waiting: number;
  /** Waiting entries that are due: a consumer may take them now. */
  ready: number;
  /** Waiting entries whose due time is still ahead. */
  delayed: number;
  /** Entries checked out of the queue by consumers. */
  checkedOut: number;
  /** The age of the oldest waiting entry, or null if none waits. */
  oldestWaitingMs: number | null;
  /** The age of the oldest checkout, or null if there is none. */
  oldestCheckedOutMs: number | null;
  /** Waiting entries by age: [under 5m, 5-10m, ..., 640-1280m, 1280m+]. */
  buckets: number[];
}

/** Every queue's shape at one moment. */
export interface Snapshot {
  /** When it was measured (ISO 8601, this host's clock). */
  at: string;
  /** How long measuring took, in milliseconds. */
  measureMs: number;
  /** The queues, in name order. */
  queues: QueueShape[];
}

/** How many entries are measured between two yields to the event loop. */
const YIELD_EVERY = 256;

/** Lets other requests be answered. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** The bucket an age falls in. */
export function bucketOf(ageMs: number): number {
  const i = BUCKETS.findIndex((limit) => ageMs < limit * 60_000);
  return i === -1 ? BUCKETS.length : i;
}

async function shapeOf(
  spool: ViewSpool,
  queue: string,
  now: number,
  signal: AbortSignal | undefined,
): Promise<QueueShape> {
  const buckets: number[] = new Array(BUCKETS.length + 1).fill(0);
  let oldestWaitingMs: number | null = null;
  let waiting = 0;
  let delayed = 0;
  let count = 0;
  for (const entry of await spool.list(queue)) {
    if (++count % YIELD_EVERY === 0) {
      await yieldToEventLoop();
      signal?.throwIfAborted();
    }
    // An entry taken or removed since the listing has no registry file to
    // stat any more, or a fresh one: either way, count what is there now.
    let mtime: Date | null;
    let due: Date | undefined;
    try {
      mtime = (await entry.stat()).mtime;
      due = await entry.direct.readDue();
    } catch (error) {
      if (error instanceof EntryNotFoundError) continue;
      throw error;
    }
    if (mtime === null) continue;
    if (due !== undefined) delayed++;
    const age = Math.max(0, now - mtime.getTime());
    waiting++;
    oldestWaitingMs = Math.max(oldestWaitingMs ?? 0, age);
    buckets[bucketOf(age)]++;
  }
  let oldestCheckedOutMs: number | null = null;
  const checkouts = await listCheckoutsUnsafe(spool, queue).catch(() => []);
  for (const job of checkouts) {
    const mtime = await spool.entry(queue, job.name).stat().then(
      (info) => info.mtime,
      () => null,
    );
    if (mtime !== null) {
      oldestCheckedOutMs = Math.max(
        oldestCheckedOutMs ?? 0,
        now - mtime.getTime(),
      );
    }
  }
  return {
    queue,
    waiting,
    ready: waiting - delayed,
    delayed,
    checkedOut: checkouts.length,
    oldestWaitingMs,
    oldestCheckedOutMs,
    buckets,
  };
}

/**
 * Measures every queue of the spool.
 *
 * @param view The spool.
 * @param signal Stops measuring (the promise rejects with its reason).
 */
export async function measure(
  view: SpoolView,
  signal?: AbortSignal,
): Promise<Snapshot> {
  const started = performance.now();
  const spool = await view.open();
  const now = view.now();
  const queues: QueueShape[] = [];
  for (const queue of spool.queues) {
    queues.push(await shapeOf(spool, queue, now, signal));
  }
  return {
    at: new Date().toISOString(),
    measureMs: Math.round(performance.now() - started),
    queues,
  };
}
