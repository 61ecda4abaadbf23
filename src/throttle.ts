/**
 * A limit on concurrent I/O jobs (the port of the original's `Throttle`):
 * it bounds the open files and the runtime's blocking threads a spool uses
 * when many operations run at once.
 *
 * @module
 */

import { checkPositiveInteger } from "./arguments.ts";

/** Runs at most `limit` jobs at once; the others wait in arrival order. */
export class Throttle {
  readonly #limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  /**
   * @param limit How many jobs may run at once: a spool's `ioConcurrency`,
   * checked here and nowhere else.
   * @throws {RangeError} If `limit` is not a positive integer.
   */
  constructor(limit: number) {
    checkPositiveInteger("open spool", "ioConcurrency", limit);
    this.#limit = limit;
  }

  /** Runs `job` when a slot is free and returns its result. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#limit) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#active++;
    }
    try {
      return await job();
    } finally {
      const next = this.#waiting.shift();
      // Hand the slot straight to the next job, so that none can jump ahead.
      if (next === undefined) this.#active--;
      else next();
    }
  }
}
