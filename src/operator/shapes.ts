/**
 * The shape of each queue, in the spirit of Postfix's qshape: how many
 * entries wait (ready, delayed, quarantined), how many are checked out,
 * how old they are, and the waiting ones by age. An entry's age is the
 * time since it entered its current phase, on the file system's clock.
 *
 * Measuring costs two `stat` calls per waiting entry (a third read for an
 * entry with a history), and a listing per queue; it shares the event
 * loop, so that a server measuring a queue of 100,000 entries keeps
 * answering.
 *
 * @module
 */

import type { Disk } from "../protocol/mod.ts";
import * as protocol from "../protocol/mod.ts";
import { parseHistory } from "../history.ts";
import { LoopBudget } from "../loop_budget.ts";
import { quarantineOf } from "./entry_info.ts";
import { metadataField } from "./metadata.ts";

/**
 * Upper bounds of the age buckets, in minutes, as qshape has them: a
 * shape's `buckets` counts the waiting entries under 5 minutes old, 5 to
 * 10, ..., 640 to 1280, and over 1280.
 */
export const AGE_BUCKETS: readonly number[] = [
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

/**
 * The shape of one queue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { OperatorSpool } from "@multispool/multispool/operator";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["jobs"] });
 * await spool.enqueue("jobs", {}, new Uint8Array());
 * await spool.enqueue("jobs", {}, new Uint8Array(), { delay: 60_000 });
 * const operator = await OperatorSpool.open(dir);
 * const [jobs] = await operator.shapes();
 * assert.deepEqual([jobs.waiting, jobs.ready, jobs.delayed], [2, 1, 1]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface QueueShape {
  /** The queue. */
  queue: string;
  /** Entries waiting in the queue: ready, delayed and quarantined. */
  waiting: number;
  /** Waiting entries that are due: a consumer may take them now. */
  ready: number;
  /** Waiting entries whose due time is still ahead. */
  delayed: number;
  /**
   * Waiting entries quarantined here: moved aside as damaged, and still
   * so; counted neither as ready nor as delayed.
   */
  quarantined: number;
  /** Entries checked out of the queue by consumers. */
  checkedOut: number;
  /** The age of the oldest waiting entry, or null if none waits. */
  oldestWaitingMs: number | null;
  /** The age of the oldest checkout, or null if there is none. */
  oldestCheckedOutMs: number | null;
  /** Waiting entries by age (see {@linkcode AGE_BUCKETS}). */
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

/** The bucket of {@linkcode AGE_BUCKETS} an age falls in. */
export function bucketOf(ageMs: number): number {
  const i = AGE_BUCKETS.findIndex((limit) => ageMs < limit * 60_000);
  return i === -1 ? AGE_BUCKETS.length : i;
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
      quarantined: 0,
      checkedOut: 0,
      oldestWaitingMs: null,
      oldestCheckedOutMs: null,
      buckets: new Array(AGE_BUCKETS.length + 1).fill(0),
      ageSumMs: 0,
    };
  }

  waiting(ageMs: number, delayed: boolean, quarantined: boolean): void {
    const s = this.shape;
    const age = Math.max(0, ageMs);
    s.waiting++;
    if (quarantined) s.quarantined++;
    else if (delayed) s.delayed++;
    else s.ready++;
    s.ageSumMs += age;
    s.oldestWaitingMs = Math.max(s.oldestWaitingMs ?? 0, age);
    s.buckets[bucketOf(age)]++;
  }

  checkedOut(ageMs: number | null): void {
    const s = this.shape;
    s.checkedOut++;
    if (ageMs !== null) {
      s.oldestCheckedOutMs = Math.max(s.oldestCheckedOutMs ?? 0, ageMs);
    }
  }
}

/** What {@linkcode measureShapes} measures. */
export interface MeasureOptions {
  /** Group each queue's entries by the value of this metadata field. */
  groupBy?: { field: string; path: readonly string[] };
  /** Stops measuring (the promise rejects with the signal's reason). */
  signal?: AbortSignal;
}

/**
 * Measures `queues`: one shape each, or with `groupBy` one per queue and
 * value of the field, the values with the most entries first.
 */
