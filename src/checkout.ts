/**
 * Checked-out entries: an entry held exclusively by this process until it is
 * saved to a queue or removed.
 *
 * @module
 */

import type { SpoolCore } from "./core.ts";
import { type DataFile, DataFileImpl } from "./data_file.ts";
import { EntryNotFoundError, SpoolError } from "./errors.ts";
import * as protocol from "./protocol/mod.ts";

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
   * (its own queue included), where consumers can take it again.
   *
   * @throws {EntryNotFoundError} If the checkout is gone (repaired away).
   * @throws {EncodeError} If the codec rejects the metadata.
   */
  save(queue: Q): Promise<void>;
  /**
   * Removes the entry: metadata file, then payload, then registry file.
   *
   * @throws {EntryNotFoundError} If the checkout is gone (repaired away).
   */
  remove(): Promise<void>;
}

type State = "held" | "busy" | "saved" | "removed" | "lost";

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

  /**
   * @param core The spool's shared state.
   * @param queue The queue it was checked out from.
   * @param name The entry name (validated).
   * @param metadata The decoded metadata.
   */
  constructor(
    core: SpoolCore<Q, M, D, unknown>,
    queue: Q,
    name: string,
    metadata: M,
  ) {
    this.#core = core;
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
    await this.#run(
      () => protocol.touchCheckout(this.#core.disk, this.queue, this.name),
      "held",
    );
  }

  async save(queue: Q): Promise<void> {
    const operation = "save entry";
    this.#expectHeld(operation);
    this.#core.checkQueue(queue, operation);
    const path = this.#path;
    const text = this.#updated
      ? this.#core.encodeMetadata(this.#metadata, operation, path)
      : undefined;
    await this.#run(
      () =>
        protocol.release(this.#core.disk, this.queue, this.name, queue, text),
      "saved",
    );
  }

  async remove(): Promise<void> {
    this.#expectHeld("remove entry");
    await this.#run(
      () => protocol.removeCheckedOut(this.#core.disk, this.queue, this.name),
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
 * Checks an entry out and decodes its metadata; `undefined` if the entry is
 * gone. An entry whose metadata cannot be read or decoded is put back in its
 * queue and the error thrown.
 */
export async function tryCheckout<Q extends string, M, D>(
  core: SpoolCore<Q, M, D, unknown>,
  queue: Q,
  name: string,
): Promise<CheckedOutEntry<Q, M, D> | undefined> {
  const operation = "check out entry";
  core.checkQueue(queue, operation);
  core.checkName(name, operation);
  const { disk } = core;
  if (!protocol.checkout(disk, queue, name)) return undefined;
  let metadata: M;
  try {
    const text = protocol.readMetadata(disk, queue, name, true);
    const path = disk.layout.checkoutFile(queue, name);
    metadata = core.decodeMetadata(text, operation, path);
  } catch (error) {
    // Undecodable (or unreadable): put it back for a person or the monitor.
    await protocol.release(disk, queue, name, queue, undefined).catch(
      () => {},
    );
    throw error;
  }
  return new CheckedOutEntryImpl(core, queue, name, metadata);
}

/** Like {@linkcode tryCheckout}, but an entry that is gone is an error. */
export async function checkout<Q extends string, M, D>(
  core: SpoolCore<Q, M, D, unknown>,
  queue: Q,
  name: string,
): Promise<CheckedOutEntry<Q, M, D>> {
  const checkedOut = await tryCheckout(core, queue, name);
  if (checkedOut !== undefined) return checkedOut;
  throw new EntryNotFoundError(
    "the entry is gone (another consumer took it, or it was removed)",
    {
      operation: "check out entry",
      path: core.disk.layout.queueFile(queue, name),
    },
  );
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
    let text: string;
    try {
      text = protocol.readMetadata(disk, queue, name, true);
    } catch (error) {
      if (error instanceof EntryNotFoundError) continue;
      throw error;
    }
    const path = disk.layout.checkoutFile(queue, name);
    const metadata = core.decodeMetadata(text, operation, path);
    result.push(new CheckedOutEntryImpl(core, queue, name, metadata));
  }
  return result;
}
