/**
 * Queue readers: wait for entries to arrive in one queue and check them out,
 * in name order, without ever missing one.
 *
 * @module
 */

import { checkPositiveInteger, checkPositiveNumber } from "./arguments.ts";
import {
  type CheckedOutEntry,
  type CheckedOutEntryImpl,
  claimEntry,
  failing,
  failingUndecodable,
} from "./checkout.ts";
import type { SpoolCore } from "./core.ts";
import { aborted, delay } from "./delay.ts";
import {
  DecodeError,
  InvalidNameError,
  SpoolError,
  toSpoolError,
} from "./errors.ts";
import type { DirWatcher } from "./fs.ts";
import type { FirstNamesResult } from "./first_names.ts";
import {
  deadLetterIfSpent,
  type FailurePolicy,
  poison,
  type PoisonPolicy,
} from "./failure.ts";
import { type EntryHandler, handleCheckedOut } from "./outcome.ts";
import { shareLoop } from "./loop_budget.ts";
import * as protocol from "./protocol/mod.ts";
import { checkRetryPolicy, type RetryPolicy } from "./retry.ts";

/**
 * Options for `spool.reader()`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type ReaderOptions, Spool, type SpoolError } from "@multispool/multispool";
 *
 * const problems: string[] = [];
 * const onNfs: ReaderOptions = {
 *   pollIntervalMs: 2000, // writers on other hosts raise no watch event here
 *   onError: (error: SpoolError) => problems.push(error.message),
 * };
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const bad = await spool.enqueue("q", {}, new Uint8Array());
 * await Deno.writeTextFile(`${dir}/q/${bad.name}`, "{not json");
 * await using reader = spool.reader("q", onNfs);
 * assert.equal(await reader.dequeueAvailable(), undefined); // skipped, reported
 * assert.equal(problems.length, 1);
 * assert.match(problems[0], /metadata codec cannot decode/);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface ReaderOptions<Q extends string = never> {
  /**
   * While waiting, also list the queue every this many milliseconds.
   *
   * Set it whenever the spool is shared by several hosts (GlusterFS,
   * sshfs, NFS): `Deno.watchFs` hears only of changes made through this
   * host's own mount, so an entry enqueued on another host wakes no watcher
   * here, and the reader finds it at its next listing. The interval is then
   * the longest such an entry waits for a reader that is idle; a listing
   * costs one directory read over the network. Watch events still wake the
   * reader at once for entries enqueued on this host.
   *
   * @default {undefined} (watch events only; 1000 if watching is unavailable)
   */
  pollIntervalMs?: number;
  /**
   * Wait with `Deno.watchFs`. With `false` the reader only polls (every
   * `pollIntervalMs`, 1000 by default). While it works through a listing of
   * 256 names or more, a reader does not watch (each event would cost the
   * runtime a dozen system calls, to say what its next listing says
   * anyway); it watches again before that next listing.
   *
   * @default {true}
   */
  watch?: boolean;
  /**
   * After losing a race for an entry to another consumer, jump ahead in the
   * listing by a random number of entries below this, so that consumers
   * sharing a large backlog stop contending for the same entries. The
   * entries jumped over come back in the next listing. A reader that wins
   * every race takes entries strictly in order whatever this is; `1` never
   * jumps (closest to FIFO, most contention).
   *
   * @default {32}
   */
  spread?: number;
  /**
   * The most names one listing of the queue holds: the first ones, in
   * order. On a larger backlog the rest are listed again once these are
   * tried, so that a reader over a million entries holds an eighth of their
   * names, not all of them (each further listing reads the whole directory
   * again: a few seconds a million names).
   *
   * @default {131072}
   */
  listingLimit?: number;
  /**
   * Told about problems the reader works around instead of failing: the
   * directory cannot be watched (it polls instead), or an entry cannot be
   * decoded (it is left in the queue and skipped by this reader, or moved
   * as `poison` says), or its payload is missing or not a regular file.
   *
   * @default {a one-line warning on stderr}
   */
  onError?: (error: SpoolError) => void;
  /**
   * Failed attempts as a policy: a handler that throws (in `iter` and
   * `iterAvailable`), like a `retry` outcome, is a failed attempt, recorded
   * in the entry's history; the entry comes back after the backoff, and goes
   * to the dead-letter queue once `maxAttempts` are spent. The reader goes
   * on with the next entry. Without a policy, a handler that throws stops
   * `iter`, and the entry goes back to its queue unchanged.
   */
  retry?: RetryPolicy<Q>;
  /**
   * What becomes of a damaged entry (metadata the codec cannot decode, a
   * payload missing or not a regular file, found when the handler reads
   * it), so that it never stops the queue: `"skip"` leaves it in place
   * (this reader does not try it again), `{ queue }` moves it there with
   * the reason in its history. Either way `onError` is told.
   *
   * @default {"skip"}
   */
  poison?: PoisonPolicy<Q>;
}

