/**
 * Checkout-level control, fenced apart like the original's `Expert` module:
 * the caller holds an entry and must save or remove it itself, and may list
 * what other processes hold.
 *
 * @module
 */

import { checkNonNegativeNumber } from "./arguments.ts";
import {
  type CheckedOutEntry,
  checkout as checkoutEntry,
  listCheckouts,
  tryCheckout as tryCheckoutEntry,
} from "./checkout.ts";
import { type Entry, type Spool, spoolCore } from "./spool.ts";
import { requeueStale, type StaleCheckoutResult } from "./stale_checkout.ts";

export type { StaleCheckoutResult } from "./stale_checkout.ts";

/**
 * Options of {@linkcode checkout} and {@linkcode tryCheckout}.
 *
 * @example An operator's tool moves a delayed entry
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { type CheckoutOptions, checkout } from "@multispool/multispool/expert";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["in", "held"] });
 * const entry = await spool.enqueue("in", {}, new Uint8Array(), { delay: 60_000 });
 * const due = await entry.direct.readDue();
 * const options: CheckoutOptions = { evenIfNotDue: true };
 * const job = await checkout(spool, entry, options);
 * await job.save("held", { at: due }); // keeps its due time
 * assert.ok((await spool.entry("held", entry.name).direct.readDue())! > new Date());
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface CheckoutOptions {
  /**
   * Check out an entry that waits for a due time still ahead, too (for
   * operators' tools that move or remove entries, not for consumers).
   *
   * @default {false}
   */
  evenIfNotDue?: boolean;
}

/**
 * Checks `entry` out (renames it into its queue's `.checkout/`) and reads
 * its metadata. The caller must `save` or `remove` it; `withEntry` does that
 * for you and is the safer call.
 *
 * @typeParam Q The spool's queue names.
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 * @typeParam I The name generator's input type.
 * @param spool The spool the entry belongs to.
 * @param entry The entry.
 * @param options Whether an entry not yet due may be taken.
 * @returns The checked-out entry.
 * @throws {EntryNotFoundError} If the entry is gone.
 * @throws {NotDueError} If it waits for a due time still ahead (unless
 * `options.evenIfNotDue`).
 * @throws {DecodeError} If its metadata cannot be decoded; the entry is
 * put back in its queue.
 * @throws {TypeError} If `spool` was not opened by this library.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EntryNotFoundError, Spool } from "@multispool/multispool";
 * import { checkout } from "@multispool/multispool/expert";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const entry = await spool.enqueue("q", {}, new Uint8Array());
 * const job = await checkout(spool, entry);
 * assert.equal(job.name, entry.name);
 * await assert.rejects(checkout(spool, entry), EntryNotFoundError); // held
 * await job.remove();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function checkout<Q extends string, M, D, I>(
  spool: Spool<Q, M, D, I>,
  entry: Entry<Q, M, D, I>,
  options: CheckoutOptions = {},
): Promise<CheckedOutEntry<Q, M, D>> {
  const core = spoolCore(spool, "check out entry");
  return await checkoutEntry(core, entry.queue, entry.name, options);
}

/**
 * Like {@linkcode checkout}, for callers that expect to race with other
 * consumers: an entry that is gone gives `undefined`.
 *
 * @typeParam Q The spool's queue names.
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 * @typeParam I The name generator's input type.
 * @param spool The spool the entry belongs to.
 * @param entry The entry.
 * @returns The checked-out entry, or `undefined`.
 * @throws {DecodeError} If its metadata cannot be decoded; the entry is
 * put back in its queue.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { tryCheckout } from "@multispool/multispool/expert";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * assert.equal(await tryCheckout(spool, spool.entry("q", "gone")), undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function tryCheckout<Q extends string, M, D, I>(
  spool: Spool<Q, M, D, I>,
  entry: Entry<Q, M, D, I>,
  options: CheckoutOptions = {},
): Promise<CheckedOutEntry<Q, M, D> | undefined> {
  const core = spoolCore(spool, "check out entry");
  return await tryCheckoutEntry(core, entry.queue, entry.name, options);
}

/**
 * Unsafe: the entries checked out of `queue` now, by any process. They are
 * held by their consumers; saving or removing one here breaks that
 * consumer's work. Meant for recovery tools. Entries that finish while being
 * listed are skipped.
 *
 * @typeParam Q The spool's queue names.
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 * @typeParam I The name generator's input type.
 * @param spool The spool.
 * @param queue The queue.
 * @returns The checked-out entries, sorted by name.
 * @throws {QueueNotFoundError} If the queue is unknown or missing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { checkout, listCheckoutsUnsafe } from "@multispool/multispool/expert";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * await checkout(spool, await spool.enqueue("q", {}, new Uint8Array()));
 * const stuck = await listCheckoutsUnsafe(spool, "q");
 * assert.equal(stuck.length, 1);
 * for (const entry of stuck) await entry.save("q"); // back to the queue
 * assert.equal((await spool.list("q")).length, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function listCheckoutsUnsafe<Q extends string, M, D, I>(
  spool: Spool<Q, M, D, I>,
  queue: Q,
): Promise<CheckedOutEntry<Q, M, D>[]> {
  return await listCheckouts(spoolCore(spool, "list checkouts"), queue);
}

/**
 * Options of {@linkcode requeueStaleCheckout}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { RequeueStaleOptions } from "@multispool/multispool/expert";
 *
 * const options: RequeueStaleOptions = { olderThanMs: 10 * 60_000 };
 * assert.equal(options.olderThanMs, 600_000);
 * ```
 */
