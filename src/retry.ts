/**
 * Retry policies: how long a failed entry waits before its next attempt,
 * how many attempts it gets, and where it goes when they are spent.
 *
 * @module
 */

import { checkPositiveInteger } from "./arguments.ts";

/**
 * How long to wait before the next attempt: a fixed list of delays in
 * milliseconds (the first after the first failure; the last repeats), or a
 * function of the number of failed attempts so far (1 after the first).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type Backoff, backoffDelay } from "@multispool/multispool";
 *
 * const postfixLike: Backoff = [300_000, 600_000, 1_200_000, 4_000_000];
 * assert.equal(backoffDelay(postfixLike, 1), 300_000);
 * assert.equal(backoffDelay(postfixLike, 9), 4_000_000);
 * ```
 */
export type Backoff = readonly number[] | ((failures: number) => number);

/**
 * Options of {@linkcode exponentialBackoff}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   type ExponentialBackoffOptions,
 *   exponentialBackoff,
 * } from "@multispool/multispool";
 *
 * const options: ExponentialBackoffOptions = { initialMs: 100, jitter: 0 };
 * assert.equal(exponentialBackoff(options)(3), 400);
 * ```
 */
export interface ExponentialBackoffOptions {
  /**
   * The delay after the first failure, in milliseconds.
   *
   * @default {1000}
   */
  initialMs?: number;
  /**
   * Each further failure multiplies the delay by this.
   *
   * @default {2}
   */
  factor?: number;
  /**
   * The longest delay, in milliseconds.
   *
   * @default {3_600_000} (an hour)
   */
  maxMs?: number;
  /**
   * Spread: each delay is drawn at random within this fraction of it, above
   * or below, so that entries that failed together do not all come back
   * together. 0 for none.
   *
   * @default {0.2}
   */
  jitter?: number;
}

/**
 * A backoff that doubles (by default) after each failure, up to a ceiling,
 * with random jitter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exponentialBackoff } from "@multispool/multispool";
 *
 * const backoff = exponentialBackoff({ initialMs: 1000, maxMs: 5000, jitter: 0 });
 * assert.deepEqual([1, 2, 3, 4].map(backoff), [1000, 2000, 4000, 5000]);
 * const jittered = exponentialBackoff({ initialMs: 1000, jitter: 0.5 })(1);
 * assert.ok(jittered >= 500 && jittered <= 1500);
 * ```
 *
 * @throws {RangeError} If an option is negative (or `factor` below 1, or
 * `jitter` above 1).
 */
export function exponentialBackoff(
  options: ExponentialBackoffOptions = {},
): (failures: number) => number {
  const {
    initialMs = 1000,
    factor = 2,
    maxMs = 3_600_000,
    jitter = 0.2,
  } = options;
  const check = (name: string, value: number, ok: boolean) => {
    if (!ok || !Number.isFinite(value)) {
      throw new RangeError(
        `Cannot make a backoff as '${name}' is out of range: received ${value}`,
      );
    }
  };
  check("initialMs", initialMs, initialMs >= 0);
  check("factor", factor, factor >= 1);
  check("maxMs", maxMs, maxMs >= 0);
  check("jitter", jitter, jitter >= 0 && jitter <= 1);
  return (failures) => {
    const base = Math.min(maxMs, initialMs * factor ** (failures - 1));
    const spread = base * jitter * (2 * Math.random() - 1);
    return Math.max(0, Math.round(base + spread));
  };
}

/**
 * The delay before the next attempt, after `failures` failed ones.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { backoffDelay } from "@multispool/multispool";
 *
 * assert.equal(backoffDelay([10, 20], 2), 20);
 * assert.equal(backoffDelay((n) => n * 1000, 3), 3000);
 * ```
 */
export function backoffDelay(backoff: Backoff, failures: number): number {
  const delay = typeof backoff === "function"
    ? backoff(failures)
    : backoff.length === 0
    ? 0
    : backoff[Math.min(failures, backoff.length) - 1];
  return Number.isFinite(delay) && delay > 0 ? delay : 0;
}

/**
 * What a reader does with an entry whose handler failed (threw, or asked
 * for a retry): record the failure in the entry's history, then put it back
 * in its queue, due after the backoff, or move it to the dead-letter queue
 * once `maxAttempts` attempts have failed.
 *
 * An attempt that a consumer never finished (it was killed with the entry
 * checked out) counts too: repair records it when it puts the stale
 * checkout back, and a reader with this policy dead-letters an entry whose
 * attempts are spent before handing it out again.
 *
 * @typeParam Q The spool's queue names.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { exponentialBackoff, type RetryPolicy, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["jobs", "dead"] });
 * await spool.enqueue("jobs", {}, new Uint8Array());
 * const retry: RetryPolicy<"jobs" | "dead"> = {
 *   maxAttempts: 1,
 *   backoff: exponentialBackoff({ initialMs: 1000 }),
 *   deadLetter: "dead",
 * };
 * await using reader = spool.reader("jobs", { retry });
 * await reader.iterAvailable(() => {
 *   throw new Error("smtp: 550 no such user");
 * });
 * const [dead] = await spool.list("dead");
 * const history = await dead.direct.readHistory();
 * assert.equal(history.attempts, 1);
 * assert.equal(history.failures[0].message, "Error: smtp: 550 no such user");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface RetryPolicy<Q extends string> {
  /** Attempts in all, the first included, before an entry is dead-lettered. */
  maxAttempts: number;
  /**
   * The wait before each next attempt.
   *
   * @default {exponentialBackoff()} (1 s, doubling, up to an hour, ±20 %)
   */
  backoff?: Backoff;
  /** Where an entry goes once its attempts are spent. */
  deadLetter: Q;
}

/** Checks a policy's numbers, naming the operation. */
export function checkRetryPolicy<Q extends string>(
  operation: string,
  policy: RetryPolicy<Q>,
): void {
  checkPositiveInteger(operation, "retry.maxAttempts", policy.maxAttempts);
}

/** The default backoff of retries. */
export const DEFAULT_BACKOFF: Backoff = exponentialBackoff();
