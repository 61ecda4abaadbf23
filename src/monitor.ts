/**
 * The monitor: consistency checks of a spool, a daemon that raises and
 * clears alerts, and the opt-in repair.
 *
 * @module
 */

import { checkNonNegativeNumber, message } from "./arguments.ts";
import { type FileSystem, realFileSystem } from "./fs.ts";
import {
  DEFAULT_LIMITS,
  type MonitorOptions,
  type RepairOptions,
  type WatchOptions,
} from "./monitor_options.ts";
import { validateName } from "./names.ts";
import {
  type CheckReport,
  findProblems,
  type Limits,
  type Problem,
} from "./problems.ts";
import * as protocol from "./protocol/mod.ts";
import { type RepairReport, repairSpool } from "./repair.ts";
import { type MonitorEvent, watchProblems } from "./alerts.ts";

/**
 * Checks the consistency of a spool (a port of the original's
 * `Multispool.Monitor`): files too old, orphaned files, entries in two
 * places. It changes nothing, except in {@linkcode Monitor.repair} with
 * `dryRun: false`; to read the file system's clock, which ages are measured
 * against, it creates and at once removes a probe file in `.tmp/` once a
 * minute (with read access only, its own clock stands in). Open one with
 * `Monitor.create`.
 *
 * @example Check once
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { describeProblem, Monitor } from "@multispool/multispool/monitor";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["active"] });
 * // A payload nothing owns, left a minute ago (younger, it could be an
 * // enqueue in progress: see `workInProgressMs`).
 * const minuteAgo = new Date(Date.now() - 60_000);
 * await Deno.writeTextFile(`${dir}/.data/stray`, "?");
 * await Deno.utime(`${dir}/.data/stray`, minuteAgo, minuteAgo);
 * const monitor = await Monitor.create(dir, {
 *   limits: { maxCheckedOutAgeMs: 5 * 60_000, maxQueueAgesMs: { active: 3_600_000 } },
 * });
 * const lines = (await monitor.runOnce()).map((p) => describeProblem(p));
 * assert.equal(lines.length, 1);
 * assert.match(lines[0], /^orphaned \.data\/stray \(modified 1m( \d+ms)? ago\)$/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example Run as a daemon
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { Monitor, type MonitorEvent } from "@multispool/multispool/monitor";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["active"] });
 * const monitor = await Monitor.create(dir);
 * const minuteAgo = new Date(Date.now() - 60_000);
 * await Deno.writeTextFile(`${dir}/.data/stray`, "?");
 * await Deno.utime(`${dir}/.data/stray`, minuteAgo, minuteAgo);
 * const stop = new AbortController(); // abortOnSignals() in a real daemon
 * const events: MonitorEvent["kind"][] = [];
 * for await (
 *   const event of monitor.watch({ checkEveryMs: 10, signal: stop.signal })
 * ) {
 *   events.push(event.kind);
 *   if (event.kind === "start") await Deno.remove(`${dir}/.data/stray`);
 *   else stop.abort();
 * }
 * assert.deepEqual(events, ["start", "end"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface Monitor {
  /** The spool directory. */
  readonly dir: string;
  /**
   * Now, on the clock of the spool's file system: the clock every age the
   * monitor reports is measured on (see `Problem.mtime`).
   */
  now(): Date;
  /**
   * The queues checked: those given, or those found on disk now.
   *
   * @returns The queue names, sorted.
   */
  queues(): Promise<string[]>;
  /**
   * Checks the spool once.
   *
   * @returns The problems found, sorted by name then kind (entries in
   * quarantine are not problems: see {@linkcode Monitor.check}).
   * @throws {NotASpoolError} If the spool directory has gone.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   * import { Monitor } from "@multispool/multispool/monitor";
   *
   * const dir = await Deno.makeTempDir();
   * await Spool.create(dir, { queues: ["q"] });
   * await Deno.writeTextFile(`${dir}/.data/stray`, "?");
   * const monitor = await Monitor.create(dir, {
   *   limits: { workInProgressMs: 0 }, // or it is an enqueue in progress
   * });
   * const [problem, ...others] = await monitor.runOnce();
   * assert.deepEqual(others, []);
   * assert.equal(problem.kind, "orphaned");
   * assert.equal(problem.name, "stray");
   * assert.deepEqual(problem.dirs, ["data"]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  runOnce(): Promise<Problem[]>;
  /**
   * Checks the spool once, as {@linkcode Monitor.runOnce} does, and also
   * says which damaged entries are in quarantine (see
   * {@linkcode QuarantinedEntry}): set aside, as damaged, in the queue
   * their history names, and still there. Those are not problems, and
   * `runOnce` and `watch` do not report them.
   *
   * @returns The problems, and the entries in quarantine.
   * @throws {NotASpoolError} If the spool directory has gone.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   * import { Monitor } from "@multispool/multispool/monitor";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["in", "dead"] });
   * const entry = await spool.enqueue("in", {}, new Uint8Array([1]));
   * await Deno.remove(`${dir}/.data/${entry.name}`); // its payload is lost
   * const monitor = await Monitor.create(dir, { limits: { workInProgressMs: 0 } });
   * assert.equal((await monitor.check()).problems[0].kind, "damaged");
   * // Set aside: no longer a problem, counted apart.
   * await monitor.repair({ dryRun: false, damagedTo: "dead" });
   * const report = await monitor.check();
   * assert.deepEqual(report.problems, []);
   * assert.deepEqual(
   *   report.quarantined.map((q) => `${q.queue}/${q.name}`),
   *   [`dead/${entry.name}`],
   * );
   * assert.deepEqual(await monitor.runOnce(), []);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  check(): Promise<CheckReport>;
  /**
   * Checks the spool every `checkEveryMs`, starting now, and yields a
   * `start` event for a problem seen on more than `alertAfterCycles`
   * consecutive checks, and an `end` event on the first check that no
   * longer sees a started problem. Ends (without an error) when the signal
   * is aborted.
   *
   * @param options Interval, alert threshold and signal.
   * @returns The events.
   * @throws {NotASpoolError} If the spool directory goes away.
   * @throws {RangeError} If `checkEveryMs` is not positive or
   * `alertAfterCycles` is negative.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   * import { Monitor } from "@multispool/multispool/monitor";
   *
   * const dir = await Deno.makeTempDir();
   * await Spool.create(dir, { queues: ["q"] });
   * await Deno.writeTextFile(`${dir}/.data/stray`, "?");
   * const monitor = await Monitor.create(dir);
   * const stop = new AbortController();
   * for await (
   *   const event of monitor.watch({
   *     checkEveryMs: 10,
   *     alertAfterCycles: 1,
   *     signal: stop.signal,
   *   })
   * ) {
   *   assert.equal(`${event.kind} ${event.problem.name}`, "start stray");
   *   stop.abort();
   * }
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  watch(options?: WatchOptions): AsyncGenerator<MonitorEvent>;
  /**
   * Fixes what a crash explains, and reports the rest. A dry run (the
   * default) only reports. With `dryRun: false`:
   * - a checkout older than `maxCheckedOutAgeMs` goes back to its queue,
   *   unless its data file is missing (damaged: reported, never requeued);
   * - a file in `.tmp/` older than `maxTmpFileAgeMs` is deleted;
   * - a name with a registry file but no entry is deleted (tmp, data, then
   *   registry) once all its files are older than `maxTmpFileAgeMs`; so is
   *   a payload with neither registry file nor entry.
   * Nothing younger than the limits is touched; orphans that no crash of
   * this library explains, duplicates and old waiting entries are left and
   * reported. Never run it automatically: a consumer that is alive but has
   * not touched its checkout for longer than the limit loses it.
   *
   * @param options Whether to act or only report.
   * @returns What was (or would be) done, and what was left alone.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   * import { checkout } from "@multispool/multispool/expert";
   * import { Monitor } from "@multispool/multispool/monitor";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * // A consumer that died holding an entry an hour ago.
   * const job = await checkout(spool, await spool.enqueue("q", {}, new Uint8Array()));
   * const hourAgo = new Date(Date.now() - 3_600_000);
   * await Deno.utime(`${dir}/q/.checkout/${job.name}`, hourAgo, hourAgo);
   *
   * const monitor = await Monitor.create(dir);
   * const plan = await monitor.repair();
   * assert.deepEqual(plan.actions.map((a) => a.kind), ["requeue"]);
   * assert.equal((await spool.list("q")).length, 0, "a dry run changes nothing");
   * await monitor.repair({ dryRun: false });
   * assert.equal((await spool.list("q")).length, 1);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  repair(options?: RepairOptions): Promise<RepairReport>;
}

/**
 * The type of the {@linkcode Monitor} value: how monitors are opened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Monitor, type MonitorConstructor } from "@multispool/multispool/monitor";
 *
 * const open: MonitorConstructor["create"] = Monitor.create;
 * assert.equal(typeof open, "function");
 * ```
 */