/**
 * Options for {@linkcode QueueReader.dequeue}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type DequeueOptions, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * await using reader = spool.reader("q");
 * const stop = new AbortController();
 * const options: DequeueOptions = { signal: stop.signal };
 * const waiting = reader.dequeue(options); // the queue is empty: it waits
 * stop.abort();
 * assert.equal(await waiting, undefined);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface DequeueOptions {
  /** Stops the wait: `dequeue` then resolves to `undefined`. */
  signal?: AbortSignal;
}

/**
 * Options for {@linkcode QueueReader.iter}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type IterOptions, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * for (let i = 0; i < 16; i++) await spool.enqueue("q", i, new Uint8Array());
 * const stop = new AbortController(); // abortOnSignals() in a real consumer
 * const options: IterOptions = { signal: stop.signal, concurrency: 8 };
 * let handled = 0;
 * await using reader = spool.reader("q");
 * await reader.iter(() => {
 *   if (++handled === 16) stop.abort();
 *   return { action: "remove" };
 * }, options);
 * assert.equal(handled, 16);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface IterOptions {
  /**
   * Stops the iteration: no new entry is taken, the ones being handled
   * finish, and `iter` resolves.
   */
  signal?: AbortSignal;
  /**
   * How many entries are handled at once.
   *
   * @default {1}
   */
  concurrency?: number;
}

/**
 * Options for {@linkcode QueueReader.iterAvailable}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type IterAvailableOptions, Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * for (let i = 0; i < 3; i++) await spool.enqueue("q", i, new Uint8Array());
 * // A pass that can be cut short, between entries.
 * const stop = new AbortController();
 * const options: IterAvailableOptions = { signal: stop.signal };
 * const seen: unknown[] = [];
 * await using reader = spool.reader("q");
 * await reader.iterAvailable((metadata) => {
 *   seen.push(metadata);
 *   stop.abort();
 *   return { action: "remove" };
 * }, options);
 * assert.deepEqual(seen, [0]);
 * assert.equal((await spool.list("q")).length, 2);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface IterAvailableOptions {
  /** Stops the pass early, between entries. */
  signal?: AbortSignal;
}

