/**
 * The monitor: consistency checks of a spool, a daemon that raises and
 * clears alerts, and the opt-in repair.
 *
 * @module
 */

import { SpoolError } from "./errors.ts";
import { type FileSystem, realFileSystem } from "./fs.ts";
import { validateName } from "./names.ts";
import {
  findProblems,
  type Limits,
  type Problem,
  problemKey,
} from "./problems.ts";
import * as protocol from "./protocol/mod.ts";
import { type RepairReport, repairSpool } from "./repair.ts";

/**
 * Age limits of the monitor, in milliseconds.
 *
 * @example
 * ```ts
 * import type { MonitorLimits } from "@multispool/multispool/monitor";
 *
 * const limits: MonitorLimits = {
 *   maxCheckedOutAgeMs: 30 * 60_000, // long jobs
 *   maxQueueAgesMs: { active: 4 * 3_600_000 },
 * };
 * console.log(limits.maxTmpFileAgeMs ?? "default");
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
   * Per queue, an entry waiting longer than this is too old.
   *
   * @default {{}} (no limit)
   */
  maxQueueAgesMs?: Record<string, number>;
}

/**
 * Options for {@linkcode Monitor.create}.
 *
 * @example
 * ```ts
 * import type { MonitorOptions } from "@multispool/multispool/monitor";
 *
 * const options: MonitorOptions = {
 *   queues: ["active", "frozen"],
 *   limits: { maxTmpFileAgeMs: 5 * 60_000 },
 * };
 * console.log(options.queues);
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
}

/**
 * Options for {@linkcode Monitor.watch}.
 *
 * @example
 * ```ts
 * import type { WatchOptions } from "@multispool/multispool/monitor";
 *
 * const options: WatchOptions = { checkEveryMs: 60_000, alertAfterCycles: 3 };
 * console.log(options);
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
  /** Stops the watch; the iteration ends. */
  signal?: AbortSignal;
}

/**
 * Options for {@linkcode Monitor.repair}.
 *
 * @example
 * ```ts
 * import type { RepairOptions } from "@multispool/multispool/monitor";
 *
 * const apply: RepairOptions = { dryRun: false };
 * console.log(apply);
 * ```
 */
export interface RepairOptions {
  /**
   * Only report what would be done.
   *
   * @default {true}
   */
  dryRun?: boolean;
}

/**
 * An alert from {@linkcode Monitor.watch}: a problem that has lasted (start)
 * or that is gone (end).
 *
 * @example
 * ```ts
 * import { describeProblem, type MonitorEvent } from "@multispool/multispool/monitor";
 *
 * function line(event: MonitorEvent): string {
 *   return `${event.at.toISOString()} ${event.kind} ${describeProblem(event.problem)}`;
 * }
 * console.log(line({
 *   kind: "start",
 *   at: new Date(),
 *   problem: { kind: "orphaned", name: "x", mtime: new Date(), dirs: ["data"] },
 * }));
 * ```
 */
export interface MonitorEvent {
  /** `start` when a problem has lasted, `end` when it is gone. */
  kind: "start" | "end";
  /** When the check that raised it ran. */
  at: Date;
  /** The problem. */
  problem: Problem;
}

const TEN_MINUTES = 10 * 60 * 1000;

let construct: (disk: protocol.Disk, options: MonitorOptions) => Monitor;

