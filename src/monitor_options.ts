/**
 * Options of the monitor: its age limits, the queues it checks, how often
 * its daemon checks, and whether repair acts.
 *
 * @module
 */

/**
 * Age limits of the monitor, in milliseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { Monitor, type MonitorLimits } from "@multispool/multispool/monitor";
 *
 * const limits: MonitorLimits = {
 *   maxCheckedOutAgeMs: 30 * 60_000, // long jobs
 *   maxQueueAgesMs: { active: 4 * 3_600_000 },
 * };
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["active"] });
 * const monitor = await Monitor.create(dir, { limits });
 * assert.deepEqual(await monitor.runOnce(), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface MonitorLimits {
  /**
   * A checkout older than this is too old (its consumer is presumed dead).
   *
   * @default {600000} (10 minutes)
   */
  maxCheckedOutAgeMs?: number;
  /**
   * A file in `.tmp/` older than this is too old (abandoned).
   *
   * @default {600000} (10 minutes)
   */
  maxTmpFileAgeMs?: number;
  /**
   * Per queue, an entry waiting longer than this is too old (a delayed
   * entry's age counts from its due time).
   *
   * @default {{}} (no limit)
   */
  maxQueueAgesMs?: Record<string, number>;
  /**
   * Orphaned or duplicated files changed more recently than this are work
   * in progress (an enqueue, a remove, a claim take milliseconds), not
   * problems: a check on a busy spool must not cry wolf.
   *
   * @default {30000} (30 seconds)
   */
  workInProgressMs?: number;
}

/**
 * The monitor's default limits and intervals, for tools that show or
 * apply them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { DEFAULT_LIMITS } from "@multispool/multispool/monitor";
 *
 * assert.equal(DEFAULT_LIMITS.maxCheckedOutAgeMs, 10 * 60_000);
 * ```
 */
export const DEFAULT_LIMITS: Readonly<{
  /** See {@linkcode MonitorLimits.maxCheckedOutAgeMs}: 10 minutes. */
  maxCheckedOutAgeMs: number;
  /** See {@linkcode MonitorLimits.maxTmpFileAgeMs}: 10 minutes. */
  maxTmpFileAgeMs: number;
  /** See {@linkcode MonitorLimits.workInProgressMs}: 30 seconds. */
  workInProgressMs: number;
  /** See `WatchOptions.checkEveryMs`: 15 seconds. */
  checkEveryMs: number;
  /** See `WatchOptions.alertAfterCycles`: 2. */
  alertAfterCycles: number;
}> = {
  maxCheckedOutAgeMs: 10 * 60_000,
  maxTmpFileAgeMs: 10 * 60_000,
  workInProgressMs: 30_000,
  checkEveryMs: 15_000,
  alertAfterCycles: 2,
};

/**
 * Options for `Monitor.create`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { Monitor, type MonitorOptions } from "@multispool/multispool/monitor";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["active", "frozen", "removed"] });
 * const options: MonitorOptions = {
 *   queues: ["active", "frozen"], // not "removed"
 *   limits: { maxTmpFileAgeMs: 5 * 60_000 },
 * };
 * const monitor = await Monitor.create(dir, options);
 * assert.deepEqual(await monitor.queues(), ["active", "frozen"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface MonitorOptions {
  /**
   * The queues to check.
   *
   * @default {the directories of the spool that hold a `.checkout/`,
   * found again at every check}
   */
  queues?: string[];
  /** Age limits. */
  limits?: MonitorLimits;
  /**
   * The spool's metadata codec: with it, every check reads and decodes
   * each entry's metadata, and reports as `damaged` those it rejects (an
   * entry no consumer can take). Costs a read per entry.
   *
   * @default {undefined} (metadata is not read)
   */
  metadata?: { decode(text: string): unknown };
}

/**
 * Options for `monitor.watch`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { Monitor, type WatchOptions } from "@multispool/multispool/monitor";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["q"] });
 * await Deno.writeTextFile(`${dir}/.data/stray`, "?");
 * const monitor = await Monitor.create(dir);
 * const stop = new AbortController();
 * const options: WatchOptions = {
 *   checkEveryMs: 10,
 *   alertAfterCycles: 0, // alert on the first check that sees it
 *   signal: stop.signal,
 * };
 * for await (const event of monitor.watch(options)) {
 *   assert.equal(event.kind, "start");
 *   stop.abort();
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface WatchOptions {
  /**
   * Time between two checks.
   *
   * @default {15000}
   */
  checkEveryMs?: number;
  /**
   * A problem raises a `start` event on the check after it has been seen on
   * this many consecutive checks (that is, on the (N+1)-th).
   *
   * @default {2}
   */
  alertAfterCycles?: number;
  /**
   * Stops the watch: the iteration ends (it does not throw), also in the
   * middle of the wait between two checks.
   */
  signal?: AbortSignal;
}

/**
 * Options for `monitor.repair`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { Monitor, type RepairOptions } from "@multispool/multispool/monitor";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["q"] });
 * const apply: RepairOptions = { dryRun: false };
 * const report = await (await Monitor.create(dir)).repair(apply);
 * assert.equal(report.dryRun, false);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface RepairOptions {
  /**
   * Only report what would be done.
   *
   * @default {true}
   */
  dryRun?: boolean;
  /**
   * A queue for damaged entries (payload missing or not a regular file,
   * metadata the codec cannot decode): repair moves them there, with the
   * reason in their history, out of their consumers' way. Without it they
   * are left where they are and reported.
   *
   * @default {undefined}
   */
  damagedTo?: string;
}
