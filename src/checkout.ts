/**
 * Checked-out entries: an entry held exclusively by this process until it is
 * saved to a queue or removed.
 *
 * @module
 */

import type { SpoolCore } from "./core.ts";
import { type DataFile, DataFileImpl } from "./data_file.ts";
import { dueTime, localTime } from "./due.ts";
import type { DueOptions } from "./spool_options.ts";
import {
  DecodeError,
  EntryNotFoundError,
  NotDueError,
  SpoolError,
  toSpoolError,
} from "./errors.ts";
import { type Failing, type HistoryEdit, recordFailure } from "./failure.ts";
import {
  editHistoryText,
  emptyHistory,
  encodeHistory,
  type EntryHistory,
  parseHistory,
  withFreshStart,
} from "./history.ts";
import * as protocol from "./protocol/mod.ts";

/**
 * How {@linkcode CheckedOutEntry.save} moves an entry on: when it is due in
 * its new queue, and whether this was a failed attempt.
 *
 * @example Try again in a minute, counting the failure
 * ```ts
 * import assert from "node:assert/strict";
 * import { type SaveOptions, Spool } from "@multispool/multispool";
 * import { checkout } from "@multispool/multispool/expert";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["outbox"] });
 * const entry = await spool.enqueue("outbox", {}, new Uint8Array());
 * const job = await checkout(spool, entry);
 * const options: SaveOptions = {
 *   delay: 60_000,
 *   failure: new Error("451 greylisted"),
 * };
 * await job.save("outbox", options);
 * assert.ok((await entry.direct.readDue())! > new Date());
 * assert.equal((await entry.direct.readHistory()).attempts, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface SaveOptions extends DueOptions {
  /**
   * The error of a failed attempt: recorded in the entry's history, whose
   * count of attempts goes up by one, before the entry moves.
   */
  failure?: unknown;
  /**
   * A retry with a fresh start, as an operator gives a dead letter: the
   * entry's attempts go back to 0 (a reader's retry policy counts from
   * there again), its past failures stay in its history marked as before
   * the retry, and any quarantine or hold mark is cleared. It is due at
   * once unless `delay` or `at` say otherwise.
   *
   * @default {false}
   */
  freshStart?: boolean;
}

/**
 * An entry checked out by this process: it sits in its queue's `.checkout/`
 * and no other consumer can take it. Finish with {@linkcode save} (to any
 * queue, with the metadata as updated) or {@linkcode remove}. Disposing of
 * an entry that was neither (`await using`) puts it back in its queue
 * unchanged.
 *
 * @typeParam Q The spool's queue names.
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 *
 * @example Move an entry on with new metadata
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonMetadata, Spool } from "@multispool/multispool";
 * import { checkout } from "@multispool/multispool/expert";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, {
 *   queues: ["in", "out"],
 *   metadata: jsonMetadata<{ step: number }>(),
 * });
 * const entry = await spool.enqueue("in", { step: 1 }, new Uint8Array());
 * const job = await checkout(spool, entry);
 * assert.deepEqual(job.metadata, { step: 1 });
 * await job.update((m) => ({ step: m.step + 1 })).save("out");
 * assert.ok(job.finished);
 * const [moved] = await spool.list("out");
 * assert.deepEqual(await moved.direct.readMetadata(), { step: 2 });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface CheckedOutEntry<Q extends string, M, D>
  extends AsyncDisposable {
  /** The entry name. */
  readonly name: string;
  /** The queue it was checked out from. */
  readonly queue: Q;
  /** Its metadata, as read at checkout and changed by `update`. */
  readonly metadata: M;
  /** Its payload. */
  readonly dataFile: DataFile<D>;
  /** True once saved or removed; then nothing more can be done with it. */
  readonly finished: boolean;
  /**
   * Changes the metadata in memory; it is written by {@linkcode save}.
   *
   * @param f Returns the new metadata from the current one.
   * @returns This checked-out entry.
   */
  update(f: (metadata: M) => M): CheckedOutEntry<Q, M, D>;
  /**
   * Refreshes the checkout's age, so that the monitor does not report a long
   * job as stale and repair does not hand it to another consumer.
   *
   * @throws {EntryNotFoundError} If the checkout is gone (repaired away).
   */
  touch(): Promise<void>;
  /**
   * Writes the metadata if it was updated, then moves the entry to `queue`
   * (its own queue included), where consumers can take it again: at once,
   * or from the due time that `options` give. With `options.failure`, the
   * failure is first recorded in the entry's history; with
   * `options.freshStart`, its attempts start again from 0.
   *
   * @throws {EntryNotFoundError} If the checkout is gone (repaired away).
   * @throws {EncodeError} If the codec rejects the metadata.
   * @throws {TypeError} If both `delay` and `at` are given.
   */
  save(queue: Q, options?: SaveOptions): Promise<void>;
  /**
   * The entry's history: its failed attempts, and the last errors.
   *
   * @throws {DecodeError} If the registry file holds no valid history.
   */
  history(): Promise<EntryHistory>;
  /**
   * Removes the entry: metadata file, then payload, then registry file.
   *
   * @throws {EntryNotFoundError} If the checkout is gone (repaired away).
   */
  remove(): Promise<void>;
}

