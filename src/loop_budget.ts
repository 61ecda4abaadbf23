/**
 * Sharing the event loop: a long run of work (synchronous file system
 * calls, one entry after another, in one caller or many at once) gives
 * other tasks a turn once the loop has been held past a small budget since
 * the last turn given. A turn is a macrotask (`setImmediate`, which lets
 * timers, I/O and HTTP handlers run), not a microtask: promise callbacks
 * alone never let them. It costs about ten microseconds, where a
 * `setTimeout(0)` waits for the next tick of the timers (a millisecond or
 * two). Background work waits longer while foreground work holds (see
 * background.ts). Internal.
 *
 * @module
 */

import { setImmediate } from "node:timers";
import { backgroundPause } from "./background.ts";

/** How long the loop may be held before a turn is given, by default. */
export const DEFAULT_BUDGET_MS = 2;

/** When this process last gave the event loop a turn (`performance.now()`). */
let lastTurn = performance.now();
/** The turn being given, which every caller due meanwhile waits for. */
let pending: Promise<void> | undefined;

/**
 * Gives other tasks a turn if the loop has been held past the budget since
 * the last turn given: many callers at once (four producers, a reader)
 * share one budget, as they share one loop, and wait for one turn
 * together (each taking a turn of its own would hold the loop a budget
 * each before timers and I/O could run).
 *
 * @returns A promise to await when a turn is due, or undefined when not
 * (no await needed: the caller keeps the loop).
 */
export function shareLoop(
  budgetMs: number = DEFAULT_BUDGET_MS,
): Promise<void> | undefined {
  const paused = backgroundPause();
  if (paused !== undefined) return paused;
  if (pending !== undefined) return pending;
  if (performance.now() - lastTurn < budgetMs) return undefined;
  pending = new Promise((resolve) =>
    setImmediate(() => {
      lastTurn = performance.now();
      pending = undefined;
      resolve();
    })
  );
  return pending;
}

/** A budget of time on the event loop, spent by one run of work. */
export class LoopBudget {
  readonly #budgetMs: number;
  readonly #signal: AbortSignal | undefined;

  /**
   * @param options `budgetMs`: how long the loop may be held (2 ms);
   * `signal`: ends the run at its next check (it rejects with the reason).
   */
  constructor(options: { budgetMs?: number; signal?: AbortSignal } = {}) {
    this.#budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
    this.#signal = options.signal;
  }

  /**
   * Gives other tasks a turn if the budget is spent; checks the signal
   * either way.
   *
   * @throws The signal's reason, once it is aborted.
   */
  async spend(): Promise<void> {
    this.#signal?.throwIfAborted();
    const turn = shareLoop(this.#budgetMs);
    if (turn !== undefined) {
      await turn;
      this.#signal?.throwIfAborted();
    }
  }
}