export interface MonitorConstructor {
  /**
   * Opens a monitor on the spool in `dir`. It refuses a directory that is
   * not a spool and creates nothing in it (but the clock's probe).
   *
   * @param dir The spool directory.
   * @param options Queues to check and age limits.
   * @returns The monitor.
   * @throws {NotASpoolError} If `dir` is missing or not a spool.
   * @throws {QueueNotFoundError} If a given queue's directory is missing.
   * @throws {InvalidNameError} If a given queue name is invalid.
   * @throws {RangeError} If a limit is negative or names no queue.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   * import { Monitor } from "@multispool/multispool/monitor";
   *
   * const dir = await Deno.makeTempDir();
   * await Spool.create(dir, { queues: ["a", "b"] });
   * const monitor = await Monitor.create(dir, {
   *   limits: { maxTmpFileAgeMs: 60_000 },
   * });
   * assert.equal(monitor.dir, dir);
   * assert.deepEqual(await monitor.queues(), ["a", "b"]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  create(dir: string, options?: MonitorOptions): Promise<Monitor>;
}

/**
 * Opens monitors: `Monitor.create(dir, options)`. `Monitor` is also the
 * type of what it opens (see `Spool` for why a value and an interface).
 */
export const Monitor: MonitorConstructor = {
  create: (dir, options) => openMonitor(realFileSystem, dir, options),
};

/**
 * The library's {@linkcode Monitor}; internal (see `Spool` in spool.ts for
 * why implementations are classes apart from their interface).
 */
class MonitorImpl implements Monitor {
  readonly #disk: protocol.Disk;
  readonly #queues: readonly string[] | undefined;
  readonly #limits: Limits;
  readonly #decode: ((text: string) => unknown) | undefined;

