/**
 * The monitor's daemon: how problems seen on consecutive checks become
 * `start` and `end` events.
 *
 * @module
 */

import { checkNonNegativeNumber, checkPositiveNumber } from "./arguments.ts";
import { delay } from "./delay.ts";
import { DEFAULT_LIMITS, type WatchOptions } from "./monitor_options.ts";
import { type Problem, problemKey } from "./problems.ts";

/**
 * An alert from `monitor.watch`: a problem that has lasted (start) or that
 * is gone (end).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { describeProblem, type MonitorEvent } from "@multispool/multispool/monitor";
 *
 * function line(event: MonitorEvent): string {
 *   return `${event.at.toISOString()} ${event.kind} ${
 *     describeProblem(event.problem, event.at)
 *   }`;
 * }
 * const at = new Date("2026-01-01T00:01:00Z");
 * assert.equal(
 *   line({
 *     kind: "start",
 *     at,
 *     problem: {
 *       kind: "orphaned",
 *       name: "x",
 *       mtime: new Date("2026-01-01T00:00:00Z"),
 *       dirs: ["data"],
 *     },
 *   }),
 *   "2026-01-01T00:01:00.000Z start orphaned .data/x (modified 1m ago)",
 * );
 * ```
 */
export interface MonitorEvent {
  /** `start` when a problem has lasted, `end` when it is gone. */
  kind: "start" | "end";
  /**
   * When the check that raised it ran, on the file system's clock (the one
   * that problem ages are measured against).
   */
  at: Date;
  /** The problem. */
  problem: Problem;
}

/**
 * Runs `check` every `checkEveryMs`, starting now, and yields a `start`
 * event for a problem seen on more than `alertAfterCycles` consecutive
 * checks, and an `end` event on the first check that no longer sees a
 * started problem. Ends when the signal is aborted. Events are dated by
 * `now`.
 *
 * @throws {RangeError} If `checkEveryMs` is not positive or
 * `alertAfterCycles` is negative.
 */
export async function* watchProblems(
  check: () => Promise<Problem[]>,
  now: () => Date,
  options: WatchOptions = {},
): AsyncGenerator<MonitorEvent> {
  const checkEveryMs = options.checkEveryMs ?? DEFAULT_LIMITS.checkEveryMs;
  const alertAfterCycles = options.alertAfterCycles ??
    DEFAULT_LIMITS.alertAfterCycles;
  const { signal } = options;
  checkPositiveNumber("watch", "checkEveryMs", checkEveryMs);
  checkNonNegativeNumber("watch", "alertAfterCycles", alertAfterCycles);
  const tracked = new Map<
    string,
    { problem: Problem; seen: number; started: boolean }
  >();
  while (!signal?.aborted) {
    const problems = await check();
    const at = now();
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
    try {
      await delay(checkEveryMs, { signal });
    } catch (error) {
      // An abort ends the watch; the iteration ends without an error.
      if (signal?.aborted) return;
      throw error;
    }
  }
}