export async function measureShapes(
  disk: Disk,
  queues: readonly string[],
  options: MeasureOptions = {},
): Promise<QueueShape[] | GroupShape[]> {
  const budget = new LoopBudget({ signal: options.signal });
  const { groupBy } = options;
  const shapes: QueueShape[] = [];
  const groups: GroupShape[] = [];
  for (const queue of queues) {
    const tallies = new Map<string | null, Tally>();
    const tally = (metadata: string) => {
      const value = groupBy === undefined
        ? null
        : metadataField(metadata, groupBy.path) ?? null;
      let found = tallies.get(value);
      if (found === undefined) {
        found = new Tally(queue);
        tallies.set(value, found);
      }
      return found;
    };
    if (groupBy === undefined) tally("");
    await walkQueue(disk, queue, groupBy !== undefined, budget, {
      waiting: (age, delayed, quarantined, metadata) =>
        tally(metadata).waiting(age, delayed, quarantined),
      checkedOut: (age, metadata) => tally(metadata).checkedOut(age),
    });
    if (groupBy === undefined) {
      shapes.push(tallies.get(null)!.shape);
      continue;
    }
    const rows = [...tallies].map(([value, t]) => ({
      ...t.shape,
      field: groupBy.field,
      value,
    }));
    const total = (s: QueueShape) => s.waiting + s.checkedOut;
    rows.sort((a, b) =>
      total(b) - total(a) || String(a.value).localeCompare(String(b.value))
    );
    groups.push(...rows);
  }
  return groupBy === undefined ? shapes : groups;
}

/** What {@linkcode walkQueue} tells of each entry. */
interface Visitor {
  waiting(
    ageMs: number,
    delayed: boolean,
    quarantined: boolean,
    metadata: string,
  ): void;
  checkedOut(ageMs: number | null, metadata: string): void;
}

/**
 * Walks the entries of `queue`, waiting then checked out. An entry taken
 * or removed since the listing is counted where it is now, or not at all.
 * Each look is answered at once, and awaited only where it reads (with
 * `withMetadata`, or a history) and the reads are on the thread pool.
 */
async function walkQueue(
  disk: Disk,
  queue: string,
  withMetadata: boolean,
  budget: LoopBudget,
  visit: Visitor,
): Promise<void> {
  const look = { metadata: withMetadata, data: false };
  for (const name of await protocol.listQueue(disk, queue)) {
    await budget.spend();
    let files = lookQuietly(disk, queue, name, false, look);
    if (files instanceof Promise) files = await files;
    const since = files?.registry?.mtime;
    if (files === undefined || since == null) continue;
    const now = disk.clock.now().getTime();
    visit.waiting(
      now - since.getTime(),
      protocol.dueOf(disk, files.info) !== undefined,
      quarantinedIn(disk, queue, name, files.history),
      files.metadata,
    );
  }
  for (const name of await protocol.listCheckouts(disk, queue)) {
    await budget.spend();
    let files = lookQuietly(disk, queue, name, true, look);
    if (files instanceof Promise) files = await files;
    if (files === undefined) continue;
    const since = files.registry?.mtime;
    const now = disk.clock.now().getTime();
    visit.checkedOut(
      since == null ? null : Math.max(0, now - since.getTime()),
      files.metadata,
    );
  }
}

/**
 * {@linkcode protocol.lookAtEntry}, with a file that is not one skipped:
 * answered at once while the calls are in line, no await needed.
 */
function lookQuietly(
  disk: Disk,
  queue: string,
  name: string,
  checkedOut: boolean,
  look: protocol.LookOptions,
):
  | protocol.EntryFiles
  | undefined
  | Promise<protocol.EntryFiles | undefined> {
  const skipped = () => undefined; // Not a regular file: the monitor reports it.
  try {
    const files = protocol.lookAtEntry(disk, queue, name, checkedOut, look);
    return files instanceof Promise ? files.catch(skipped) : files;
  } catch {
    return skipped();
  }
}

/**
 * Whether an entry waiting in `queue` is quarantined there: its history
 * says so, and for a payload's damage, the payload is still missing.
 */
function quarantinedIn(
  disk: Disk,
  queue: string,
  name: string,
  historyText: string | undefined,
): boolean {
  if (historyText === undefined) return false;
  try {
    const history = parseHistory(historyText, name);
    return quarantineOf(
      history,
      queue,
      () => protocol.statDataIfThere(disk, name)?.isFile ?? false,
    ) !== null;
  } catch {
    return false; // A history no one can read: no quarantine either.
  }
}
