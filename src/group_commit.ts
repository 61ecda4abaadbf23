/**
 * Group commit for directory flushes.
 *
 * A caller that needs a directory flushed needs a flush that *starts after*
 * its own change. If a flush of that directory is already running, it may
 * have started before the change, so the caller waits for the next one; every
 * caller that arrives while a flush is running shares that next flush. Under
 * load, N concurrent enqueues cost about two flushes per directory instead of
 * N.
 *
 * @module
 */

/** Runs flushes of directories, sharing them between concurrent callers. */
export class GroupCommit {
  readonly #flush: (dir: string) => Promise<void>;
  readonly #running = new Map<string, Promise<void>>();
  readonly #next = new Map<string, Promise<void>>();

  /** @param flush Flushes one directory (the file system's `syncDir`). */
  constructor(flush: (dir: string) => Promise<void>) {
    this.#flush = flush;
  }

  /**
   * Resolves once a flush of `dir` that started after this call has
   * completed; rejects if that flush fails.
   */
  flush(dir: string): Promise<void> {
    const queued = this.#next.get(dir);
    if (queued !== undefined) return queued;
    const running = this.#running.get(dir);
    if (running === undefined) return this.#start(dir);
    // Wait for the running flush (whatever its outcome), then start one that
    // covers every caller that arrived in the meantime.
    const next = running.then(
      () => this.#start(dir),
      () => this.#start(dir),
    );
    this.#next.set(dir, next);
    return next;
  }

  #start(dir: string): Promise<void> {
    this.#next.delete(dir);
    const flush = this.#flush(dir).finally(() => {
      if (this.#running.get(dir) === flush) this.#running.delete(dir);
    });
    this.#running.set(dir, flush);
    return flush;
  }
}
