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
  /** How many flushes have started: each flush's number is its count. */
  #started = 0;
  /** Per directory, the last flush that failed: its number and error. */
  readonly #failed = new Map<string, { flush: number; error: unknown }>();

  /** @param flush Flushes one directory (the file system's `syncDir`). */
  constructor(flush: (dir: string) => Promise<void>) {
    this.#flush = flush;
  }

  /**
   * A mark to take before a change that a flush must make durable: flushes
   * started after it cover the change (see {@linkcode flush}).
   */
  mark(): number {
    return this.#started;
  }

  /**
   * Resolves once a flush of `dir` that started after this call has
   * completed; rejects if that flush fails, or if any flush of `dir`
   * started after `since` (a {@linkcode mark} taken before the change) has
   * failed.
   */
  async flush(dir: string, since: number = this.#started): Promise<void> {
    this.#throwIfFailedSince(dir, since);
    await this.#flushAfterNow(dir);
    this.#throwIfFailedSince(dir, since);
  }

  #throwIfFailedSince(dir: string, since: number): void {
    const failed = this.#failed.get(dir);
    if (failed !== undefined && failed.flush > since) throw failed.error;
  }

  #flushAfterNow(dir: string): Promise<void> {
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
    const number = ++this.#started;
    const flush = this.#flush(dir).catch((error) => {
      this.#failed.set(dir, { flush: number, error });
      throw error;
    }).finally(() => {
      if (this.#running.get(dir) === flush) this.#running.delete(dir);
    });
    this.#running.set(dir, flush);
    return flush;
  }
}
