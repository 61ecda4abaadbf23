/**
 * Direct, unlocked access to a waiting entry, like the original's `Direct`.
 *
 * @module
 */

import type { SpoolCore } from "./core.ts";
import { type DataFile, DataFileImpl } from "./data_file.ts";
import { localTime } from "./due.ts";
import { type EntryHistory, parseHistory } from "./history.ts";
import * as protocol from "./protocol/mod.ts";

/**
 * Unlocked operations on a waiting entry, like the original's `Direct`:
 * they do not check the entry out, so another process may be working on it
 * at the same moment. Use them for tools and repairs; consumers should use
 * `withEntry` or a reader.
 *
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 *
 * @example Inspect and edit a waiting entry
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const entry = await spool.enqueue("q", { tries: 0 }, new Uint8Array([7]));
 * await entry.direct.writeMetadata({ tries: 1 });
 * assert.deepEqual(await entry.direct.readMetadata(), { tries: 1 });
 * assert.deepEqual(await entry.direct.dataFile().load(), new Uint8Array([7]));
 * await entry.direct.remove();
 * assert.deepEqual(await spool.list("q"), []);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface DirectEntry<M, D> {
  /**
   * Reads and decodes the metadata file `QUEUE/NAME`.
   *
   * @throws {EntryNotFoundError} If the entry is not waiting in its queue.
   * @throws {DecodeError} If the codec rejects the file.
   */
  readMetadata(): Promise<M>;
  /** A handle on the payload; synchronous, no I/O. */
  dataFile(): DataFile<D>;
  /**
   * Replaces the metadata atomically (through `.tmp/` and a rename).
   *
   * @throws {EntryNotFoundError} If the entry is not waiting in its queue.
   * @throws {EncodeError} If the codec rejects the value.
   */
  writeMetadata(metadata: M): Promise<void>;
  /**
   * Removes the entry: metadata file, then payload, then registry file.
   *
   * @throws {EntryNotFoundError} If the entry is not waiting in its queue.
   */
  remove(): Promise<void>;
  /**
   * When the entry is due, if that is still ahead (this process's clock);
   * `undefined` if it is due now.
   *
   * @throws {EntryNotFoundError} If the entry is not waiting in its queue.
   */
  readDue(): Promise<Date | undefined>;
  /**
   * Makes the entry due now, if it waits for a later time (Postfix's
   * `postqueue -i`). A reader waiting on this host hears of it at once;
   * one on another host within half a minute, or at its due time.
   *
   * @returns The due time it had, or `undefined` if it was due already.
   * @throws {EntryNotFoundError} If the entry is not waiting in its queue.
   */
  makeDue(): Promise<Date | undefined>;
  /**
   * The entry's history: how many attempts failed, and the last errors.
   * Works whatever the entry's phase (waiting, checked out).
   *
   * @throws {EntryNotFoundError} If the entry is gone.
   * @throws {DecodeError} If its registry file holds no valid history.
   */
  readHistory(): Promise<EntryHistory>;
}

/**
 * The library's {@linkcode DirectEntry}; internal (see `Spool` in spool.ts
 * for why implementations are classes apart from their interface).
 */
export class DirectEntryImpl<Q extends string, M, D>
  implements DirectEntry<M, D> {
  readonly #core: SpoolCore<Q, M, D, unknown>;
  readonly #queue: Q;
  readonly #name: string;

  /**
   * @param core The spool's shared state.
   * @param queue The queue (checked on use).
   * @param name The entry name (checked on use).
   */
  constructor(core: SpoolCore<Q, M, D, unknown>, queue: Q, name: string) {
    this.#core = core;
    this.#queue = queue;
    this.#name = name;
  }

  readMetadata(): Promise<M> {
    return Promise.resolve().then(() => {
      const operation = "read metadata";
      this.#check(operation);
      const core = this.#core;
      const text = protocol.readMetadata(
        core.disk,
        this.#queue,
        this.#name,
        false,
      );
      return core.decodeMetadata(text, operation, this.#path);
    });
  }

  dataFile(): DataFile<D> {
    this.#core.checkName(this.#name, "open data file");
    return new DataFileImpl(this.#core, this.#name);
  }

  async writeMetadata(metadata: M): Promise<void> {
    const operation = "write metadata";
    this.#check(operation);
    const core = this.#core;
    const text = core.encodeMetadata(metadata, operation, this.#path);
    await protocol.writeQueueMetadata(core.disk, this.#queue, this.#name, text);
  }

  async remove(): Promise<void> {
    this.#check("remove entry");
    await protocol.removeWaiting(this.#core.disk, this.#queue, this.#name);
  }

  readDue(): Promise<Date | undefined> {
    return Promise.resolve().then(() => {
      this.#check("read due time");
      const { disk } = this.#core;
      const info = protocol.statWaiting(disk, this.#queue, this.#name);
      const due = protocol.dueOf(disk, info);
      return due === undefined ? undefined : localTime(disk, due);
    });
  }

  makeDue(): Promise<Date | undefined> {
    return Promise.resolve().then(() => {
      this.#check("make entry due");
      const { disk } = this.#core;
      const due = protocol.makeDue(disk, this.#queue, this.#name);
      return due === undefined ? undefined : localTime(disk, due);
    });
  }

  readHistory(): Promise<EntryHistory> {
    return Promise.resolve().then(() => {
      this.#check("read history");
      const { disk } = this.#core;
      return parseHistory(
        protocol.readRegistry(disk, this.#name),
        disk.layout.registry(this.#name),
      );
    });
  }

  #check(operation: string): void {
    this.#core.checkQueue(this.#queue, operation);
    this.#core.checkName(this.#name, operation);
  }

  get #path(): string {
    return this.#core.disk.layout.queueFile(this.#queue, this.#name);
  }
}