/**
 * A consumer of one queue. It waits for entries with `Deno.watchFs` (and
 * optionally by polling), checks them out in name order (FIFO with the
 * default names), and skips entries that other consumers took first. Any
 * number of readers, in any number of processes, can share a queue; each
 * entry goes to exactly one of them.
 *
 * A reader holds a watcher once it has waited: close it, or use
 * `await using`. Breaking out of a `for await` loop over it also closes it.
 *
 * @typeParam Q The spool's queue names.
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 *
 * @example Consume forever, until a signal
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["jobs", "done"] });
 * await spool.enqueue("jobs", { id: 1 }, new Uint8Array());
 *
 * const stop = new AbortController(); // abortOnSignals() in a real consumer
 * const got: unknown[] = [];
 * await using reader = spool.reader("jobs");
 * await reader.iter((metadata) => {
 *   got.push(metadata);
 *   stop.abort(); // one is enough for this example
 *   return { action: "save", queue: "done" };
 * }, { signal: stop.signal });
 * assert.deepEqual(got, [{ id: 1 }]);
 * assert.equal((await spool.list("done")).length, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example As an async iterable
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["jobs"] });
 * await spool.enqueue("jobs", "hello", new Uint8Array());
 * const got: unknown[] = [];
 * for await (const job of spool.reader("jobs")) {
 *   got.push(job.metadata);
 *   await job.remove();
 *   break; // closes the reader
 * }
 * assert.deepEqual(got, ["hello"]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface QueueReader<Q extends string, M, D>
  extends AsyncIterable<CheckedOutEntry<Q, M, D>>, AsyncDisposable {
  /** The queue read. */
  readonly queue: Q;
  /**
   * Waits for the next entry and checks it out. The caller must save or
   * remove it.
   *
   * @returns The entry, or `undefined` once the signal is aborted or the
   * reader closed.
   * @throws {SpoolError} If the queue cannot be listed (deleted, say).
   */
  dequeue(
    options?: DequeueOptions,
  ): Promise<CheckedOutEntry<Q, M, D> | undefined>;
  /**
   * Checks out the next entry if there is one, without waiting.
   *
   * @returns The entry, or `undefined` if the queue has none.
   */
  dequeueAvailable(): Promise<CheckedOutEntry<Q, M, D> | undefined>;
  /**
   * Hands every entry that is or will be in the queue to `f`, which says
   * where it goes next, until the signal is aborted or the reader closed.
   * If `f` throws, that entry goes back to the queue unchanged, the others
   * being handled finish, and the error is rethrown.
   *
   * @param f Handles each entry.
   * @param options A signal that ends the iteration, and how many entries
   * are handled at once.
   * @throws {RangeError} If `concurrency` is not a positive integer.
   */
  iter(f: EntryHandler<Q, M, D, unknown>, options?: IterOptions): Promise<void>;
  /**
   * One pass over the entries in the queue now, handing each to `f`; entries
   * that arrive meanwhile wait for the next pass.
   */
  iterAvailable(
    f: EntryHandler<Q, M, D, unknown>,
    options?: IterAvailableOptions,
  ): Promise<void>;
  /** Stops the watcher and ends every wait; pending `dequeue`s resolve to `undefined`. */
  close(): Promise<void>;
}

/**
 * How often a reader looks again at the due times of the delayed entries
 * it knows of, in case one was made due early where no watch event tells
 * (by a process on another host).
 */
const RECHECK_DUE_MS = 30_000;
/**
 * A listing of at least this many names pauses the watch until they are
 * tried (see `#pauseWatching`).
 */
const PAUSE_WATCH_AT = 256;
/** The most names a reader remembers taking while their events are due. */
const TAKEN_HERE_LIMIT = 4096;
/** How many entries ahead a reader may jump after losing a race. */
const DEFAULT_SPREAD = 32;
/** The most names one listing holds (see `ReaderOptions.listingLimit`). */
const DEFAULT_LISTING_LIMIT = 131_072;
/** The polling interval when there is nothing else to wait on. */
const DEFAULT_POLL_MS = 1000;

/**
 * The library's {@linkcode QueueReader}; internal (see `Spool` in spool.ts
 * for why implementations are classes apart from their interface).
 */
