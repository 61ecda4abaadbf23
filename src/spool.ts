/**
 * The spool and its entries as programs see them: the {@linkcode Spool} and
 * {@linkcode Entry} interfaces (each refers to the other, so they live
 * together), the `Spool` value that opens spools, and the internal classes
 * behind them.
 *
 * @module
 */

import { checkout, tryCheckout } from "./checkout.ts";
import { createCore, type SpoolCore } from "./core.ts";
import { type DirectEntry, DirectEntryImpl } from "./direct.ts";
import { SpoolError } from "./errors.ts";
import { message } from "./arguments.ts";
import { type FileSystem, realFileSystem } from "./fs.ts";
import { validateName } from "./names.ts";
import { type EntryHandler, handleCheckedOut } from "./outcome.ts";
import { shareLoop } from "./loop_budget.ts";
import * as protocol from "./protocol/mod.ts";
import {
  type QueueReader,
  QueueReaderImpl,
  type ReaderOptions,
} from "./reader.ts";
import type {
  EnqueueItem,
  EnqueueOptions,
  LoadOptions,
  SpoolOptions,
} from "./spool_options.ts";
import { dueTime } from "./due.ts";
import type { Spoolable } from "./spoolable.ts";

/**
 * A spool: a directory of queues that separate processes share through the
 * file system's atomic operations (create-exclusive, rename), in the style
 * of Maildir. Producers {@linkcode Spool.enqueue}; consumers check entries
 * out, exclusively, and save them to a queue or remove them. Open one with
 * `Spool.create`, `Spool.load` or `Spool.loadUnsafe`.
 *
 * @typeParam Q The queue names.
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 * @typeParam I The name generator's input type.
 *
 * @example Produce and consume
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool, textData } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, {
 *   queues: ["incoming", "done"],
 *   data: textData,
 * });
 * await spool.enqueue("incoming", { from: "cron" }, "hello");
 * const seen: unknown[] = [];
 * for (const entry of await spool.list("incoming")) {
 *   await spool.withEntry(entry, async (metadata, data) => {
 *     seen.push(metadata, await data.load());
 *     return { action: "save", queue: "done" };
 *   });
 * }
 * assert.deepEqual(seen, [{ from: "cron" }, "hello"]);
 * assert.equal((await spool.list("done")).length, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface Spool<Q extends string, M, D, I = string | undefined> {
  /** The spool directory, as given when it was opened. */
  readonly dir: string;
  /** The queue names. */
  readonly queues: readonly Q[];
  /**
   * Reserves a name in the spool by creating `.registry/NAME` exclusively,
   * asking the name generator again (with `attempt` one higher) while the
   * name is taken. Pass the name to `enqueue` as `{ use: name }`, in this
   * process or another.
   *
   * @param input Passed to the name generator (a prefix for the default).
   * @returns The reserved name.
   * @throws {InvalidNameError} If the generator returns an invalid name.
   * @throws {SpoolError} If no free name came out of 1000 attempts.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * const name = await spool.reserveName("order-");
   * assert.match(name, /^order-/);
   * const entry = await spool.enqueue("q", {}, new Uint8Array(), { use: name });
   * assert.equal(entry.name, name);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  reserveName(input: I): Promise<string>;
  /**
   * Adds an entry to `queue`. The payload and metadata are written and (in
   * strict durability) flushed before one rename makes the entry visible,
   * so consumers never see half an entry. On failure everything written is
   * removed again and the original error is thrown; but if the entry was
   * already visible (the queue's flush after the rename failed) and a
   * consumer took it before it could be taken back, it is delivered, and a
   * `PartialEnqueueError` says so: do not enqueue it again.
   *
   * @param queue The queue to put the entry in.
   * @param metadata The entry's metadata.
   * @param data The entry's payload.
   * @param options How the entry is named: `{ reserve: input }` to reserve
   * a name now (the default, with `input` undefined), or `{ use: name }`
   * for a name reserved earlier; and when it is due: `{ delay: ms }` or
   * `{ at: date }` (no reader hands it out before; now by default). The due
   * time is kept on disk, as the metadata file's modification time.
   * @returns The new entry.
   * @throws {QueueNotFoundError} If `queue` is not a queue of the spool.
   * @throws {NameNotReservedError} If a `use` name has no registry file.
   * @throws {NameInUseError} If a `use` name already carries an entry.
   * @throws {EncodeError} If a codec rejects the metadata or payload.
   * @throws {DiskFullError} If the file system is full.
   * @throws {PartialEnqueueError} If it failed after a consumer took it.
   * @throws {TypeError} If `reserve` and `use`, or `delay` and `at`, are
   * both given.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * const entry = await spool.enqueue("q", { kind: "ping" }, new Uint8Array(), {
   *   reserve: "ping-",
   * });
   * const later = await spool.enqueue("q", { kind: "pong" }, new Uint8Array(), {
   *   delay: 5_000,
   * });
   * assert.ok((await later.direct.readDue())! > new Date());
   * assert.ok(entry.name.startsWith("ping-"));
   * assert.deepEqual(await entry.direct.readMetadata(), { kind: "ping" });
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  enqueue(
    queue: Q,
    metadata: M,
    data: D,
    options?: EnqueueOptions<I>,
  ): Promise<Entry<Q, M, D, I>>;
  /**
   * Enqueues many entries into `queue` at once, with one flush phase for
   * all of them: in strict durability n entries wait for the disk twice, not
   * 2n times, and each is durable when the call resolves. All or nothing,
   * as far as it can be: if any fails, every entry is taken back and the
   * error is thrown; but an entry that was already visible (the queue's
   * flush after the renames failed) and that a consumer took before it
   * could be taken back is delivered, and a `PartialEnqueueError`
   * names those: enqueue again only the others.
   *
   * @param queue The queue to put the entries in.
   * @param items Each entry's metadata, payload, name input and due time.
   * @returns The new entries, in the order of `items`.
   * @throws {QueueNotFoundError} If `queue` is not a queue of the spool.
   * @throws {EncodeError} If a codec rejects a metadata or payload (before
   * anything is written).
   * @throws {DiskFullError} If the file system is full.
   * @throws {PartialEnqueueError} If it failed after consumers took some of
   * the entries: those are named, the others taken back.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * const entries = await spool.enqueueMany(
   *   "q",
   *   [1, 2, 3].map((n) => ({ metadata: { n }, data: new Uint8Array([n]) })),
   * );
   * assert.deepEqual(
   *   (await spool.list("q")).map((e) => e.name),
   *   entries.map((e) => e.name),
   * );
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  enqueueMany(
    queue: Q,
    items: readonly EnqueueItem<M, D, I>[],
  ): Promise<Entry<Q, M, D, I>[]>;
  /**
   * Lists the entries waiting in `queue`, sorted by name (enqueue order with
   * the default names); checked-out entries are not included.
   *
   * @param queue The queue.
   * @returns Its entries.
   * @throws {QueueNotFoundError} If the queue is unknown or its directory is
   * missing.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * const first = await spool.enqueue("q", 1, new Uint8Array());
   * const second = await spool.enqueue("q", 2, new Uint8Array());
   * const entries = await spool.list("q");
   * assert.deepEqual(entries.map((e) => e.name), [first.name, second.name]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  list(queue: Q): Promise<Entry<Q, M, D, I>[]>;
  /**
   * An entry of `queue` by name, without validation and without I/O; the
   * name is checked when the entry is used.
   *
   * @param queue The queue.
   * @param name The entry name.
   * @returns The entry.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   *
   * const spool = Spool.loadUnsafe("/var/spool/app", { queues: ["jobs"] });
   * const entry = spool.entry("jobs", "01JB8W3ZQ2M8X5K7T9V0C4N6PR");
   * assert.equal(entry.name, "01JB8W3ZQ2M8X5K7T9V0C4N6PR");
   * assert.equal(entry.spool, spool);
   * ```
   */
  entry(queue: Q, name: string): Entry<Q, M, D, I>;
  /**
   * Checks `entry` out, hands its metadata and payload to `f`, and saves or
   * removes the entry as `f` decides; returns `f`'s `result`. If `f` throws,
   * the entry goes back to its queue unchanged and the error is rethrown.
   *
   * @typeParam R What `f` hands back as `result`.
   * @param entry The entry; you expect to be its only consumer.
   * @param f Handles the entry.
   * @returns The `result` of `f`'s outcome.
   * @throws {EntryNotFoundError} If the entry is gone (taken or removed).
   * @throws {NotDueError} If it waits for a due time still ahead.
   * @throws {DecodeError} If its metadata cannot be decoded (the entry is
   * put back).
   * @throws {TypeError} If `f` returns something that is not an outcome (the
   * entry is put back).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { jsonMetadata, Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, {
   *   queues: ["q"],
   *   metadata: jsonMetadata<{ n: number }>(),
   * });
   * const entry = await spool.enqueue("q", { n: 20 }, new Uint8Array());
   * const doubled: number = await spool.withEntry(entry, (m) => ({
   *   action: "remove",
   *   result: m.n * 2,
   * }));
   * assert.equal(doubled, 40);
   * assert.deepEqual(await spool.list("q"), []);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  withEntry<R = undefined>(
    entry: Entry<Q, M, D, I>,
    f: EntryHandler<Q, M, D, R>,
  ): Promise<R>;
  /**
   * Like {@linkcode Spool.withEntry}, for callers that expect to race with
   * other consumers: an entry that is gone (or not due yet) is reported as
   * `{ found: false }`.
   *
   * @typeParam R What `f` hands back as `result`.
   * @param entry The entry.
   * @param f Handles the entry.
   * @returns `{ found: true, result }`, or `{ found: false }` if the entry
   * was gone.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * const entry = spool.entry("q", "taken-by-someone-else");
   * const outcome = await spool.tryWithEntry(entry, () => ({ action: "remove" }));
   * assert.deepEqual(outcome, { found: false });
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  tryWithEntry<R = undefined>(
    entry: Entry<Q, M, D, I>,
    f: EntryHandler<Q, M, D, R>,
  ): Promise<{ found: true; result: R } | { found: false }>;
  /**
   * A reader of `queue`: waits for entries (with `Deno.watchFs`, or by
   * polling) and checks them out in name order. Close it when done, or use
   * `await using`. On a spool shared by several hosts, give it a
   * `pollIntervalMs`: watch events tell only of this host's changes.
   *
   * @param queue The queue to consume.
   * @param options Polling interval, watching, and where problems go.
   * @returns The reader; it opens its watcher on the first wait.
   * @throws {QueueNotFoundError} If `queue` is not a queue of the spool.
   * @throws {RangeError} If `pollIntervalMs` or `spread` is out of range.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * await spool.enqueue("q", "first", new Uint8Array());
   * await using reader = spool.reader("q", { pollIntervalMs: 5000 });
   * const job = await reader.dequeue();
   * assert.equal(job?.metadata, "first");
   * await job?.remove();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  reader(queue: Q, options?: ReaderOptions<Q>): QueueReader<Q, M, D>;
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
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const enqueued = await spool.enqueue("q", {}, new Uint8Array());
 * const [entry] = await spool.list("q");
 * assert.equal(entry.queue, "q");
 * assert.equal(entry.name, enqueued.name);
 * assert.ok((await entry.stat()).mtime instanceof Date); // when it last moved
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

/**
 * The type of the {@linkcode Spool} value: how spools are opened.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool, type SpoolConstructor } from "@multispool/multispool";
 *
 * const open: SpoolConstructor["load"] = Spool.load;
 * assert.equal(typeof open, "function");
 * ```
 */
