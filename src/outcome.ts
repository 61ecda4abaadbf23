/**
 * Outcomes: what a consumer decides for an entry it has handled.
 *
 * @module
 */

import {
  type CheckedOutEntry,
  type CheckedOutEntryImpl,
  failing,
} from "./checkout.ts";
import { damageOf, type DataFile } from "./data_file.ts";
import { message } from "./arguments.ts";
import { failAttempt, type FailurePolicy, poison } from "./failure.ts";
import type { DueOptions } from "./spool_options.ts";

/**
 * What a consumer decides for an entry it has handled: save it to a queue
 * (its own or another; with new metadata, or the same if omitted; due at
 * once, or after `delay` ms or at `at`), remove it from the spool, or
 * retry it later.
 *
 * A retry is a failed attempt: it is recorded in the entry's history with
 * `error`, and the entry goes back to its queue, due after `delay` or at
 * `at`, or else after the reader's backoff (see {@linkcode RetryPolicy});
 * once the policy's attempts are spent, it goes to the dead-letter queue
 * instead.
 *
 * @typeParam Q The spool's queue names.
 * @typeParam M The metadata type.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { Outcome } from "@multispool/multispool";
 *
 * function retryLater(attempts: number): Outcome<"active" | "frozen", { attempts: number }> {
 *   return attempts >= 5
 *     ? { action: "save", queue: "frozen" }
 *     : { action: "save", queue: "active", metadata: { attempts: attempts + 1 } };
 * }
 * assert.deepEqual(retryLater(5), { action: "save", queue: "frozen" });
 * assert.deepEqual(retryLater(1), {
 *   action: "save",
 *   queue: "active",
 *   metadata: { attempts: 2 },
 * });
 * ```
 */
export type Outcome<Q extends string, M> =
  | ({ action: "save"; queue: Q; metadata?: M } & DueOptions)
  | { action: "remove" }
  | ({ action: "retry"; error?: unknown; metadata?: M } & DueOptions);

/**
 * An {@linkcode Outcome} that also carries a value for the caller of
 * `withEntry` or `tryWithEntry`.
 *
 * @typeParam Q The spool's queue names.
 * @typeParam M The metadata type.
 * @typeParam R The value handed back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type OutcomeWithResult, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["in", "done"] });
 * const entry = await spool.enqueue("in", {}, new Uint8Array());
 * const status = await spool.withEntry(entry, () => {
 *   const done: OutcomeWithResult<"in" | "done", unknown, number> = {
 *     action: "save",
 *     queue: "done",
 *     result: 200,
 *   };
 *   return done;
 * });
 * assert.equal(status, 200);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type OutcomeWithResult<Q extends string, M, R> = Outcome<Q, M> & {
  /** Returned by `withEntry` (undefined if left out). */
  result?: R;
};

/**
 * The function that handles a checked-out entry in `withEntry` and in
 * readers: it gets the metadata and the payload handle and says what becomes
 * of the entry. The third argument is the checked-out entry itself, for its
 * name and queue, and for `touch()` during long jobs; leave saving and
 * removing to the outcome.
 *
 * @typeParam Q The spool's queue names.
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 * @typeParam R The value handed back.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EntryHandler, jsonMetadata, Spool } from "@multispool/multispool";
 *
 * type Queue = "outbox" | "sent";
 * const deliver: EntryHandler<Queue, { to: string }, Uint8Array, string> =
 *   async (meta, data, entry) => {
 *     const body = await data.load();
 *     return {
 *       action: "save",
 *       queue: "sent",
 *       result: `${entry.name}: ${body.length} bytes to ${meta.to}`,
 *     };
 *   };
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, {
 *   queues: ["outbox", "sent"],
 *   metadata: jsonMetadata<{ to: string }>(),
 * });
 * const entry = await spool.enqueue("outbox", { to: "ops@x" }, new Uint8Array(3));
 * assert.equal(await spool.withEntry(entry, deliver), `${entry.name}: 3 bytes to ops@x`);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type EntryHandler<Q extends string, M, D, R> = (
  metadata: M,
  dataFile: DataFile<D>,
  entry: CheckedOutEntry<Q, M, D>,
) => OutcomeWithResult<Q, M, R> | Promise<OutcomeWithResult<Q, M, R>>;

/**
 * Hands a checked-out entry to `f` and carries out its outcome.
 *
 * Without a `policy` (withEntry), if `f` throws, or its outcome cannot be
 * carried out, the entry goes back to its queue unchanged and the error is
 * rethrown. With one (readers), a damaged entry is dealt with as
 * `policy.poison` says, and with `policy.retry` a throw is a failed attempt
 * like a retry outcome; the error is rethrown only without `policy.retry`.
 */
export async function handleCheckedOut<Q extends string, M, D, R>(
  checkedOut: CheckedOutEntryImpl<Q, M, D>,
  f: EntryHandler<Q, M, D, R>,
  policy?: FailurePolicy<Q>,
): Promise<R | undefined> {
  const original = checkedOut.metadata;
  let outcome: OutcomeWithResult<Q, M, R>;
  try {
    outcome = await f(
      checkedOut.metadata,
      checkedOut.dataFile,
      checkedOut,
    );
  } catch (error) {
    if (policy === undefined) return await putBackAndThrow(error);
    const damage = damageOf(checkedOut.dataFile);
    if (damage !== undefined) {
      await putBackOnError(() => poison(failing(checkedOut), damage, policy));
      return undefined;
    }
    if (policy.retry === undefined) return await putBackAndThrow(error);
    const retry = policy.retry;
    await putBackOnError(() =>
      failAttempt(failing(checkedOut), error, {}, retry)
    );
    return undefined;
  }
  try {
    if (outcome?.action === "remove") {
      await checkedOut.remove();
    } else if (outcome?.action === "save") {
      if (outcome.metadata !== undefined) {
        const metadata = outcome.metadata;
        checkedOut.update(() => metadata);
      }
      await checkedOut.save(outcome.queue, due(outcome));
    } else if (outcome?.action === "retry") {
      if (outcome.metadata !== undefined) {
        const metadata = outcome.metadata;
        checkedOut.update(() => metadata);
      }
      await failAttempt(
        failing(checkedOut),
        outcome.error ?? "the handler asked for a retry",
        due(outcome),
        policy?.retry,
      );
    } else {
      throw new TypeError(
        message(
          "handle entry",
          "outcome",
          '{ action: "save", queue }, { action: "remove" } or { action: "retry" }',
          JSON.stringify(outcome) ?? String(outcome),
        ),
      );
    }
    return outcome.result as R;
  } catch (error) {
    return await putBackAndThrow(error);
  }

  async function putBackAndThrow(error: unknown): Promise<never> {
    // Whatever went wrong, do not leave the entry checked out; the caller's
    // error matters more than ours.
    await putBack(checkedOut, original);
    throw error;
  }

  async function putBackOnError(job: () => Promise<void>): Promise<void> {
    try {
      await job();
    } catch (error) {
      await putBackAndThrow(error);
    }
  }
}

function due(options: DueOptions): DueOptions {
  return { delay: options.delay, at: options.at };
}

/**
 * Puts an entry that is still held back in its queue, with the metadata it
 * was checked out with; any failure is ignored.
 */
async function putBack<Q extends string, M, D>(
  checkedOut: CheckedOutEntry<Q, M, D>,
  original: M,
): Promise<void> {
  if (checkedOut.finished) return;
  if (checkedOut.metadata !== original) checkedOut.update(() => original);
  await checkedOut.save(checkedOut.queue).catch(() => {});
}