export class QueueReaderImpl<Q extends string, M, D>
  implements QueueReader<Q, M, D> {
  readonly queue: Q;
  readonly #core: SpoolCore<Q, M, D, unknown>;
  readonly #onError: (error: SpoolError) => void;
  readonly #spread: number;
  readonly #listingLimit: number;
  #pollMs: number | undefined;
  #watchWanted: boolean;
  #watcher: DirWatcher | undefined;
  // Every watch's event loop, until it ends (a watch paused during a
  // backlog ends while the next one runs).
  readonly #pumps = new Set<Promise<void>>();
  #closed = false;
  // Set by every watch event that may be an arrival; cleared just before
  // each listing.
  #changed = false;
  // Set when names of the last listing were jumped over (see
  // `#takeFromCache`): they are in the next listing.
  #jumped = false;
  // Set when the last listing held only the first names of the queue's
  // (see `ReaderOptions.listingLimit`): the rest are in the next listing.
  #more = false;
  // When the last listing started (performance.now()), or never.
  #listedAt = -Infinity;
  // Aborted, and replaced, to wake every wait: on a watch event, on close,
  // and when a listing others can share arrives.
  #wake = new AbortController();
  // The last listing, consumed from `#cursor` on.
  #cache: string[] = [];
  #cursor = 0;
  // Resolves when the listing in progress (if any) is done.
  #refilling: Promise<void> | undefined;
  readonly #skipped = new Set<string>();
  // Names this reader took out of the queue directory, whose watch events
  // (of its own unlinks) have not come yet.
  readonly #takenHere = new Set<string>();
  // While the watch is paused for a backlog: how many names that backlog
  // had.
  #pausedFor: number | undefined;
  // Entries found waiting for a due time: name -> due (file system's clock,
  // ms). Listings skip them until then.
  readonly #delayed = new Map<string, number>();
  #delayedCheckedAt = performance.now();
  readonly #policy: FailurePolicy<Q>;

  /**
   * @param core The spool's shared state.
   * @param queue The queue (validated by the caller).
   * @param options Polling, watching, failures and error reporting.
   */
  constructor(
    core: SpoolCore<Q, M, D, unknown>,
    queue: Q,
    options: ReaderOptions<Q> = {},
  ) {
    this.#core = core;
    this.queue = queue;
    this.#watchWanted = options.watch ?? true;
    this.#pollMs = options.pollIntervalMs ??
      (this.#watchWanted ? undefined : DEFAULT_POLL_MS);
    this.#spread = options.spread ?? DEFAULT_SPREAD;
    this.#listingLimit = options.listingLimit ?? DEFAULT_LISTING_LIMIT;
    this.#onError = options.onError ??
      ((error) => console.warn(`multispool: ${error.message}`));
    if (this.#pollMs !== undefined) {
      checkPositiveNumber("open reader", "pollIntervalMs", this.#pollMs);
    }
    checkPositiveInteger("open reader", "spread", this.#spread);
    checkPositiveInteger("open reader", "listingLimit", this.#listingLimit);
    if (options.retry !== undefined) {
      checkRetryPolicy("open reader", options.retry);
      core.checkQueue(options.retry.deadLetter, "open reader");
    }
    const poison = options.poison ?? "skip";
    if (poison !== "skip") core.checkQueue(poison.queue, "open reader");
    this.#policy = {
      retry: options.retry,
      poison,
      onError: this.#onError,
      skip: (name) => this.#skipped.add(name),
    };
  }

  async dequeue(
    options: DequeueOptions = {},
  ): Promise<CheckedOutEntryImpl<Q, M, D> | undefined> {
    const { signal } = options;
    for (;;) {
      // A reader that never waits (a backlog, handlers that never await
      // real I/O) must not starve its process: it gives a turn when due.
      await shareLoop();
      if (this.#closed || signal?.aborted) return undefined;
      const job = await this.#takeFromCache(signal);
      if (job !== undefined) return job;
      if (this.#closed || signal?.aborted) return undefined;
      if (this.#takeDue()) continue;
      // Another caller of this reader is listing: take from its listing
      // first. (Sharing it would be wrong: it may have started before this
      // caller's own clearing of the flag below.)
      if (this.#refilling !== undefined) {
        await this.#refilling;
        continue;
      }
      this.#startWatching();
      // List again only if something may have arrived since the last
      // listing: a watch event, names jumped over or left for the next
      // listing, a poll due, or no watch.
      // (A queue of many delayed entries would otherwise be listed whole
      // after every entry handed out.)
      if (this.#mustList()) {
        // DRAIN THE NOTIFICATIONS BEFORE LISTING, NEVER AFTER. A change
        // made before this line is in the listing below; a change made
        // after it sets `#changed` again, so the wait below returns at
        // once. Clearing the flag after listing could swallow the event of
        // an entry that arrived between the listing and the clearing: a
        // missed wake-up, and a reader asleep on a non-empty queue.
        this.#changed = false;
        this.#jumped = false;
        this.#listedAt = performance.now();
        if (await this.#refill()) continue;
      }
      await this.#waitForChange(signal);
    }
  }

  async dequeueAvailable(): Promise<CheckedOutEntry<Q, M, D> | undefined> {
    const job = await this.#takeFromCache(undefined);
    if (job !== undefined || this.#closed) return job;
    if (this.#takeDue()) {
      const due = await this.#takeFromCache(undefined);
      if (due !== undefined || this.#closed) return due;
    }
    // A listing of only the first names of a larger queue, all of them
    // taken by others or not due yet, is followed by the next.
    for (;;) {
      if (this.#refilling !== undefined) await this.#refilling;
      else {
        this.#changed = false;
        await this.#refill();
      }
      const next = await this.#takeFromCache(undefined);
      if (next !== undefined || this.#closed || !this.#more) return next;
    }
  }

  async iter(
    f: EntryHandler<Q, M, D, unknown>,
    options: IterOptions = {},
  ): Promise<void> {
    const concurrency = options.concurrency ?? 1;
    checkPositiveInteger("iterate", "concurrency", concurrency);
    // The first failure stops the other loops after their current entry.
    const failed = new AbortController();
    const signal = options.signal === undefined
      ? failed.signal
      : AbortSignal.any([options.signal, failed.signal]);
    let failure: { error: unknown } | undefined;
    const loop = async () => {
      for (;;) {
        const job = await this.dequeue({ signal });
        if (job === undefined) return;
        try {
          await handleCheckedOut(job, f, this.#policy);
        } catch (error) {
          failure ??= { error };
          failed.abort();
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
    if (failure !== undefined) {
      this.#hintRetryPolicy(failure.error);
      throw failure.error;
    }
  }

  async iterAvailable(
    f: EntryHandler<Q, M, D, unknown>,
    options: IterAvailableOptions = {},
  ): Promise<void> {
    // A backlog over the listing limit is listed in parts, each after the
    // last name of the one before, up to the last name the first listing
    // saw: one pass, in name order, over what was there when it began.
    let after: string | undefined;
    let through: string | undefined;
    for (;;) {
      const { names, more, last } = await this.#list(after, through);
      through ??= last;
      for (const name of names) {
        await shareLoop();
        if (this.#closed || options.signal?.aborted) return;
        const job = await this.#tryCheckout(name);
        if (job === undefined) continue;
        try {
          await handleCheckedOut(job, f, this.#policy);
        } catch (error) {
          this.#hintRetryPolicy(error);
          throw error;
        }
      }
      if (!more || names.length === 0) return;
      after = names[names.length - 1];
    }
  }

  /**
   * Tells `onError`, when a handler's error is about to end an iteration
   * that has no retry policy, how to have failed entries retried instead:
   * the error itself is rethrown as it is.
   */
  #hintRetryPolicy(error: unknown): void {
    if (this.#policy.retry !== undefined || error instanceof SpoolError) return;
    this.#onError(
      new SpoolError(
        `the handler threw (${
          error instanceof Error
            ? `${error.name}: ${error.message}`
            : String(error)
        }), which ends the iteration: the entry went back to its queue unchanged. To retry failed entries after a backoff and go on, give the reader a retry policy: spool.reader(queue, { retry: { maxAttempts, deadLetter } })`,
        { operation: "iterate", path: this.#path, cause: error },
      ),
    );
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#watcher?.close();
    this.#watcher = undefined;
    this.#wakeAll();
    await Promise.all(this.#pumps);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  [Symbol.asyncIterator](): AsyncIterator<CheckedOutEntry<Q, M, D>> {
    return {
      next: async () => {
        const job = await this.dequeue();
        return job === undefined
          ? { done: true, value: undefined }
          : { done: false, value: job };
      },
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  /**
   * Tries the cached names in order and returns the first entry it wins.
   * After losing a race, it jumps a random distance ahead: readers sharing a
   * large backlog then stop contending for the same entries one after the
   * other. The names jumped over are not lost: they are in the next listing
   * if no other reader took them. A reader that never loses takes entries
   * strictly in order.
   */
  async #takeFromCache(
    signal: AbortSignal | undefined,
  ): Promise<CheckedOutEntryImpl<Q, M, D> | undefined> {
    while (this.#cursor < this.#cache.length) {
      await shareLoop();
      if (this.#closed || signal?.aborted) return undefined;
      // Another caller of this reader may have taken the last names while
      // this one gave the loop a turn.
      if (this.#cursor >= this.#cache.length) break;
      const name = this.#cache[this.#cursor++];
      const job = await this.#tryCheckout(name);
      if (job !== undefined) return job;
      // Not due, or damaged and dealt with: not a race lost.
      if (this.#delayed.has(name) || this.#skipped.has(name)) continue;
      // Lost: another reader is here. (Another caller of this reader may
      // have refilled the cache meanwhile; the cursor is the new one's.)
      const jump = Math.floor(Math.random() * this.#spread);
      if (jump > 0) this.#jumped = true;
      this.#cursor += jump;
    }
    return undefined;
  }

  async #tryCheckout(
    name: string,
  ): Promise<CheckedOutEntryImpl<Q, M, D> | undefined> {
    if (this.#skipped.has(name) || this.#delayed.has(name)) return undefined;
    let claim;
    try {
      // Noted before the claim's unlink, whose event may come while the
      // claim still awaits its last calls.
      claim = await claimEntry(this.#core, this.queue, name, {
        taking: () => this.#noteTaken(name),
      });
    } catch (error) {
      // No unlink of this reader's to be told of.
      this.#takenHere.delete(name);
      if (
        !(error instanceof DecodeError || error instanceof InvalidNameError)
      ) {
        throw error;
      }
      // Unreadable where it is (not a regular file, say): leave it for a
      // person or the monitor, and do not try it again, or the reader
      // would spin on it.
      this.#skipped.add(name);
      this.#onError(error);
      return undefined;
    }
    switch (claim.kind) {
      case "gone":
        // Lost after all (another unlinked the name first): no unlink of
        // this reader's to be told of.
        this.#takenHere.delete(name);
        return undefined;
      case "later":
        this.#delayed.set(name, claim.due.getTime());
        // Made due early while the claim looked (an operator's `due`), its
        // event came before the name was known to be delayed, and was
        // taken for an arrival: the due time just noted may be stale. A
        // look now settles it; later events find the name delayed.
        this.#recheck(name);
        return undefined;
      case "undecodable": {
        const held = failingUndecodable(
          this.#core,
          this.queue,
          name,
          claim.stamp,
        );
        await poison(held, claim.error, this.#policy);
        return undefined;
      }
    }
    const entry = claim.entry;
    if (await deadLetterIfSpent(failing(entry), this.#policy.retry)) {
      return undefined;
    }
    return entry;
  }

  /**
   * Puts the delayed entries that are due now in the cache, earliest
   * first; true if there were any.
   */
  #takeDue(): boolean {
    const now = this.#core.disk.clock.now().getTime();
    const due: [string, number][] = [];
    for (const [name, at] of this.#delayed) {
      if (at <= now) due.push([name, at]);
    }
    if (due.length === 0) return false;
    for (const [name] of due) this.#delayed.delete(name);
    this.#cache = due.sort((a, b) => a[1] - b[1]).map(([name]) => name);
    this.#cursor = 0;
    return true;
  }

  /**
   * Looks again at the due time of a delayed entry (a watch event named
   * it, or it is time to): made due early, it is forgotten, so that the
   * next listing tries it; gone, too. A stat, not a claim: a claim's link
   * would raise an event of its own, and another look. A due time moved
   * earlier but still ahead wakes every wait, whose timer was set for the
   * old one: it is set again.
   */
  #recheck(name: string): void {
    const at = this.#delayed.get(name);
    if (at === undefined) return;
    try {
      const due = protocol.waitingDue(this.#core.disk, this.queue, name);
      if (due === undefined) this.#delayed.delete(name);
      else {
        this.#delayed.set(name, due.getTime());
        if (due.getTime() < at) this.#wakeAll();
      }
    } catch {
      this.#delayed.delete(name);
    }
  }

  /**
   * Forgets the delayed entries whose due time has come, so that a listing
   * tries them like any other (`iterAvailable` takes them in name order).
   */
  #forgetDue(): void {
    if (this.#delayed.size === 0) return;
    const now = this.#core.disk.clock.now().getTime();
    for (const [name, at] of this.#delayed) {
      if (at <= now) this.#delayed.delete(name);
    }
  }

  /** Rechecks every delayed entry when it is time to. */
  #recheckAllWhenDue(): void {
    if (performance.now() - this.#delayedCheckedAt < RECHECK_DUE_MS) return;
    this.#delayedCheckedAt = performance.now();
    for (const name of [...this.#delayed.keys()]) this.#recheck(name);
  }

  /** Lists the queue into the cache; true if it holds anything to try. */
  async #refill(): Promise<boolean> {
    const listing = this.#list();
    this.#refilling = listing.then(() => {}, () => {});
    try {
      ({ names: this.#cache, more: this.#more } = await listing);
    } finally {
      this.#refilling = undefined;
    }
    this.#cursor = 0;
    if (this.#cache.length === 0) return false;
    if (this.#cache.length >= PAUSE_WATCH_AT && this.#watcher !== undefined) {
      this.#pauseWatching(this.#cache.length);
      // The runtime lets go of a closed watch (and its thread stops
      // looking at every change) on a turn of the event loop, which a
      // drain that never waits for I/O would not take.
      await delay(0);
    }
    // Other callers waiting on this reader can share the new listing.
    this.#wakeAll();
    return true;
  }

  /**
   * Lists the first names of the queue (after `after` and up to `through`,
   * if given) that this reader may try: not skipped, not waiting for a due
   * time.
   */
  async #list(after?: string, through?: string): Promise<FirstNamesResult> {
    this.#recheckAllWhenDue();
    this.#forgetDue();
    // The delayed entries known when the listing starts, and those of them
    // it finds: the others are gone, and forgotten.
    const delayedBefore = this.#delayed.size === 0
      ? undefined
      : new Set(this.#delayed.keys());
    const delayedFound = new Set<string>();
    const listing = await protocol.listFirst(this.#core.disk, this.queue, {
      limit: this.#listingLimit,
      // The sizes are looked at first: looking a name up, even in an
      // empty map, hashes it, a sixth of a million-name listing's time.
      wanted: (name) => {
        if (this.#delayed.size !== 0 && this.#delayed.has(name)) {
          delayedFound.add(name);
          return false;
        }
        return (this.#skipped.size === 0 || !this.#skipped.has(name)) &&
          (after === undefined || name > after) &&
          (through === undefined || name <= through);
      },
    });
    for (const name of delayedBefore ?? []) {
      if (!delayedFound.has(name)) this.#delayed.delete(name);
    }
    return listing;
  }

  #startWatching(): void {
    if (!this.#watchWanted || this.#watcher !== undefined || this.#closed) {
      return;
    }
    let watcher: DirWatcher;
    try {
      watcher = protocol.watchQueue(this.#core.disk, this.queue);
    } catch (error) {
      this.#fallBackToPolling(toSpoolError(error, "watch queue", this.#path));
      return;
    }
    this.#watcher = watcher;
    const pump = (async () => {
      let failure: unknown;
      try {
        for await (const event of watcher) {
          if (!this.#mayHaveArrived(event)) continue;
          this.#changed = true;
          this.#wakeAll();
        }
      } catch (error) {
        failure = error;
      }
      // Ended by this reader (closed, or paused for a backlog): no failure.
      if (!this.#closed && this.#watcher === watcher) {
        this.#watcher = undefined;
        this.#takenHere.clear();
        this.#fallBackToPolling(
          toSpoolError(
            failure ?? new Error("the watcher stopped"),
            "watch queue",
            this.#path,
          ),
        );
        this.#changed = true;
        this.#wakeAll();
      }
    })();
    this.#pumps.add(pump);
    pump.finally(() => this.#pumps.delete(pump));
    if (this.#pausedFor !== undefined) {
      // Resumed after a backlog: what the watch would have told about
      // delayed entries (made due early), ask the file system, when that
      // costs at most one stat per entry handed out meanwhile.
      if (this.#delayed.size <= this.#pausedFor) {
        for (const name of [...this.#delayed.keys()]) this.#recheck(name);
      }
      this.#pausedFor = undefined;
    }
  }

  /**
   * Stops watching while the reader has a backlog of `backlog` names to
   * work through: until it has, events could only say "list again", which
   * it will do anyway, and each costs the watch's thread a dozen system
   * calls and this one a wake-up. The watch starts again before the next
   * listing, as on the first one.
   */
  #pauseWatching(backlog: number): void {
    const watcher = this.#watcher;
    if (watcher === undefined) return;
    this.#watcher = undefined;
    this.#takenHere.clear();
    this.#pausedFor = backlog;
    // Whatever arrives meanwhile is in the listing that ends the pause.
    this.#changed = true;
    watcher.close();
  }

  #fallBackToPolling(error: SpoolError): void {
    this.#watchWanted = false;
    this.#pollMs ??= DEFAULT_POLL_MS;
    this.#onError(
      new SpoolError(
        `cannot watch the queue (${error.message}); polling every ${this.#pollMs} ms instead`,
        { operation: "watch queue", path: this.#path, cause: error },
      ),
    );
  }

  /**
   * Whether a watch event may mean an entry to take: one named file that
   * is there (arrived, or changed: a delayed entry made due early is looked
   * at again), or an event that names nothing (an overflow). An event that
   * only names files gone (taken or removed, often by this very reader) or
   * dot files (`.checkout/`) is no reason to list the queue again. Kinds
   * are not trusted; existence is asked of the file system.
   */
  #mayHaveArrived(event: unknown): boolean {
    const { paths, flag } = (event ?? {}) as {
      paths?: unknown;
      flag?: unknown;
    };
    if (!Array.isArray(paths) || paths.length === 0 || flag === "rescan") {
      // Events may have been lost: the names taken here may never be told.
      this.#takenHere.clear();
      for (const name of [...this.#delayed.keys()]) this.#recheck(name);
      return true;
    }
    let arrived = false;
    for (const path of paths) {
      if (typeof path !== "string") return true;
      const name = path.slice(path.lastIndexOf("/") + 1);
      if (name.startsWith(".")) continue;
      // The event of this reader's own claim (its unlink of the name): no
      // stat needed. Told once: a later event for the name (put back by a
      // save or a retry) is looked at.
      if (this.#takenHere.delete(name)) continue;
      if (this.#delayed.has(name)) {
        this.#recheck(name);
        if (!this.#delayed.has(name)) arrived = true;
        continue;
      }
      // A name no longer waiting is gone: nothing to take.
      if (protocol.isWaiting(this.#core.disk, this.queue, name)) {
        arrived = true;
      }
    }
    return arrived;
  }

  /**
   * Remembers a name this reader has just taken out of the queue directory,
   * while a watch runs: the watch will tell of that unlink.
   */
  #noteTaken(name: string): void {
    if (this.#watcher === undefined) return;
    // Events that never came (a watch restarted) must not pile up names.
    if (this.#takenHere.size >= TAKEN_HERE_LIMIT) this.#takenHere.clear();
    this.#takenHere.add(name);
  }

  /** Whether the next wait must be preceded by a listing. */
  #mustList(): boolean {
    if (
      this.#changed || this.#jumped || this.#more ||
      this.#listedAt === -Infinity
    ) {
      return true;
    }
    if (this.#pollMs !== undefined) {
      return performance.now() - this.#listedAt >= this.#pollMs;
    }
    return this.#watcher === undefined;
  }

  /**
   * Resolves on the next change, poll tick, abort or close, or when the
   * first delayed entry this reader knows of is due.
   */
  async #waitForChange(signal: AbortSignal | undefined): Promise<void> {
    if (this.#changed || this.#closed || signal?.aborted) return;
    const wake = this.#wake.signal;
    const stop = signal === undefined ? wake : AbortSignal.any([signal, wake]);
    const untilPoll = this.#pollMs === undefined
      ? Infinity
      : Math.max(0, this.#listedAt + this.#pollMs - performance.now());
    const wait = Math.min(untilPoll, this.#untilNextDue());
    if (wait === Infinity) return await aborted(stop);
    // A wake or an abort ends the wait early; `dequeue` looks at why.
    await delay(wait, { signal: stop }).catch(() => {});
  }

  /** Milliseconds until the first known delayed entry is due. */
  #untilNextDue(): number {
    if (this.#delayed.size === 0) return Infinity;
    let first = Infinity;
    for (const at of this.#delayed.values()) first = Math.min(first, at);
    return Math.max(0, first - this.#core.disk.clock.now().getTime());
  }

  #wakeAll(): void {
    this.#wake.abort();
    this.#wake = new AbortController();
  }

  get #path(): string {
    return this.#core.disk.layout.queueDir(this.queue);
  }
}