export interface SpoolConstructor {
  /**
   * Opens the spool in `dir`, creating the directory and whatever is missing
   * (the same as {@linkcode SpoolConstructor.load} with `createIfMissing`).
   * A non-empty directory that is not a spool is refused.
   *
   * @typeParam Q The queue names, inferred from `spoolable.queues`.
   * @typeParam M The metadata type, inferred from the codec.
   * @typeParam D The payload type, inferred from the codec.
   * @typeParam I The name generator's input type.
   * @param dir The spool directory.
   * @param spoolable The queues, codecs and names.
   * @param options Durability.
   * @returns The open spool.
   * @throws {NotASpoolError} If `dir` is a file or a non-empty non-spool.
   * @throws {InvalidNameError} If a queue name is invalid.
   * @throws {PermissionError} If the process may not read or write `dir`.
   * @throws {RangeError} If a queue is listed twice or an option is out of
   * range.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["jobs"] });
   * assert.equal(spool.dir, dir);
   * assert.ok((await Deno.stat(`${dir}/jobs/.checkout`)).isDirectory);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  create<
    const Q extends string,
    M = unknown,
    D = Uint8Array,
    I = string | undefined,
  >(
    dir: string,
    spoolable: Spoolable<Q, M, D, I>,
    options?: SpoolOptions,
  ): Promise<Spool<Q, M, D, I>>;
  /**
   * Opens the existing spool in `dir`, checking that it is a spool and has
   * a directory (with its `.checkout/`) for every queue.
   *
   * @typeParam Q The queue names, inferred from `spoolable.queues`.
   * @typeParam M The metadata type, inferred from the codec.
   * @typeParam D The payload type, inferred from the codec.
   * @typeParam I The name generator's input type.
   * @param dir The spool directory.
   * @param spoolable The queues, codecs and names.
   * @param options Durability, and whether to create what is missing.
   * @returns The open spool.
   * @throws {NotASpoolError} If `dir` is missing or not a spool.
   * @throws {QueueNotFoundError} If a queue directory is missing.
   * @throws {InvalidNameError} If a queue name is invalid.
   * @throws {PermissionError} If the process may not read `dir`.
   * @throws {RangeError} If a queue is listed twice or an option is out of
   * range.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { QueueNotFoundError, Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * await Spool.create(dir, { queues: ["jobs"] });
   * const spool = await Spool.load(dir, { queues: ["jobs"] }, {
   *   durability: "relaxed",
   * });
   * assert.deepEqual(await spool.list("jobs"), []);
   * await assert.rejects(
   *   Spool.load(dir, { queues: ["jobs", "other"] }),
   *   QueueNotFoundError,
   * );
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  load<
    const Q extends string,
    M = unknown,
    D = Uint8Array,
    I = string | undefined,
  >(
    dir: string,
    spoolable: Spoolable<Q, M, D, I>,
    options?: LoadOptions,
  ): Promise<Spool<Q, M, D, I>>;
  /**
   * Opens `dir` as a spool without looking at the disk at all. Queue names
   * are still checked. Operations fail later if the directory is not a
   * spool.
   *
   * @typeParam Q The queue names, inferred from `spoolable.queues`.
   * @typeParam M The metadata type, inferred from the codec.
   * @typeParam D The payload type, inferred from the codec.
   * @typeParam I The name generator's input type.
   * @param dir The spool directory.
   * @param spoolable The queues, codecs and names.
   * @param options Durability.
   * @returns The spool.
   * @throws {InvalidNameError} If a queue name is invalid.
   * @throws {RangeError} If a queue is listed twice or an option is out of
   * range.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   *
   * const spool = Spool.loadUnsafe("/var/spool/app", { queues: ["jobs"] });
   * assert.equal(spool.dir, "/var/spool/app");
   * assert.deepEqual(spool.queues, ["jobs"]);
   * ```
   */
  loadUnsafe<
    const Q extends string,
    M = unknown,
    D = Uint8Array,
    I = string | undefined,
  >(
    dir: string,
    spoolable: Spoolable<Q, M, D, I>,
    options?: SpoolOptions,
  ): Spool<Q, M, D, I>;
  /**
   * The queues of the spool in `dir`, as found on disk: its directories
   * that hold a `.checkout/`. For tools that work on any spool.
   *
   * @param dir The spool directory.
   * @returns The queue names, sorted.
   * @throws {NotASpoolError} If `dir` is missing or not a spool.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * await Spool.create(dir, { queues: ["b", "a"] });
   * const queues = await Spool.findQueues(dir);
   * assert.deepEqual(queues, ["a", "b"]);
   * const spool = await Spool.load(dir, { queues });
   * assert.deepEqual(spool.queues, ["a", "b"]);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  findQueues(dir: string): Promise<string[]>;
}

// How objects with private constructors are made, here and everywhere in
// the library: a public shape is an interface (documented apart from the
// code, like the original's `_intf.ml`), and the library's implementation
// of it is a class that no entry point exports, so its constructor is
// private by construction and needs no escape hatch. Where users open
// something themselves (`Spool`, `Monitor`), a value of the same name holds
// the factories, typed by a `...Constructor` interface: the pattern of
// TypeScript's own `Array` and `ArrayConstructor`. So `Spool.create(...)` and
// the type `Spool<Q, M, D, I>` both work, and the value and the interface
// must be declared in the same module to merge.

/**
 * Opens spools: `Spool.create`, `Spool.load`, `Spool.loadUnsafe` and
 * `Spool.findQueues`. `Spool` is also the type of what they open.
 */
export const Spool: SpoolConstructor = {
  create: (dir, spoolable, options = {}) =>
    openSpool(realFileSystem, dir, spoolable, {
      ...options,
      createIfMissing: true,
    }),
  load: (dir, spoolable, options = {}) =>
    openSpool(realFileSystem, dir, spoolable, options),
  loadUnsafe: (dir, spoolable, options = {}) =>
    new SpoolImpl(
      createCore(realFileSystem, dir, spoolable, options, "load spool"),
    ),
  findQueues: (dir) => protocol.findQueues(realFileSystem, dir),
};

/**
 * Opens a spool whose file-system effects go through `fs`: the seam for
 * fault-injection tests. Not exported from an entry point.
 */
export async function openSpool<Q extends string, M, D, I>(
  fs: FileSystem,
  dir: string,
  spoolable: Spoolable<Q, M, D, I>,
  options: LoadOptions = {},
): Promise<Spool<Q, M, D, I>> {
  const createIfMissing = options.createIfMissing ?? false;
  const operation = createIfMissing ? "create spool" : "load spool";
  const core = createCore(fs, dir, spoolable, options, operation);
  await protocol.openSpoolDir(core.disk, core.queues, createIfMissing);
  return new SpoolImpl(core);
}

/**
 * The shared state behind a spool, for the expert functions.
 *
 * @throws {TypeError} If `spool` was not opened by this library.
 */
export function spoolCore<Q extends string, M, D, I>(
  spool: Spool<Q, M, D, I>,
  operation: string,
): SpoolCore<Q, M, D, I> {
  return SpoolImpl.coreOf(spool, operation);
}

const MAX_NAME_ATTEMPTS = 1000;

/** The library's {@linkcode Spool}; internal (see the comment above). */
class SpoolImpl<Q extends string, M, D, I> implements Spool<Q, M, D, I> {
  readonly #core: SpoolCore<Q, M, D, I>;