type State = "held" | "busy" | "saved" | "removed" | "lost";

/** Set by {@linkcode CheckedOutEntryImpl}'s static block: see `saveEditing`. */
let saveEditingOf: <Q extends string, M, D>(
  entry: CheckedOutEntryImpl<Q, M, D>,
  queue: Q,
  options: DueOptions & { historyDurable?: boolean },
  edit: HistoryEdit | undefined,
) => Promise<void>;

/**
 * The library's {@linkcode CheckedOutEntry}; internal (see `Spool` in
 * spool.ts for why implementations are classes apart from their interface).
 */
export class CheckedOutEntryImpl<Q extends string, M, D>
  implements CheckedOutEntry<Q, M, D> {
  readonly name: string;
  readonly queue: Q;
  readonly dataFile: DataFile<D>;
  readonly #core: SpoolCore<Q, M, D, unknown>;
  #metadata: M;
  #updated = false;
  #state: State = "held";
  #history: EntryHistory | undefined;
  /**
   * The stamp the checkout file carries from this process's claim or last
   * touch (on the file system's clock), or as found when listed: each act
   * on the checkout first proves it is still there (see
   * `protocol.verifyStamp`), else the checkout was taken away.
   */
  #stamp: Date | undefined;

  /**
   * @param core The spool's shared state.
   * @param queue The queue it was checked out from.
   * @param name The entry name (validated).
   * @param metadata The decoded metadata.
   * @param stamp The stamp its checkout file carries (the claim's, or as
   * listed).
   */
  constructor(
    core: SpoolCore<Q, M, D, unknown>,
    queue: Q,
    name: string,
    metadata: M,
    stamp?: Date,
  ) {
    this.#core = core;
    this.#stamp = stamp;
    this.queue = queue;
    this.name = name;
    this.#metadata = metadata;
    this.dataFile = new DataFileImpl(core, name);
  }

  get metadata(): M {
    return this.#metadata;
  }

  get finished(): boolean {
    return this.#state === "saved" || this.#state === "removed" ||
      this.#state === "lost";
  }

  update(f: (metadata: M) => M): this {
    this.#expectHeld("update entry");
    this.#metadata = f(this.#metadata);
    this.#updated = true;
    return this;
  }

  async touch(): Promise<void> {
    this.#expectHeld("touch checkout");
    await this.#run(async () => {
      this.#stamp = await protocol.touchCheckout(
        this.#core.disk,
        this.queue,
        this.name,
        this.#stamp,
      );
    }, "held");
  }

  async save(queue: Q, options: SaveOptions = {}): Promise<void> {
    const fresh = options.freshStart === true
      ? (h: EntryHistory) => withFreshStart(h, this.queue)
      : undefined;
    const failed = options.failure === undefined
      ? undefined
      : recordFailure(this.queue, "error", options.failure);
    await this.#saveEditing(
      queue,
      options,
      fresh === undefined || failed === undefined
        ? fresh ?? failed
        : (h) => failed(fresh(h)),
    );
  }

  static {
    saveEditingOf = (entry, queue, options, edit) =>
      entry.#saveEditing(queue, options, edit);
  }

  /**
   * {@linkcode save}, with the entry's history replaced by `edit` of it
   * first (when given).
   */
  async #saveEditing(
    queue: Q,
    options: DueOptions & { historyDurable?: boolean },
    edit: HistoryEdit | undefined,
  ): Promise<void> {
    const operation = "save entry";
    this.#expectHeld(operation);
    this.#core.checkQueue(queue, operation);
    const { disk } = this.#core;
    const due = dueTime(disk, options, operation);
    const path = this.#path;
    const metadata = this.#updated
      ? this.#core.encodeMetadata(this.#metadata, operation, path)
      : undefined;
    let history: string | undefined;
    let updated: EntryHistory | undefined;
    if (edit !== undefined) {
      let before: EntryHistory | undefined;
      let registry = true;
      try {
        before = await this.history();
      } catch (error) {
        // A history no one can read is started again, not kept forever;
        // an entry without a registry file (the monitor reports it) moves
        // on unrecorded rather than stop its queue.
        if (error instanceof EntryNotFoundError) registry = false;
        else if (!(error instanceof DecodeError)) throw error;
      }
      if (registry) {
        updated = edit(before ?? emptyHistory());
        history = encodeHistory(updated);
      }
    }
    await this.#run(
      () =>
        protocol.release(disk, this.queue, this.name, queue, {
          metadata,
          history,
          historyDurable: options.historyDurable,
          due,
          stamp: this.#stamp,
          restamped: (stamp) => this.#stamp = stamp,
        }),
      "saved",
    );
    // Only once it is on disk: a save that failed and is made again must
    // not count the failure twice.
    if (updated !== undefined) this.#history = updated;
  }

  async history(): Promise<EntryHistory> {
    await Promise.resolve();
    if (this.#history !== undefined) return this.#history;
    const { disk } = this.#core;
    const text = await protocol.readHistoryText(disk, this.name);
    this.#history ??= parseHistory(text, disk.layout.registry(this.name));
    return this.#history;
  }

  async remove(): Promise<void> {
    this.#expectHeld("remove entry");
    await this.#run(
      () =>
        protocol.removeCheckedOut(
          this.#core.disk,
          this.queue,
          this.name,
          this.#stamp,
        ),
      "removed",
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#state !== "held") return;
    this.#updated = false;
    await this.save(this.queue);
  }

  get #path(): string {
    return this.#core.disk.layout.checkoutFile(this.queue, this.name);
  }

  #expectHeld(operation: string): void {
    if (this.#state === "held") return;
    const reason = this.#state === "busy"
      ? "another operation on this checkout is in progress"
      : this.#state === "lost"
      ? "the checkout was taken away (see the earlier error)"
      : `the entry was already ${this.#state}`;
    throw new SpoolError(reason, { operation, path: this.#path });
  }

  async #run(job: () => void | Promise<void>, after: State): Promise<void> {
    this.#state = "busy";
    try {
      await job();
      this.#state = after;
    } catch (error) {
      this.#state = error instanceof EntryNotFoundError ? "lost" : "held";
      throw error;
    }
  }
}