export interface RequeueStaleOptions {
  /**
   * The checkout limit: only a checkout older than this (by its last
   * stamp, on the file system's clock; a claim cut short by its last link)
   * is put back. Its consumer is then presumed dead; if it is alive, it
   * loses the entry (its next save or removal fails with
   * `EntryNotFoundError`), and may have handled it: at least once.
   */
  olderThanMs: number;
}

/**
 * Puts an entry checked out by another process back in its queue, if its
 * checkout is older than `options.olderThanMs`: what repair does for a
 * stale checkout, for one entry, now (an operator's `--force`). The
 * caller then takes it like any waiting entry (with {@linkcode tryCheckout},
 * `evenIfNotDue` for an operator's tool); a consumer that takes it first
 * simply wins.
 *
 * Every step is exclusive and proved at the moment it acts: the checkout
 * must still carry the stamp it was judged by, so a consumer that touched,
 * saved or took the entry meanwhile keeps it (see
 * {@linkcode StaleCheckoutResult} for each outcome). The abandoned attempt
 * is recorded in the entry's history with the move, or neither happens. A
 * claim cut short (one file both waiting and checked out) is finished,
 * never moved again. Its damage is not looked at: a checkout without its
 * payload is put back all the same.
 *
 * @typeParam Q The spool's queue names.
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 * @typeParam I The name generator's input type.
 * @param spool The spool.
 * @param entry The entry (its queue is the one it is checked out of).
 * @param options The checkout limit.
 * @returns What was done, and the age judged.
 * @throws {SpoolError} If the abandoned attempt cannot be recorded (then
 * nothing moved), or the disk fails.
 * @throws {InvalidNameError} If the entry's name is invalid.
 * @throws {RangeError} If `olderThanMs` is negative or not a number.
 *
 * @example Take an entry from a consumer that died an hour ago
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { checkout, requeueStaleCheckout, tryCheckout } from "@multispool/multispool/expert";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q", "held"] });
 * const entry = await spool.enqueue("q", {}, new Uint8Array());
 * await checkout(spool, entry); // its consumer dies holding it
 * const hourAgo = new Date(Date.now() - 3_600_000);
 * await Deno.utime(`${dir}/q/.checkout/${entry.name}`, hourAgo, hourAgo);
 *
 * const limit = { olderThanMs: 10 * 60_000 };
 * const result = await requeueStaleCheckout(spool, entry, limit);
 * assert.equal(result.kind, "requeued");
 * const job = await tryCheckout(spool, entry, { evenIfNotDue: true });
 * await job?.save("held");
 * assert.equal((await spool.list("held")).length, 1);
 * assert.equal((await requeueStaleCheckout(spool, entry, limit)).kind, "gone");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function requeueStaleCheckout<Q extends string, M, D, I>(
  spool: Spool<Q, M, D, I>,
  entry: Entry<Q, M, D, I>,
  options: RequeueStaleOptions,
): Promise<StaleCheckoutResult> {
  const operation = "requeue stale checkout";
  const core = spoolCore(spool, operation);
  checkNonNegativeNumber(operation, "olderThanMs", options.olderThanMs);
  return await requeueStale(
    core,
    entry.queue,
    entry.name,
    options.olderThanMs,
  );
}
