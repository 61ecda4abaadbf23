/**
 * Background work gives way to foreground work: a dashboard measures its
 * spool again and again (queue shapes, health checks, rate samples), and a
 * page asked for meanwhile would share the event loop with those walks over
 * every entry (at 100,000 entries, a page that takes 0.3 to 0.6 s alone
 * took 2.8 to 3.1 s beside them). Work started through
 * {@linkcode runInBackground} pauses at each turn it gives the loop while
 * foreground work holds ({@linkcode runInForeground}), and goes on once
 * none does. A pause lasts {@linkcode MAX_PAUSE_MS} at most, after which
 * background work runs {@linkcode RUN_AFTER_PAUSE_MS} unpaused: a steady
 * stream of requests slows it down to a sixth, never stops it. Foreground
 * work that waits for background work lets go while it waits
 * ({@linkcode waitForBackground}). Internal.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";

/** The longest a pause lasts. */
export const MAX_PAUSE_MS = 1000;
/** How long background work runs unpaused after a pause that timed out. */
export const RUN_AFTER_PAUSE_MS = 200;

/** Set within background work. */
const background = new AsyncLocalStorage<true>();
/** The hold of the foreground work under way, within it. */
const foreground = new AsyncLocalStorage<Hold>();
/** How many foreground holds are in force. */
let holds = 0;
/** The pause under way, shared by every background caller. */
let pause: { promise: Promise<void>; end: () => void } | undefined;
/** Until when background work runs unpaused, after a pause that timed out. */
let unpausedUntil = 0;
/** The longest a pause lasts (tests set another: see pauseLimitForTests). */
let maxPauseMs = MAX_PAUSE_MS;

/** Sets the longest pause until disposed: for tests only. */
export function pauseLimitForTests(ms: number): Disposable {
  const before = maxPauseMs;
  maxPauseMs = ms;
  unpausedUntil = 0;
  return {
    [Symbol.dispose]: () => {
      maxPauseMs = before;
      unpausedUntil = 0;
    },
  };
}

/**
 * One piece of foreground work's hold: counted while it holds, let go while
 * it waits for background work (however many waits at once).
 */
class Hold {
  #counted = true;
  #ended = false;
  #waits = 0;

  constructor() {
    holds++;
  }

  /** Stops holding, for one wait. */
  letGo(): void {
    this.#waits++;
    this.#release();
  }

  /** One wait is over: holds again once none is left, unless ended. */
  takeAgain(): void {
    this.#waits--;
    if (this.#waits > 0 || this.#counted || this.#ended) return;
    this.#counted = true;
    holds++;
  }

  /** The work is done. */
  end(): void {
    this.#ended = true;
    this.#release();
  }

  #release(): void {
    if (!this.#counted) return;
    this.#counted = false;
    holds--;
    if (holds === 0) pause?.end();
  }
}

/** Runs `work` as background work: it pauses while foreground work holds. */
export function runInBackground<T>(work: () => T): T {
  return background.run(true, work);
}

/**
 * Runs `work` as foreground work: background work pauses at its next turn
 * until `work` settles (for {@linkcode MAX_PAUSE_MS} at a time).
 */
export async function runInForeground<T>(work: () => Promise<T>): Promise<T> {
  const hold = new Hold();
  try {
    return await foreground.run(hold, work);
  } finally {
    hold.end();
  }
}

/**
 * Waits for `work`, which background work may be doing, letting go of the
 * foreground's hold meanwhile: otherwise foreground work waiting for a
 * measurement would hold back the very work it waits for.
 */
export async function waitForBackground<T>(work: Promise<T>): Promise<T> {
  const hold = foreground.getStore();
  hold?.letGo();
  try {
    return await work;
  } finally {
    hold?.takeAgain();
  }
}

/**
 * A promise to await before going on, for background work while
 * foreground work holds; undefined otherwise (go on at once).
 */
export function backgroundPause(): Promise<void> | undefined {
  if (holds === 0 || background.getStore() !== true) return undefined;
  if (pause !== undefined) return pause.promise;
  if (performance.now() < unpausedUntil) return undefined;
  let end!: () => void;
  const promise = new Promise<void>((resolve) => end = resolve);
  const timer = setTimeout(() => {
    unpausedUntil = performance.now() + RUN_AFTER_PAUSE_MS;
    finish();
  }, maxPauseMs);
  const finish = () => {
    clearTimeout(timer);
    pause = undefined;
    end();
  };
  pause = { promise, end: finish };
  return promise;
}