/**
 * Checks the consistency of a spool (a port of the original's
 * `Multispool.Monitor`): files too old, orphaned files, entries in two
 * places. It never creates or changes anything, except in
 * {@linkcode Monitor.repair} with `dryRun: false`.
 *
 * @example Check once
 * ```ts
 * import { Spool } from "@multispool/multispool";
 * import { describeProblem, Monitor } from "@multispool/multispool/monitor";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["active"] });
 * const monitor = await Monitor.create(dir, {
 *   limits: { maxCheckedOutAgeMs: 5 * 60_000, maxQueueAgesMs: { active: 3_600_000 } },
 * });
 * for (const problem of await monitor.runOnce()) {
 *   console.log(describeProblem(problem));
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example Run as a daemon
 * ```ts
 * import { Spool } from "@multispool/multispool";
 * import { describeProblem, Monitor } from "@multispool/multispool/monitor";
 *
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["active"] });
 * const monitor = await Monitor.create(dir);
 * const stop = AbortSignal.timeout(100);
 * for await (const event of monitor.watch({ checkEveryMs: 20, signal: stop })) {
 *   console.log(event.kind, describeProblem(event.problem));
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Monitor {
  static {
    construct = (disk, options) => new Monitor(disk, options);
  }

  readonly #disk: protocol.Disk;
  readonly #queues: readonly string[] | undefined;
  readonly #limits: Limits;

  private constructor(disk: protocol.Disk, options: MonitorOptions) {
    this.#disk = disk;
    this.#queues = options.queues === undefined
      ? undefined
      : [...options.queues];
    const limits = options.limits ?? {};
    this.#limits = {
      maxCheckedOutAgeMs: limits.maxCheckedOutAgeMs ?? TEN_MINUTES,
      maxTmpFileAgeMs: limits.maxTmpFileAgeMs ?? TEN_MINUTES,
      maxQueueAgesMs: { ...limits.maxQueueAgesMs },
    };
  }

  /**
   * Opens a monitor on the spool in `dir`. It refuses a directory that is
   * not a spool and never creates anything.
   *
   * @param dir The spool directory.
   * @param options Queues to check and age limits.
   * @returns The monitor.
   * @throws {NotASpoolError} If `dir` is missing or not a spool.
   * @throws {QueueNotFoundError} If a given queue's directory is missing.
   * @throws {InvalidNameError} If a given queue name is invalid.
   *
   * @example
   * ```ts
   * import { Spool } from "@multispool/multispool";
   * import { Monitor } from "@multispool/multispool/monitor";
   *
   * const dir = await Deno.makeTempDir();
   * await Spool.create(dir, { queues: ["a", "b"] });
   * const monitor = await Monitor.create(dir, { limits: { maxTmpFileAgeMs: 60_000 } });
   * console.log(await monitor.queues()); // ["a", "b"]
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async create(
    dir: string,
    options: MonitorOptions = {},
  ): Promise<Monitor> {
    return await openMonitor(realFileSystem, dir, options);
  }

  /** The spool directory. */
  get dir(): string {
    return this.#disk.layout.dir;
  }

  /**
   * The queues checked: those given, or those found on disk now.
   *
   * @returns The queue names, sorted.
   */
  queues(): Promise<string[]> {
    return Promise.resolve().then(() => this.#currentQueues());
  }

  /**
   * Checks the spool once.
   *
   * @returns The problems found, sorted by name then kind.
   * @throws {NotASpoolError} If the spool directory has gone.
   *
   * @example
   * ```ts
   * import { Spool } from "@multispool/multispool";
   * import { Monitor } from "@multispool/multispool/monitor";
   *
   * const dir = await Deno.makeTempDir();
   * await Spool.create(dir, { queues: ["q"] });
   * await Deno.writeTextFile(`${dir}/.data/stray`, "?");
   * const monitor = await Monitor.create(dir);
   * console.log(await monitor.runOnce()); // one orphaned problem in .data
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async runOnce(): Promise<Problem[]> {
    return await findProblems(
      this.#disk,
      this.#currentQueues(),
      this.#limits,
    );
  }

  /**
   * Checks the spool every `checkEveryMs`, starting now, and yields a
   * `start` event for a problem seen on more than `alertAfterCycles`
   * consecutive checks, and an `end` event on the first check that no
   * longer sees a started problem. Ends when the signal is aborted.
   *
   * @param options Interval, alert threshold and signal.
   * @returns The events.
   * @throws {NotASpoolError} If the spool directory goes away.
   *
   * @example
   * ```ts
   * import { Spool } from "@multispool/multispool";
   * import { Monitor } from "@multispool/multispool/monitor";
   *
   * const dir = await Deno.makeTempDir();
   * await Spool.create(dir, { queues: ["q"] });
   * await Deno.writeTextFile(`${dir}/.data/stray`, "?");
   * const monitor = await Monitor.create(dir);
   * const stop = new AbortController();
   * for await (const event of monitor.watch({
   *   checkEveryMs: 10,
   *   alertAfterCycles: 1,
   *   signal: stop.signal,
   * })) {
   *   console.log(event.kind, event.problem.name); // "start stray"
   *   stop.abort();
   * }
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async *watch(options: WatchOptions = {}): AsyncGenerator<MonitorEvent> {
    const checkEveryMs = options.checkEveryMs ?? 15_000;
    const alertAfterCycles = options.alertAfterCycles ?? 2;
    const { signal } = options;
    if (!(checkEveryMs > 0) || !(alertAfterCycles >= 0)) {
      throw new RangeError(
        "checkEveryMs must be positive and alertAfterCycles non-negative",
      );
    }
    const tracked = new Map<
      string,
      { problem: Problem; seen: number; started: boolean }
    >();
    while (!signal?.aborted) {
      const problems = await this.runOnce();
      const at = new Date();
      const current = new Set<string>();
      const starts: MonitorEvent[] = [];
      const ends: MonitorEvent[] = [];
      for (const problem of problems) {
        const key = problemKey(problem);
        current.add(key);
        let state = tracked.get(key);
        if (state === undefined) {
          state = { problem, seen: 0, started: false };
          tracked.set(key, state);
        }
        state.seen++;
        if (!state.started && state.seen > alertAfterCycles) {
          state.started = true;
          starts.push({ kind: "start", at, problem });
        }
      }
      for (const [key, state] of tracked) {
        if (current.has(key)) continue;
        tracked.delete(key);
        if (state.started) {
          ends.push({ kind: "end", at, problem: state.problem });
        }
      }
      // What is over is reported before what begins.
      for (const event of [...ends, ...starts]) {
        if (signal?.aborted) return;
        yield event;
      }
      await sleep(checkEveryMs, signal);
    }
  }

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
   * import { Spool } from "@multispool/multispool";
   * import { Monitor } from "@multispool/multispool/monitor";
   *
   * const dir = await Deno.makeTempDir();
   * await Spool.create(dir, { queues: ["q"] });
   * const monitor = await Monitor.create(dir);
   * const plan = await monitor.repair();
   * if (plan.actions.length > 0) await monitor.repair({ dryRun: false });
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async repair(options: RepairOptions = {}): Promise<RepairReport> {
    const dryRun = options.dryRun ?? true;
    return await repairSpool(
      this.#disk,
      this.#currentQueues(),
      this.#limits,
      dryRun,
    );
  }

  #currentQueues(): string[] {
    return this.#queues === undefined
      ? protocol.discoverQueues(this.#disk)
      : [...this.#queues];
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Opens a monitor whose file-system effects go through `fs`: the seam for
 * fault-injection tests. Not exported from `mod.ts`.
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
    const [what, value] of [
      ["maxCheckedOutAgeMs", limits.maxCheckedOutAgeMs],
      ["maxTmpFileAgeMs", limits.maxTmpFileAgeMs],
      ...Object.entries(limits.maxQueueAgesMs ?? {}).map(([q, v]) =>
        [`maxQueueAgesMs.${q}`, v] as const
      ),
    ] as const
  ) {
    if (value !== undefined && !(typeof value === "number" && value >= 0)) {
      throw new SpoolError(`${what} must be a number of milliseconds >= 0`, {
        operation,
        path: dir,
      });
    }
  }
  // A disk that never flushes: the monitor's changes (repair) need none.
  const disk = new protocol.Disk(dir, {
    fs,
    durability: "relaxed",
    ioConcurrency: 1,
  });
  // Validate like `Spool.load` does, creating nothing.
  await protocol.openSpoolDir(disk, options.queues ?? [], false, operation);
  const queues = options.queues ?? protocol.discoverQueues(disk);
  for (const queue of Object.keys(limits.maxQueueAgesMs ?? {})) {
    if (!queues.includes(queue)) {
      throw new SpoolError(
        `maxQueueAgesMs names ${JSON.stringify(queue)}, which is not a queue`,
        { operation, path: dir },
      );
    }
  }
  return construct(disk, options);
}
