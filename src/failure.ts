/**
 * Failures: what becomes of an entry whose handling failed. Whoever meets
 * the failure (a reader, an outcome, a checked-out entry's save, repair)
 * goes through here, so that an entry's history says the same of it.
 *
 * - A failed attempt (a handler threw, or asked for a retry) is recorded in
 *   the entry's history, and the entry comes back to its queue after the
 *   backoff, until the retry policy's attempts are spent: then it goes to
 *   the dead-letter queue.
 * - An attempt its consumer never finished (killed, say) is recorded by
 *   whoever puts its stale checkout back: repair, or an operator's force.
 * - A damaged entry (metadata the codec cannot decode, a payload missing or
 *   not a regular file) is poison: it must not stop its queue. It is left
 *   in place and skipped, or moved aside to a quarantine queue with its
 *   damage recorded.
 *
 * @module
 */

import type { SpoolError } from "./errors.ts";
import {
  describeError,
  emptyHistory,
  type EntryHistory,
  type FailureKind,
  withFailure,
  withQuarantine,
} from "./history.ts";
import { backoffDelay, DEFAULT_BACKOFF, type RetryPolicy } from "./retry.ts";
import type { DueOptions } from "./spool_options.ts";

/**
 * What a reader does with an entry that is damaged (its metadata cannot be
 * decoded, or its payload is missing or not a regular file), so that it
 * does not stop the queue: `"skip"` leaves it where it is, reports it and
 * takes the entries behind it; `{ queue }` moves it to that queue, with
 * the reason recorded in its history, and reports it.
 *
 * @typeParam Q The spool's queue names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type PoisonPolicy, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["in", "damaged"] });
 * const bad = await spool.enqueue("in", {}, new Uint8Array());
 * await Deno.writeTextFile(`${dir}/in/${bad.name}`, "{not json");
 * const poison: PoisonPolicy<"in" | "damaged"> = { queue: "damaged" };
 * await using reader = spool.reader("in", { poison, onError: () => {} });
 * assert.equal(await reader.dequeueAvailable(), undefined);
 * const [moved] = await spool.list("damaged");
 * const { failures } = await moved.direct.readHistory();
 * assert.equal(failures[0].kind, "damaged");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type PoisonPolicy<Q extends string> = "skip" | { queue: Q };

/** How a reader treats failures. */
export interface FailurePolicy<Q extends string> {
  /** Failed attempts are retried, then dead-lettered; else rethrown. */
  retry?: RetryPolicy<Q>;
  /** What becomes of a damaged entry. */
  poison: PoisonPolicy<Q>;
  /** Told of each damaged entry. */
  onError: (error: SpoolError) => void;
  /** Told of each damaged entry left in place, not to be tried again. */
  skip: (name: string) => void;
}

/** A change to an entry's history. */
export type HistoryEdit = (history: EntryHistory) => EntryHistory;

/**
 * An entry held by this process, as failure handling moves it on (see
 * `failing` in checkout.ts).
 *
 * @typeParam Q The spool's queue names.
 */
export interface Failing<Q extends string> {
  /** The entry name. */
  readonly name: string;
  /** The queue it was checked out from. */
  readonly queue: Q;
  /** Its history. */
  history(): Promise<EntryHistory>;
  /** Moves it to `queue`, due as `when` says, its history edited first. */
  move(queue: Q, edit?: HistoryEdit, when?: DueOptions): Promise<void>;
  /** Puts it back in its queue. */
  putBack(): Promise<void>;
}

/**
 * An edit of an entry's history that records one failure of `kind` on its
 * way through `queue`: `error` (or a message) on one line.
 */
export function recordFailure(
  queue: string,
  kind: FailureKind,
  error: unknown,
): HistoryEdit {
  return (history) =>
    withFailure(history, {
      at: new Date(),
      queue,
      kind,
      message: describeError(error),
    });
}

/**
 * An edit of a damaged entry's history that records its damage as a failure
 * in `queue` and marks it quarantined in `toQueue`, where it is being moved,
 * for `reason`.
 */
export function recordDamage(
  queue: string,
  toQueue: string,
  damage: unknown,
  reason: string = describeError(damage),
): HistoryEdit {
  const failed = recordFailure(queue, "damaged", damage);
  return (history) => withQuarantine(failed(history), toQueue, reason);
}

/**
 * An edit of an entry's history that records its last attempt in `queue`
 * as abandoned: its consumer stopped without saving or removing it, and
 * its stale checkout was put back, by repair or by an operator's force.
 */
export function recordAbandoned(
  queue: string,
  by: "repair" | "force",
): HistoryEdit {
  return recordFailure(
    queue,
    "abandoned",
    `its consumer stopped without saving or removing it (the checkout went stale); ${
      by === "repair" ? "repair" : "an operator's force"
    } put it back`,
  );
}

/**
 * Sends `entry` to the dead-letter queue if its attempts are spent (its
 * history's count, or `attempts`), with `edit` of its history. Attempts its
 * consumers never finished count too (repair records them): an entry that
 * kills every consumer stops there.
 *
 * @returns True if it went.
 */
export async function deadLetterIfSpent<Q extends string>(
  entry: Failing<Q>,
  retry: RetryPolicy<Q> | undefined,
  attempts?: number,
  edit?: HistoryEdit,
): Promise<boolean> {
  if (retry === undefined) return false;
  attempts ??= (await historyOf(entry)).attempts;
  if (attempts < retry.maxAttempts) return false;
  await entry.move(retry.deadLetter, edit);
  return true;
}

/**
 * Records a failed attempt and moves the entry on: to the dead-letter queue
 * once the policy's attempts are spent, else back to its queue, due when
 * `when` says or after the backoff.
 */
export async function failAttempt<Q extends string>(
  entry: Failing<Q>,
  error: unknown,
  when: DueOptions,
  retry: RetryPolicy<Q> | undefined,
): Promise<void> {
  const failures = (await historyOf(entry)).attempts + 1;
  const failed = recordFailure(entry.queue, "error", error);
  if (await deadLetterIfSpent(entry, retry, failures, failed)) return;
  const explicit = when.delay !== undefined || when.at !== undefined;
  const due = explicit
    ? when
    : { delay: backoffDelay(retry?.backoff ?? DEFAULT_BACKOFF, failures) };
  await entry.move(entry.queue, failed, due);
}

/**
 * Deals with a damaged entry as `policy.poison` says: `onError` is told;
 * then it is put back and skipped, or moved to the quarantine queue with
 * its damage recorded.
 */
export async function poison<Q extends string>(
  entry: Failing<Q>,
  damage: SpoolError,
  policy: FailurePolicy<Q>,
): Promise<void> {
  policy.onError(damage);
  if (policy.poison === "skip") {
    policy.skip(entry.name);
    await entry.putBack();
    return;
  }
  const to = policy.poison.queue;
  await entry.move(to, recordDamage(entry.queue, to, damage));
}

/** An entry's history; one that cannot be read counts no attempts. */
function historyOf(entry: Failing<string>): Promise<EntryHistory> {
  return entry.history().catch(() => emptyHistory());
}