/**
 * Saves a checked-out entry to `queue` as {@linkcode CheckedOutEntry.save}
 * does, with its history changed by `edit` first (when given): what failure
 * handling and operators' tools record (a failure, a quarantine, a hold's
 * origin, a fresh start) goes through here. Not a method, so that no
 * handler can reach it.
 */
export function saveEditing<Q extends string, M, D>(
  entry: CheckedOutEntryImpl<Q, M, D>,
  queue: Q,
  options: DueOptions & { historyDurable?: boolean },
  edit: HistoryEdit | undefined,
): Promise<void> {
  return saveEditingOf(entry, queue, options, edit);
}

/**
 * A checked-out entry as failure handling moves it on; put back, it keeps
 * its metadata as it is now, and a failure to put it back is ignored.
 */
export function failing<Q extends string, M, D>(
  entry: CheckedOutEntryImpl<Q, M, D>,
): Failing<Q> {
  return {
    name: entry.name,
    queue: entry.queue,
    history: () => entry.history(),
    move: (queue, edit, when = {}) => saveEditing(entry, queue, when, edit),
    putBack: async () => {
      if (!entry.finished) await entry.save(entry.queue).catch(() => {});
    },
  };
}

/**
 * An entry this process holds with `stamp` whose metadata cannot be
 * decoded, as failure handling moves it on: its metadata file moves as it
 * is. Its history, if it cannot be read, is started again.
 */
export function failingUndecodable<Q extends string>(
  core: SpoolCore<Q, unknown, unknown, unknown>,
  queue: Q,
  name: string,
  stamp: Date,
): Failing<Q> {
  const { disk } = core;
  const text = () => protocol.readHistoryText(disk, name);
  return {
    name,
    queue,
    history: async () => parseHistory(await text(), disk.layout.registry(name)),
    move: async (to, edit, when = {}) => {
      let history: string | undefined;
      if (edit !== undefined) {
        let before = "";
        try {
          before = await text();
        } catch {
          // Started again.
        }
        history = editHistoryText(before, edit);
      }
      const due = dueTime(disk, when, "save entry");
      await protocol.release(disk, queue, name, to, { history, due, stamp });
    },
    putBack: () => protocol.release(disk, queue, name, queue, { stamp }),
  };
}

/** What {@linkcode claimEntry} found. */
export type Claim<Q extends string, M, D> =
  /** Checked out. */
  | { kind: "held"; entry: CheckedOutEntryImpl<Q, M, D> }
  /** Waiting for its due time (on the file system's clock). */
  | { kind: "later"; due: Date }
  /** Another process has it, or it is gone. */
  | { kind: "gone" }
  /**
   * Checked out, but its metadata cannot be decoded: the caller holds it,
   * with the claim's `stamp`, and must release it (see `protocol.release`).
   */
  | { kind: "undecodable"; error: DecodeError; stamp: Date };