  /**
   * @param disk The spool directory (opened and checked).
   * @param options The queues to check and the limits (checked).
   */
  constructor(disk: protocol.Disk, options: MonitorOptions) {
    this.#disk = disk;
    this.#queues = options.queues === undefined
      ? undefined
      : [...options.queues];
    const limits = options.limits ?? {};
    this.#limits = {
      maxCheckedOutAgeMs: limits.maxCheckedOutAgeMs ??
        DEFAULT_LIMITS.maxCheckedOutAgeMs,
      maxTmpFileAgeMs: limits.maxTmpFileAgeMs ?? DEFAULT_LIMITS.maxTmpFileAgeMs,
      maxQueueAgesMs: { ...limits.maxQueueAgesMs },
      workInProgressMs: limits.workInProgressMs ??
        DEFAULT_LIMITS.workInProgressMs,
    };
    const codec = options.metadata;
    this.#decode = codec === undefined ? undefined : (t) => codec.decode(t);
  }

  get dir(): string {
    return this.#disk.layout.dir;
  }

  now(): Date {
    return this.#disk.clock.now();
  }

  queues(): Promise<string[]> {
    return Promise.resolve().then(() => this.#currentQueues());
  }

  async runOnce(): Promise<Problem[]> {
    return (await this.check()).problems;
  }

  async check(): Promise<CheckReport> {
    return await findProblems(
      this.#disk,
      this.#currentQueues(),
      this.#limits,
      undefined,
      { decode: this.#decode },
    );
  }

  watch(options: WatchOptions = {}): AsyncGenerator<MonitorEvent> {
    return watchProblems(
      () => this.runOnce(),
      () => this.#disk.clock.now(),
      options,
    );
  }

  async repair(options: RepairOptions = {}): Promise<RepairReport> {
    const dryRun = options.dryRun ?? true;
    const queues = this.#currentQueues();
    if (
      options.damagedTo !== undefined && !queues.includes(options.damagedTo)
    ) {
      throw new RangeError(
        message(
          "repair spool",
          "damagedTo",
          "a queue of the spool",
          JSON.stringify(options.damagedTo),
        ),
      );
    }
    return await repairSpool(this.#disk, queues, this.#limits, {
      dryRun,
      damagedTo: options.damagedTo,
      decode: this.#decode,
    });
  }

  #currentQueues(): string[] {
    return this.#queues === undefined
      ? protocol.discoverQueues(this.#disk)
      : [...this.#queues];
  }
}

/**
 * Opens a monitor whose file-system effects go through `fs`: the seam for
 * fault-injection tests. Not exported from an entry point.
 */
export async function openMonitor(
  fs: FileSystem,
  dir: string,
  options: MonitorOptions = {},
): Promise<Monitor> {
  const operation = "open monitor";
  for (const queue of options.queues ?? []) {
    validateName(queue, "queue", operation, dir);
  }
  const limits = options.limits ?? {};
  for (
    const [option, value] of [
      ["maxCheckedOutAgeMs", limits.maxCheckedOutAgeMs],
      ["maxTmpFileAgeMs", limits.maxTmpFileAgeMs],
      ["workInProgressMs", limits.workInProgressMs],
      ...Object.entries(limits.maxQueueAgesMs ?? {}).map(([q, v]) =>
        [`maxQueueAgesMs.${q}`, v] as const
      ),
    ] as const
  ) {
    if (value !== undefined) checkNonNegativeNumber(operation, option, value);
  }
  // A disk that never flushes: the monitor's changes (repair) need none.
  const disk = new protocol.Disk(dir, {
    fs,
    durability: "relaxed",
    ioConcurrency: 1,
  });
  // Validate like `Spool.load` does, creating nothing (but the clock's probe).
  await protocol.openSpoolDir(disk, options.queues ?? [], false, operation);
  const queues = options.queues ?? protocol.discoverQueues(disk);
  for (const queue of Object.keys(limits.maxQueueAgesMs ?? {})) {
    if (!queues.includes(queue)) {
      throw new RangeError(
        message(
          operation,
          "maxQueueAgesMs",
          "keyed by queues of the spool",
          `${JSON.stringify(queue)}, which is not a queue`,
        ),
      );
    }
  }
  return new MonitorImpl(disk, options);
}
