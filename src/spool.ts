/**
 * The spool: a directory of queues shared by any number of processes.
 *
 * @module
 */

import { DEFAULT_IO_CONCURRENCY, SpoolCore } from "./core.ts";
import { type Entry, EntryImpl } from "./entry.ts";
import { SpoolError } from "./errors.ts";
import { type FileSystem, realFileSystem } from "./fs.ts";
import { validateName } from "./names.ts";
import * as protocol from "./protocol/mod.ts";
import type { LoadOptions, NameChoice, SpoolOptions } from "./spool_options.ts";
import type { Spoolable } from "./spoolable.ts";
import {
  type QueueReader,
  QueueReaderImpl,
  type ReaderOptions,
} from "./reader.ts";
import { type EntryHandler, handleCheckedOut } from "./outcome.ts";

export type {
  Durability,
  LoadOptions,
  NameChoice,
  SpoolOptions,
} from "./spool_options.ts";
export type { EntryHandler, Outcome, OutcomeWithResult } from "./outcome.ts";

let construct: <Q extends string, M, D, I>(
  core: SpoolCore<Q, M, D, I>,
) => Spool<Q, M, D, I>;
let coreOf: <Q extends string, M, D, I>(
  spool: Spool<Q, M, D, I>,
) => SpoolCore<Q, M, D, I>;

/**
 * The shared state behind a spool, for the expert functions. Not exported
 * from an entry point.
 */
export function spoolCore<Q extends string, M, D, I>(
  spool: Spool<Q, M, D, I>,
): SpoolCore<Q, M, D, I> {
  return coreOf(spool);
}