/**
 * Checks an entry out if it is there and due, and decodes its metadata.
 * `options.taking` is told before the claim unlinks the waiting name (see
 * `protocol.checkout`).
 */
export async function claimEntry<Q extends string, M, D>(
  core: SpoolCore<Q, M, D, unknown>,
  queue: Q,
  name: string,
  options: { evenIfNotDue?: boolean; taking?: () => void } = {},
): Promise<Claim<Q, M, D>> {
  const operation = "check out entry";
  core.checkQueue(queue, operation);
  core.checkName(name, operation);
  const { disk } = core;
  let found: protocol.CheckoutResult;
  try {
    found = await protocol.checkout(
      disk,
      queue,
      name,
      options.evenIfNotDue,
      options.taking,
    );
  } catch (error) {
    throw toSpoolError(error, operation, disk.layout.queueFile(queue, name));
  }
  if (!found.held) {
    return found.due === undefined
      ? { kind: "gone" }
      : { kind: "later", due: found.due };
  }
  const path = disk.layout.checkoutFile(queue, name);
  try {
    const metadata = core.decodeMetadata(found.text, operation, path);
    return {
      kind: "held",
      entry: new CheckedOutEntryImpl(
        core,
        queue,
        name,
        metadata,
        found.stamp,
      ),
    };
  } catch (error) {
    if (!(error instanceof DecodeError)) throw error;
    return { kind: "undecodable", error, stamp: found.stamp };
  }
}

/**
 * Checks an entry out and decodes its metadata; `undefined` if the entry is
 * gone or not due. An entry whose metadata cannot be read or decoded is put
 * back in its queue and the error thrown.
 */
export async function tryCheckout<Q extends string, M, D>(
  core: SpoolCore<Q, M, D, unknown>,
  queue: Q,
  name: string,
  options: { evenIfNotDue?: boolean } = {},
): Promise<CheckedOutEntryImpl<Q, M, D> | undefined> {
  return await held(
    core,
    queue,
    name,
    await claimEntry(core, queue, name, options),
  );
}

/**
 * Like {@linkcode tryCheckout}, but an entry that is gone or not due is an
 * error.
 */
export async function checkout<Q extends string, M, D>(
  core: SpoolCore<Q, M, D, unknown>,
  queue: Q,
  name: string,
  options: { evenIfNotDue?: boolean } = {},
): Promise<CheckedOutEntryImpl<Q, M, D>> {
  const operation = "check out entry";
  const path = core.disk.layout.queueFile(queue, name);
  const claim = await claimEntry(core, queue, name, options);
  if (claim.kind === "later") {
    throw new NotDueError(localTime(core.disk, claim.due), { operation, path });
  }
  const entry = await held(core, queue, name, claim);
  if (entry !== undefined) return entry;
  throw new EntryNotFoundError(
    "the entry is gone (another consumer took it, or it was removed)",
    { operation, path },
  );
}

/** The entry a claim holds, if any; an undecodable one is put back. */
async function held<Q extends string, M, D>(
  core: SpoolCore<Q, M, D, unknown>,
  queue: Q,
  name: string,
  claim: Claim<Q, M, D>,
): Promise<CheckedOutEntryImpl<Q, M, D> | undefined> {
  if (claim.kind === "held") return claim.entry;
  if (claim.kind === "undecodable") {
    // Put it back for a person or the monitor.
    await failingUndecodable(core, queue, name, claim.stamp).putBack()
      .catch(() => {});
    throw claim.error;
  }
  return undefined;
}

/**
 * The entries checked out of `queue` now, by any process; those that finish
 * while being listed are skipped.
 */
export async function listCheckouts<Q extends string, M, D>(
  core: SpoolCore<Q, M, D, unknown>,
  queue: Q,
): Promise<CheckedOutEntry<Q, M, D>[]> {
  const operation = "list checkouts";
  core.checkQueue(queue, operation);
  const { disk } = core;
  const result: CheckedOutEntry<Q, M, D>[] = [];
  for (const name of await protocol.listCheckouts(disk, queue)) {
    let read: { text: string; mtime: Date | undefined };
    try {
      read = protocol.readCheckout(disk, queue, name);
    } catch (error) {
      if (error instanceof EntryNotFoundError) continue;
      throw error;
    }
    const path = disk.layout.checkoutFile(queue, name);
    const metadata = core.decodeMetadata(read.text, operation, path);
    // Its stamp as listed: acting on it later fails if its consumer
    // touched it, or repair put it back, meanwhile.
    result.push(
      new CheckedOutEntryImpl(
        core,
        queue,
        name,
        metadata,
        read.mtime,
      ),
    );
  }
  return result;
}
