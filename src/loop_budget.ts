/**
 * Sharing the event loop: a long run of work (synchronous file system
 * calls, one entry after another) gives other tasks a turn once it has
 * held the loop past a small budget. A turn is a macrotask (a timer), not a
 * microtask: promise callbacks alone never let a timer, an HTTP handler or
 * a watch event run. Internal.
 *
 * @module
 */

import { delay } from "./delay.ts";

/** How long a run may hold the event loop before it yields, by default. */
export const DEFAULT_BUDGET_MS = 8;

/** A budget of time on the event loop, spent by one run of work. */
export class LoopBudget {
  readonly #budgetMs: number;
  readonly #signal: AbortSignal | undefined;
  #since = performance.now();

  /**
   * @param options `budgetMs`: how long the run may hold the loop (8 ms);
   * `signal`: ends the run at its next turn (it rejects with the reason).
   */
  constructor(options: { budgetMs?: number; signal?: AbortSignal } = {}) {
    this.#budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
    this.#signal = options.signal;
  }

  /**
   * Gives other tasks a turn if the budget is spent (and then starts a new
   * one); checks the signal either way.
   *
   * @throws The signal's reason, once it is aborted.
   */
  async spend(): Promise<void> {
    this.#signal?.throwIfAborted();
    if (performance.now() - this.#since < this.#budgetMs) return;
    await delay(0, { signal: this.#signal });
    this.#since = performance.now();
  }
}