/**
 * A spool: a directory of queues that separate processes share through the
 * file system's atomic operations (create-exclusive, rename), in the style
 * of Maildir. Producers {@linkcode enqueue}; consumers check entries out,
 * exclusively, and save them to a queue or remove them.
 *
 * @typeParam Q The queue names.
 * @typeParam M The metadata type.
 * @typeParam D The payload type.
 * @typeParam I The name generator's input type.
 *
 * @example Produce and consume
 * ```ts
 * import { Spool, textData } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, {
 *   queues: ["incoming", "done"],
 *   data: textData,
 * });
 * await spool.enqueue("incoming", { from: "cron" }, "hello");
 * for (const entry of await spool.list("incoming")) {
 *   await spool.withEntry(entry, async (metadata, data) => {
 *     console.log(metadata, await data.load());
 *     return { action: "save", queue: "done" };
 *   });
 * }
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class Spool<Q extends string, M, D, I = string | undefined> {
  static {
    construct = (core) => new Spool(core);
    coreOf = (spool) => spool.#core;
  }

  readonly #core: SpoolCore<Q, M, D, I>;

  private constructor(core: SpoolCore<Q, M, D, I>) {
    this.#core = core;
  }

  /**
   * Opens the spool in `dir`, creating the directory and whatever is missing
   * (the same as {@linkcode Spool.load} with `createIfMissing`). A non-empty
   * directory that is not a spool is refused.
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
   *
   * @example
   * ```ts
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["jobs"] });
   * console.log(spool.dir === dir);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static create<
    const Q extends string,
    M = unknown,
    D = Uint8Array,
    I = string | undefined,
  >(
    dir: string,
    spoolable: Spoolable<Q, M, D, I>,
    options: SpoolOptions = {},
  ): Promise<Spool<Q, M, D, I>> {
    return Spool.load(dir, spoolable, { ...options, createIfMissing: true });
  }

  /**
   * Opens the existing spool in `dir`, checking that it is a spool and has a
   * directory (with its `.checkout/`) for every queue.
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
   *
   * @example
   * ```ts
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * await Spool.create(dir, { queues: ["jobs"] });
   * const spool = await Spool.load(dir, { queues: ["jobs"] }, {
   *   durability: "relaxed",
   * });
   * console.log(await spool.list("jobs"));
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async load<
    const Q extends string,
    M = unknown,
    D = Uint8Array,
    I = string | undefined,
  >(
    dir: string,
    spoolable: Spoolable<Q, M, D, I>,
    options: LoadOptions = {},
  ): Promise<Spool<Q, M, D, I>> {
    return await openSpool(realFileSystem, dir, spoolable, options);
  }

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
   *
   * @example
   * ```ts
   * import { Spool } from "@multispool/multispool";
   *
   * const spool = Spool.loadUnsafe("/var/spool/app", { queues: ["jobs"] });
   * console.log(spool.dir);
   * ```
   */
  static loadUnsafe<
    const Q extends string,
    M = unknown,
    D = Uint8Array,
    I = string | undefined,
  >(
    dir: string,
    spoolable: Spoolable<Q, M, D, I>,
    options: SpoolOptions = {},
  ): Spool<Q, M, D, I> {
    return makeSpool(realFileSystem, dir, spoolable, options, "load spool");
  }

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
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * await Spool.create(dir, { queues: ["b", "a"] });
   * const queues = await Spool.findQueues(dir);
   * console.log(queues); // ["a", "b"]
   * const spool = await Spool.load(dir, { queues });
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  static async findQueues(dir: string): Promise<string[]> {
    const disk = new protocol.Disk(dir, {
      fs: realFileSystem,
      durability: "relaxed",
      ioConcurrency: 1,
    });
    await protocol.openSpoolDir(disk, [], false, "find queues");
    return protocol.discoverQueues(disk);
  }

  /** The spool directory, as given when it was opened. */
  get dir(): string {
    return this.#core.dir;
  }

  /** The queue names. */
  get queues(): readonly Q[] {
    return this.#core.queues;
  }

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
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * const name = await spool.reserveName("order-");
   * await spool.enqueue("q", {}, new Uint8Array(), { use: name });
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  reserveName(input: I): Promise<string> {
    return Promise.resolve().then(() => this.#reserve(input));
  }

  #reserve(input: I): string {
    const core = this.#core;
    const operation = "reserve name";
    for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
      const name = core.names.next(input, attempt);
      validateName(name, "entry", operation, core.dir);
      if (protocol.reserve(core.disk, name)) return name;
    }
    throw new SpoolError(
      `the name generator gave ${MAX_NAME_ATTEMPTS} names that were all taken`,
      { operation, path: core.disk.layout.registryDir },
    );
  }

  /**
   * Adds an entry to `queue`. The payload and metadata are written and (in
   * strict durability) flushed before one rename makes the entry visible, so
   * consumers never see half an entry. On failure everything written is
   * removed again and the original error is thrown.
   *
   * @param queue The queue to put the entry in.
   * @param metadata The entry's metadata.
   * @param data The entry's payload.
   * @param name `{ reserve: input }` to reserve a name now (the default,
   * with `input` undefined), or `{ use: name }` for a name reserved earlier.
   * @returns The new entry.
   * @throws {QueueNotFoundError} If `queue` is not a queue of the spool.
   * @throws {NameNotReservedError} If a `use` name has no registry file.
   * @throws {NameInUseError} If a `use` name already carries an entry.
   * @throws {EncodeError} If a codec rejects the metadata or payload.
   * @throws {DiskFullError} If the file system is full.
   *
   * @example
   * ```ts
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * const entry = await spool.enqueue("q", { kind: "ping" }, new Uint8Array(), {
   *   reserve: "ping-",
   * });
   * console.log(entry.name.startsWith("ping-"));
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async enqueue(
    queue: Q,
    metadata: M,
    data: D,
    name?: NameChoice<I>,
  ): Promise<Entry<Q, M, D, I>> {
    const core = this.#core;
    const operation = "enqueue entry";
    core.checkQueue(queue, operation);
    const queueDir = core.disk.layout.queueDir(queue);
    const text = core.encodeMetadata(metadata, operation, queueDir);
    const content = await core.encodeData(data, operation, queueDir);
    let entryName: string;
    let reservedEarlier: boolean;
    if (name !== undefined && "use" in name) {
      core.checkName(name.use, operation);
      entryName = name.use;
      reservedEarlier = true;
    } else {
      entryName = this.#reserve(name?.reserve as I);
      reservedEarlier = false;
    }
    await protocol.publish(
      core.disk,
      queue,
      entryName,
      text,
      content,
      reservedEarlier,
    );
    return this.entry(queue, entryName);
  }

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
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * await spool.enqueue("q", 1, new Uint8Array());
   * await spool.enqueue("q", 2, new Uint8Array());
   * const entries = await spool.list("q");
   * console.log(entries.map((e) => e.name));
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async list(queue: Q): Promise<Entry<Q, M, D, I>[]> {
    this.#core.checkQueue(queue, "list queue");
    return (await protocol.listQueue(this.#core.disk, queue)).map((name) =>
      this.entry(queue, name)
    );
  }

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
   * import { Spool } from "@multispool/multispool";
   *
   * const spool = Spool.loadUnsafe("/var/spool/app", { queues: ["jobs"] });
   * const entry = spool.entry("jobs", "01JB8W3ZQ2M8X5K7T9V0C4N6PR");
   * console.log(entry.name);
   * ```
   */
  entry(queue: Q, name: string): Entry<Q, M, D, I> {
    return new EntryImpl(this, this.#core, queue, name);
  }

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
   * @throws {DecodeError} If its metadata cannot be decoded (the entry is
   * put back).
   *
   * @example
   * ```ts
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
   * console.log(doubled); // 40
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async withEntry<R = undefined>(
    entry: Entry<Q, M, D, I>,
    f: EntryHandler<Q, M, D, R>,
  ): Promise<R> {
    return await handleCheckedOut(
      await this.#core.checkout(entry.queue, entry.name),
      f,
    );
  }

  /**
   * Like {@linkcode withEntry}, for callers that expect to race with other
   * consumers: an entry that is gone is reported as `{ found: false }`.
   *
   * @typeParam R What `f` hands back as `result`.
   * @param entry The entry.
   * @param f Handles the entry.
   * @returns `{ found: true, result }`, or `{ found: false }` if the entry
   * was gone.
   *
   * @example
   * ```ts
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * const entry = spool.entry("q", "taken-by-someone-else");
   * const outcome = await spool.tryWithEntry(entry, () => ({ action: "remove" }));
   * console.log(outcome.found); // false
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  async tryWithEntry<R = undefined>(
    entry: Entry<Q, M, D, I>,
    f: EntryHandler<Q, M, D, R>,
  ): Promise<{ found: true; result: R } | { found: false }> {
    const checkedOut = await this.#core.tryCheckout(entry.queue, entry.name);
    if (checkedOut === undefined) return { found: false };
    return { found: true, result: await handleCheckedOut(checkedOut, f) };
  }

  /**
   * A reader of `queue`: waits for entries (with `Deno.watchFs`, or by
   * polling) and checks them out in name order. Close it when done, or use
   * `await using`.
   *
   * @param queue The queue to consume.
   * @param options Polling interval, watching, and where problems go.
   * @returns The reader; it opens its watcher on the first wait.
   * @throws {QueueNotFoundError} If `queue` is not a queue of the spool.
   *
   * @example
   * ```ts
   * import { Spool } from "@multispool/multispool";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["q"] });
   * await spool.enqueue("q", "first", new Uint8Array());
   * await using reader = spool.reader("q", { pollIntervalMs: 5000 });
   * const job = await reader.dequeue();
   * console.log(job?.metadata); // "first"
   * await job?.remove();
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  reader(queue: Q, options: ReaderOptions = {}): QueueReader<Q, M, D> {
    this.#core.checkQueue(queue, "open reader");
    return new QueueReaderImpl(this.#core, queue, options);
  }
}

const MAX_NAME_ATTEMPTS = 1000;

function makeSpool<Q extends string, M, D, I>(
  fs: FileSystem,
  dir: string,
  spoolable: Spoolable<Q, M, D, I>,
  options: SpoolOptions,
  operation: string,
): Spool<Q, M, D, I> {
  if (typeof dir !== "string" || dir.length === 0) {
    throw new SpoolError("the spool directory must be a non-empty path", {
      operation,
      path: String(dir),
    });
  }
  const seen = new Set<string>();
  for (const queue of spoolable.queues) {
    validateName(queue, "queue", operation, dir);
    if (seen.has(queue)) {
      throw new SpoolError(`queue ${JSON.stringify(queue)} is listed twice`, {
        operation,
        path: dir,
      });
    }
    seen.add(queue);
  }
  const io = spoolable.ioConcurrency ?? DEFAULT_IO_CONCURRENCY;
  if (!Number.isInteger(io) || io < 1) {
    throw new SpoolError(
      `ioConcurrency must be a positive integer, got ${io}`,
      { operation, path: dir },
    );
  }
  const durability = options.durability ?? "strict";
  if (durability !== "strict" && durability !== "relaxed") {
    throw new SpoolError(
      `durability must be "strict" or "relaxed", got ${
        JSON.stringify(durability)
      }`,
      { operation, path: dir },
    );
  }
  const disk = new protocol.Disk(dir, { fs, durability, ioConcurrency: io });
  return construct(new SpoolCore(disk, spoolable));
}

/**
 * Opens a spool whose file-system effects go through `fs`: the seam for
 * fault-injection tests. Not exported from `mod.ts`.
 */
export async function openSpool<Q extends string, M, D, I>(
  fs: FileSystem,
  dir: string,
  spoolable: Spoolable<Q, M, D, I>,
  options: LoadOptions = {},
): Promise<Spool<Q, M, D, I>> {
  const createIfMissing = options.createIfMissing ?? false;
  const operation = createIfMissing ? "create spool" : "load spool";
  const spool = makeSpool(fs, dir, spoolable, options, operation);
  await protocol.openSpoolDir(
    coreOf(spool).disk,
    spoolable.queues,
    createIfMissing,
  );
  return spool;
}
