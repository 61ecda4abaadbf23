/**
 * The monitor, for operators: it checks a spool's consistency, raises and
 * clears alerts as a daemon, and repairs, when asked, what crashes left
 * behind. A port of the original's `Multispool.Monitor`, plus repair.
 *
 * Every move of an entry touches its files, so a file's age says how long
 * the entry has been in its current phase. The monitor reports
 * {@linkcode Problem}s of three kinds: **too old** (a file in `.tmp/` or a
 * checkout older than its limit, or a waiting entry with a per-queue
 * limit), **orphaned** (a file with no registry file, or a registry file
 * with no entry) and **duplicated** (one name in two places). Each is
 * checked again before it is reported, so an entry moving during the scan
 * is not one. `runOnce` checks once; `watch` checks periodically and yields
 * a `start` event once a problem has lasted, an `end` event when it is gone.
 * `repair` fixes what a crash explains (a dry run unless told otherwise)
 * and reports the rest; never run it from a timer.
 *
 * The monitor needs the same permissions as a consumer: read and write on
 * the spool directory.
 *
 * @example Check, watch, repair
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { describeProblem, Monitor } from "@multispool/multispool/monitor";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["active"] });
 * // What a producer killed in the middle of an enqueue leaves, an hour ago.
 * await Deno.writeTextFile(`${dir}/.registry/half`, "");
 * await Deno.writeTextFile(`${dir}/.tmp/half`, "{}");
 * const hourAgo = new Date(Date.now() - 3_600_000);
 * for (const file of [".registry/half", ".tmp/half"]) {
 *   await Deno.utime(`${dir}/${file}`, hourAgo, hourAgo);
 * }
 *
 * const monitor = await Monitor.create(dir, {
 *   limits: { maxTmpFileAgeMs: 10 * 60_000 },
 * });
 * const problems = await monitor.runOnce();
 * assert.deepEqual(problems.map((p) => describeProblem(p)), [
 *   "orphaned .registry/half (modified 1h ago)",
 *   "too-old .tmp/half (modified 1h ago)",
 * ]);
 *
 * const plan = await monitor.repair(); // a dry run: nothing changes
 * assert.deepEqual(plan.actions.map((a) => a.kind), ["delete-leftovers"]);
 * await monitor.repair({ dryRun: false });
 * assert.deepEqual(await monitor.runOnce(), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export { Monitor, type MonitorConstructor } from "./src/monitor.ts";
export {
  DEFAULT_LIMITS,
  type MonitorLimits,
  type MonitorOptions,
  type RepairOptions,
  type WatchOptions,
} from "./src/monitor_options.ts";
export type { MonitorEvent } from "./src/alerts.ts";
export {
  type CheckReport,
  describeProblem,
  type Problem,
  problemKey,
  type QuarantinedEntry,
} from "./src/problems.ts";
export type { RepairAction, RepairReport } from "./src/repair.ts";
export { type Dir, dirName } from "./src/protocol/mod.ts";
