/**
 * What the repairs of one run share: the spool, its limits, the problems
 * found, what has been done so far, and the one test of staleness.
 *
 * @module
 */

import {
  type CheckReport,
  type Limits,
  type Problem,
  problemKey,
} from "../problems.ts";
import * as protocol from "../protocol/mod.ts";
import type { Dir, Disk } from "../protocol/mod.ts";
import type { RepairAction, RepairReport } from "./report.ts";

/** How a repair runs. */
export interface RepairOptions {
  /** Change nothing; report what would be done. */
  dryRun: boolean;
  /** Where damaged entries go; left alone without it. */
  damagedTo?: string;
  /** Decodes metadata, to prove an entry judged undecodable is so still. */
  decode?: (text: string) => unknown;
}

/** The repair of one kind of problem. */
export type Repair = (
  context: RepairContext,
  problem: Problem,
) => void | Promise<void>;

/** The reason left when a file changed between the look and the act. */
export const CHANGED = "it changed during the repair; look again";

/** Repair acts on what the file server says, not on a cache. */
const FRESH = { fresh: true };

/**
 * The state of one repair run: each repair reads the spool through it and
 * records what it did, or left alone and why, in its report.
 */
export class RepairContext {
  /** The spool's state on disk. */
  readonly disk: Disk;
  /** The spool's queues. */
  readonly queues: readonly string[];
  /** The limits a file must be older than to be acted on. */
  readonly limits: Limits;
  /** How the repair runs. */
  readonly options: RepairOptions;
  /** What the repair did and left alone, so far. */
  readonly report: RepairReport;
  /** The problems settled, by key: acted on, or left alone. */
  readonly #done = new Set<string>();
  /** The problems found, by entry name. */
  readonly #byName = new Map<string, Problem[]>();

  /**
   * @param disk The spool's state on disk.
   * @param queues The spool's queues.
   * @param limits The limits a file must be older than to be acted on.
   * @param options How the repair runs.
   * @param found What the scan found.
   */
  constructor(
    disk: Disk,
    queues: readonly string[],
    limits: Limits,
    options: RepairOptions,
    found: CheckReport,
  ) {
    this.disk = disk;
    this.queues = queues;
    this.limits = limits;
    this.options = options;
    this.report = {
      dryRun: options.dryRun,
      actions: [],
      leftAlone: [],
      quarantined: found.quarantined,
    };
    for (const problem of found.problems) {
      const list = this.#byName.get(problem.name);
      if (list === undefined) this.#byName.set(problem.name, [problem]);
      else list.push(problem);
    }
  }

  /** Whether nothing is to be changed. */
  get dryRun(): boolean {
    return this.options.dryRun;
  }

  /** The problems found for the entry `name`. */
  problemsOf(name: string): readonly Problem[] {
    return this.#byName.get(name) ?? [];
  }

  /** Whether a problem of `kind` was found for `name` (in `dir`, if given). */
  has(name: string, kind: Problem["kind"], dir?: Dir): boolean {
    return this.problemsOf(name).some((p) =>
      p.kind === kind &&
      (dir === undefined || JSON.stringify(p.dirs[0]) === JSON.stringify(dir))
    );
  }

  /** Whether `problem` was already acted on or left alone. */
  isDone(problem: Problem): boolean {
    return this.#done.has(problemKey(problem));
  }

  /** Marks problems settled by another's repair. */
  settle(problems: readonly Problem[]): void {
    for (const p of problems) this.#done.add(problemKey(p));
  }

  /** Leaves `problem` alone, saying why. */
  leave(problem: Problem, reason: string): void {
    this.report.leftAlone.push({ problem, reason });
    this.settle([problem]);
  }

  /** Records `action`, which settles its problem and `also`. */
  act(action: RepairAction, also: readonly Problem[] = []): void {
    this.report.actions.push(action);
    this.settle([action.problem, ...also]);
  }

  /** The modification time of `name` in `dir`, from the file server. */
  mtime(dir: Dir, name: string): Date | undefined {
    return protocol.mtime(this.disk, dir, name, FRESH);
  }

  /**
   * Whether `time` (a file's modification time) is older than `limitMs`
   * on the file system's clock: the one test of staleness. An unknown
   * time is never old.
   */
  olderThan(time: Date | number | undefined, limitMs: number): boolean {
    if (time === undefined) return false;
    const ms = typeof time === "number" ? time : time.getTime();
    return this.disk.clock.now().getTime() - ms > limitMs;
  }

  /**
   * `name` in `dir` judged stale (older than `olderThanMs`, the checkout
   * limit unless given): what it is judged on, its stamp, to be proved
   * again at the moment of the act (see `protocol.stillJudged`); undefined
   * if it is not stale.
   */
  judge(
    dir: Dir,
    name: string,
    olderThanMs: number = this.limits.maxCheckedOutAgeMs,
  ): protocol.Judged | undefined {
    const mtime = this.mtime(dir, name);
    if (mtime === undefined || !this.olderThan(mtime, olderThanMs)) {
      return undefined;
    }
    return { mtime, olderThanMs };
  }

  /** Whether `name` in `dir` is older than the checkout limit. */
  isStale(dir: Dir, name: string): boolean {
    return this.judge(dir, name) !== undefined;
  }
}

/** Why an act failed, for a `leftAlone` reason. */
export function failed(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