  /** @param core The spool's shared state, checked and opened. */
  constructor(core: SpoolCore<Q, M, D, I>) {
    this.#core = core;
  }

  /** The core of a spool opened by this library, or a `TypeError`. */
  static coreOf<Q extends string, M, D, I>(
    spool: Spool<Q, M, D, I>,
    operation: string,
  ): SpoolCore<Q, M, D, I> {
    if (!(spool instanceof SpoolImpl)) {
      throw new TypeError(
        `Cannot ${operation} as 'spool' must be a spool opened by Spool.create, Spool.load or Spool.loadUnsafe: received ${
          spool === null ? "null" : typeof spool
        }`,
      );
    }
    return spool.#core;
  }

  get dir(): string {
    return this.#core.dir;
  }

  get queues(): readonly Q[] {
    return this.#core.queues;
  }

  async reserveName(input: I): Promise<string> {
    await Promise.resolve();
    return await this.#reserve(input);
  }

  async #reserve(input: I): Promise<string> {
    const core = this.#core;
    const operation = "reserve name";
    for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
      const name = core.names.next(input, attempt);
      validateName(name, "entry", operation, core.dir);
      if (await protocol.reserve(core.disk, name)) return name;
    }
    throw new SpoolError(
      `the name generator gave ${MAX_NAME_ATTEMPTS} names that were all taken`,
      { operation, path: core.disk.layout.registryDir },
    );
  }

  async enqueue(
    queue: Q,
    metadata: M,
    data: D,
    options: EnqueueOptions<I> = {},
  ): Promise<Entry<Q, M, D, I>> {
    const core = this.#core;
    const operation = "enqueue entry";
    core.checkQueue(queue, operation);
    // Producers that never wait (relaxed durability makes no real I/O
    // wait) must not starve their process: a turn is given when due.
    await shareLoop();
    if (options.use !== undefined && options.reserve !== undefined) {
      throw new TypeError(
        message(
          operation,
          "use",
          "left out when 'reserve' is given",
          options.use,
        ),
      );
    }
    const due = dueTime(core.disk, options, operation);
    const queueDir = core.disk.layout.queueDir(queue);
    const text = core.encodeMetadata(metadata, operation, queueDir);
    const content = await core.encodeData(data, operation, queueDir);
    let entryName: string;
    let reservedEarlier: boolean;
    // Before any change: a flush of the registry directory that fails
    // after the name is reserved fails this enqueue too.
    const since = core.disk.mark();
    if (options.use !== undefined) {
      core.checkName(options.use, operation);
      entryName = options.use;
      reservedEarlier = true;
    } else {
      entryName = await this.#reserve(options.reserve as I);
      reservedEarlier = false;
    }
    await protocol.publish(
      core.disk,
      queue,
      entryName,
      text,
      content,
      reservedEarlier,
      due,
      since,
    );
    return this.entry(queue, entryName);
  }

  async enqueueMany(
    queue: Q,
    items: readonly EnqueueItem<M, D, I>[],
  ): Promise<Entry<Q, M, D, I>[]> {
    const core = this.#core;
    const operation = "enqueue entries";
    core.checkQueue(queue, operation);
    await shareLoop();
    const queueDir = core.disk.layout.queueDir(queue);
    // Everything that can be refused is, before anything is written.
    const prepared = await Promise.all(items.map(async (item) => ({
      metadata: core.encodeMetadata(item.metadata, operation, queueDir),
      data: await core.encodeData(item.data, operation, queueDir),
      due: dueTime(core.disk, item, operation),
    })));
    const names: string[] = [];
    // Before any change (see enqueue).
    const since = core.disk.mark();
    try {
      for (const item of items) {
        names.push(await this.#reserve(item.reserve as I));
      }
    } catch (error) {
      for (const name of names) protocol.unreserve(core.disk, name);
      throw error;
    }
    await protocol.publishMany(
      core.disk,
      queue,
      prepared.map((item, i) => ({ name: names[i], ...item })),
      since,
    );
    return names.map((name) => this.entry(queue, name));
  }

  async list(queue: Q): Promise<Entry<Q, M, D, I>[]> {
    this.#core.checkQueue(queue, "list queue");
    const names = await protocol.listQueue(this.#core.disk, queue);
    return names.map((name) => this.entry(queue, name));
  }

  entry(queue: Q, name: string): Entry<Q, M, D, I> {
    return new EntryImpl(this, this.#core, queue, name);
  }

  async withEntry<R = undefined>(
    entry: Entry<Q, M, D, I>,
    f: EntryHandler<Q, M, D, R>,
  ): Promise<R> {
    const checkedOut = await checkout(this.#core, entry.queue, entry.name);
    // Without a policy, a failure is thrown: a result always comes back.
    return await handleCheckedOut(checkedOut, f) as R;
  }

  async tryWithEntry<R = undefined>(
    entry: Entry<Q, M, D, I>,
    f: EntryHandler<Q, M, D, R>,
  ): Promise<{ found: true; result: R } | { found: false }> {
    const checkedOut = await tryCheckout(this.#core, entry.queue, entry.name);
    if (checkedOut === undefined) return { found: false };
    const result = await handleCheckedOut(checkedOut, f) as R;
    return { found: true, result };
  }

  reader(queue: Q, options: ReaderOptions<Q> = {}): QueueReader<Q, M, D> {
    this.#core.checkQueue(queue, "open reader");
    return new QueueReaderImpl(this.#core, queue, options);
  }
}

/** The library's {@linkcode Entry}; internal (see the comment above). */
class EntryImpl<Q extends string, M, D, I> implements Entry<Q, M, D, I> {
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
    return new DirectEntryImpl(this.#core, this.queue, this.name);
  }
}

/**
 * A spool over a core made already: operators' tools open a spool again
 * when its queues change on disk, keeping its disk and clock. Internal.
 */
export function spoolOfCore<Q extends string, M, D, I>(
  core: SpoolCore<Q, M, D, I>,
): Spool<Q, M, D, I> {
  return new SpoolImpl(core);
}
