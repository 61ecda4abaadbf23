/**
 * Entries: a name waiting in a queue.
 *
 * @module
 */

import * as protocol from "./protocol/mod.ts";
import type { SpoolCore } from "./core.ts";
import { type DataFile, DataFileImpl } from "./data_file.ts";
import type { Spool } from "./spool.ts";

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
 * import { Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const entry = await spool.enqueue("q", { tries: 0 }, new Uint8Array([7]));
 * await entry.direct.writeMetadata({ tries: 1 });
 * console.log(await entry.direct.readMetadata()); // { tries: 1 }
 * console.log(await entry.direct.dataFile().load()); // Uint8Array [ 7 ]
 * await entry.direct.remove();
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
}

/**
 * An entry of a queue, as listed or enqueued. It is only a name: whether the
 * entry is still waiting is known when it is checked out.
 *
 * @typeParam Q The spool's queue names.
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 * @typeParam I The name generator's input type.
 *
 * @example
 * ```ts
 * import { Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * await spool.enqueue("q", {}, new Uint8Array());
 * for (const entry of await spool.list("q")) {
 *   console.log(entry.queue, entry.name, (await entry.stat()).mtime);
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface Entry<Q extends string, M, D, I = string | undefined> {
  /** The spool the entry belongs to. */
  readonly spool: Spool<Q, M, D, I>;
  /** The queue it was listed in or enqueued to. */
  readonly queue: Q;
  /** Its name, unique in the spool while the entry exists. */
  readonly name: string;
  /**
   * Stats the entry's registry file; its mtime is when the entry last moved.
   *
   * @throws {EntryNotFoundError} If the entry no longer exists.
   */
  stat(): Promise<Deno.FileInfo>;
  /** Unlocked operations; see {@linkcode DirectEntry}. */
  readonly direct: DirectEntry<M, D>;
}

/** The implementation of {@linkcode Entry}. */
export class EntryImpl<Q extends string, M, D, I> implements Entry<Q, M, D, I> {
  readonly spool: Spool<Q, M, D, I>;
  readonly queue: Q;
  readonly name: string;
  readonly #core: SpoolCore<Q, M, D, I>;

  /**
   * @param spool The spool.
   * @param core The spool's shared state.
   * @param queue The queue (not validated here).
   * @param name The name (not validated here).
   */
  constructor(
    spool: Spool<Q, M, D, I>,
    core: SpoolCore<Q, M, D, I>,
    queue: Q,
    name: string,
  ) {
    this.spool = spool;
    this.#core = core;
    this.queue = queue;
    this.name = name;
  }

  stat(): Promise<Deno.FileInfo> {
    return Promise.resolve().then(() => {
      this.#core.checkName(this.name, "stat entry");
      return protocol.statEntry(this.#core.disk, this.name);
    });
  }

  get direct(): DirectEntry<M, D> {
    const core = this.#core;
    const { queue, name } = this;
    const check = (operation: string) => {
      core.checkQueue(queue, operation);
      core.checkName(name, operation);
    };
    return {
      readMetadata: () =>
        Promise.resolve().then(() => {
          check("read metadata");
          const text = protocol.readMetadata(core.disk, queue, name, false);
          return core.decodeMetadata(
            text,
            "read metadata",
            core.disk.layout.queueFile(queue, name),
          );
        }),
      dataFile: () => {
        core.checkName(name, "open data file");
        return new DataFileImpl(core, name);
      },
      writeMetadata: async (metadata) => {
        check("write metadata");
        const path = core.disk.layout.queueFile(queue, name);
        const text = core.encodeMetadata(metadata, "write metadata", path);
        await protocol.writeQueueMetadata(core.disk, queue, name, text);
      },
      remove: async () => {
        check("remove entry");
        await protocol.removeWaiting(core.disk, queue, name);
      },
    };
  }
}
