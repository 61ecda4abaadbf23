/**
 * The operator's view of a spool, under both the command line and the
 * dashboard: any spool, whatever its codecs (metadata is the text stored,
 * payloads are bytes), its queues found on disk.
 *
 * @module
 */

import type { DataCodec, MetadataCodec } from "../codecs.ts";
import { SpoolCore } from "../core.ts";
import type { DataFile } from "../data_file.ts";
import { DataFileImpl } from "../data_file.ts";
import { type FileSystem, realFileSystem } from "../fs.ts";
import { validateName } from "../names.ts";
import * as protocol from "../protocol/mod.ts";
import { openSpool, type Spool, spoolCore, spoolOfCore } from "../spool.ts";
import type { Durability, QuickCallsPlace } from "../spool_options.ts";
import type { ActionReport, OperatorAction, RawData } from "./actions.ts";
import {
  type ActionTarget,
  type ActOptions,
  locate,
  runAction,
} from "./bulk.ts";
import {
  describeEntry,
  type EntryDetails,
  type EntryInfo,
  type EntryState,
} from "./entry_info.ts";
import { listEntries, type ListOptions } from "./listing.ts";
import { type EntryPage, pageOf, type PageRequest } from "./page.ts";
import { type Preview, readPreview } from "./preview.ts";
import { fieldPath } from "./metadata.ts";
import { type GroupShape, measureShapes, type QueueShape } from "./shapes.ts";

/** Metadata as the stored text, unchanged. */
const rawText: MetadataCodec<string> = {
  encode: (text) => text,
  decode: (text) => text,
};

/** Payloads as bytes, written from bytes or streams. */
const rawData: DataCodec<RawData> = {
  encode: (value) => value,
  decode: (bytes) => bytes,
};

/**
 * Options of {@linkcode OperatorSpool.open}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { OperatorOptions } from "@multispool/multispool/operator";
 *
 * // Under a server's own requests: no read of an entry holds the loop.
 * const options: OperatorOptions = { quickCalls: "threadPool" };
 * assert.equal(options.quickCalls, "threadPool");
 * ```
 */
export interface OperatorOptions {
  /**
   * The durability of the changes made through it (see `SpoolOptions`).
   *
   * @default {"strict"}
   */
  durability?: Durability;
  /**
   * Where its looks at entries make their reads (see
   * `SpoolOptions.quickCalls`): the metadata and history each listing,
   * page, search, find and measure by field reads, and the calls of its
   * actions. A first read of a file just written waits now and then for
   * the journal to write its access time, and in line the event loop waits
   * with it (tens of milliseconds, a tenth of a second at times).
   * `"threadPool"` is for a process that serves other requests (the
   * dashboard in an application's server): a page or an entry costs the
   * same, but a walk that reads every entry of a queue (a search by error
   * or field, a listing of all) takes about four times longer. Stats stay
   * in line wherever the reads go: a stat waits for no journal, so a
   * queue's shape costs the same.
   *
   * @default {"auto"}
   */
  quickCalls?: QuickCallsPlace;
}

/** One checkout, as a read-only listing shows it. */
export interface CheckoutInfo {
  /** The entry. */
  name: string;
  /** The queue it was checked out of. */
  queue: string;
  /** How long ago it was checked out (or last touched by its consumer). */
  ageMs: number;
}

/**
 * The operator's view of a spool: describe its queues and entries, find
 * an entry by name, list and page through a queue with filters, preview a
 * payload, and act on entries one by one or in bulk (move, hold, release,
 * retry with a fresh start, remove, make due), with a dry run first. Every
 * action goes through the library's protocol and races correctly with the
 * spool's producers and consumers.
 *
 * @example Find a dead letter by name and retry it
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { OperatorSpool } from "@multispool/multispool/operator";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["jobs", "dead"] });
 * const entry = await spool.enqueue("jobs", {}, new Uint8Array());
 * await using reader = spool.reader("jobs", {
 *   retry: { maxAttempts: 1, deadLetter: "dead" },
 * });
 * await reader.iterAvailable(() => {
 *   throw new Error("smtp: 451 try later");
 * });
 * const operator = await OperatorSpool.open(dir);
 * const found = await operator.find(entry.name);
 * assert.equal(found?.queue, "dead");
 * assert.equal(found?.lastError?.message, "Error: smtp: 451 try later");
 * const report = await operator.act({ names: [entry.name] }, { kind: "retry" });
 * assert.deepEqual(report.done.map((d) => [d.from, d.to]), [["dead", "jobs"]]);
 * assert.equal((await operator.find(entry.name))?.attempts, 0);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface OperatorSpool {
  /** The spool directory. */
  readonly dir: string;
  /** The queues, as found on disk when opened or last refreshed. */
  readonly queues: readonly string[];
  /**
   * The spool itself, with metadata as text and payloads as bytes (or
   * streams, to enqueue), over the queues found.
   */
  readonly spool: Spool<string, string, RawData, unknown>;
  /** Now, on the clock of the spool's file system (ages are measured on it). */
  now(): Date;
  /**
   * Finds the queues on disk again (another process may have made one).
   *
   * @throws {NotASpoolError} If the spool directory has gone.
   */
  refresh(): Promise<void>;
  /**
   * Adds a queue to the spool (a held queue, say), if it is not there.
   *
   * @throws {InvalidNameError} If `queue` cannot be a queue's name.
   */
  addQueue(queue: string): Promise<void>;
  /**
   * Measures the queues (all, or `options.queues`): depth, ages and age
   * buckets, as Postfix's qshape does.
   *
   * @throws {QueueNotFoundError} If a queue asked for is not there.
   */
  shapes(options?: ShapeOptions): Promise<QueueShape[]>;
  /**
   * Measures the queues per value of the metadata field `field` (a dotted
   * path: `to.domain`), qshape's per-domain view: one shape per queue and
   * value, the values with the most entries first.
   *
   * @throws {SyntaxError} If `field` is not a field path.
   */
  groupShapes(field: string, options?: ShapeOptions): Promise<GroupShape[]>;
  /**
   * The entries of `queue` that pass the filter, in name order, read one
   * at a time as they are handed out.
   *
   * @throws {QueueNotFoundError} If `queue` is not a queue of the spool.
   */
  entries(queue: string, options?: ListOptions): AsyncGenerator<EntryInfo>;
  /**
   * The names of the entries waiting in `queue` (or, with `state:
   * "checked out"`, checked out of it), sorted: one directory read, no
   * entry read. What a sampler compares from one look to the next.
   *
   * @throws {QueueNotFoundError} If `queue` is not a queue of the spool.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { Spool } from "@multispool/multispool";
   * import { OperatorSpool } from "@multispool/multispool/operator";
   *
   * const dir = await Deno.makeTempDir();
   * const spool = await Spool.create(dir, { queues: ["jobs"] });
   * const a = await spool.enqueue("jobs", {}, new Uint8Array());
   * const b = await spool.enqueue("jobs", {}, new Uint8Array());
   * const operator = await OperatorSpool.open(dir);
   * assert.deepEqual(await operator.names("jobs"), [a.name, b.name]);
   * assert.deepEqual(await operator.names("jobs", { state: "checked out" }), []);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  names(queue: string, options?: { state?: EntryState }): Promise<string[]>;
  /**
   * A page of the entries of `queue`: `size` entries after or before a
   * name, at a position or a name, the last ones, or the first. Only the
   * page's names are held, whatever the queue's length.
   *
   * @throws {QueueNotFoundError} If `queue` is not a queue of the spool.
   * @throws {RangeError} If `size` is not a positive integer.
   */
  page(queue: string, request: PageRequest, size: number): Promise<EntryPage>;
  /**
   * Finds entry `name` wherever it is, waiting or checked out, in any
   * queue (names are unique in a spool), as Postfix's `postcat -q ID`
   * does; `queue` limits the search to one queue.
   *
   * @returns The entry, or undefined if it is not in the spool.
   * @throws {InvalidNameError} If `name` cannot be an entry's name.
   */
  find(name: string, queue?: string): Promise<EntryInfo | undefined>;
  /**
   * Entry `name` in full (with its history), wherever it is, or in
   * `queue`; undefined if it is not there.
   *
   * @throws {InvalidNameError} If `name` cannot be an entry's name.
   * @throws {DecodeError} If its metadata file is not a regular file.
   */
  details(name: string, queue?: string): Promise<EntryDetails | undefined>;
  /** The payload of entry `name`: its size, a stream to read it. */
  payload(name: string): DataFile<Uint8Array>;
  /**
   * A bounded look at the payload of entry `name`: at most `maxBytes` are
   * read, however large it is.
   */
  preview(name: string, maxBytes: number): Promise<Preview>;
  /**
   * The entries checked out of `queue` now and since when: a read-only
   * look, which takes nothing from their consumers.
   *
   * @throws {QueueNotFoundError} If `queue` is not a queue of the spool.
   */
  checkouts(queue: string): Promise<CheckoutInfo[]>;
  /**
   * Watches `queue` for changes made through this host (`Deno.watchFs`):
   * it yields something whenever the queue may have changed, and ends when
   * closed. Another host's changes raise no event: poll too.
   *
   * @throws {QueueNotFoundError} If `queue` is not a queue of the spool,
   * or cannot be watched.
   */
  watch(queue: string): QueueWatch;
  /**
   * Does `action` to the entries named, wherever each is found (see
   * {@linkcode OperatorSpool.actIn} for the entries of one queue).
   */
  act(
    target: { names: readonly string[] },
    action: OperatorAction,
    options?: ActOptions,
  ): Promise<ActionReport>;
  /**
   * Does `action` to the entries of `queue` that `target` names (each
   * must be in `queue`) or picks with a filter (waiting entries only;
   * `{ filter: {} }` for all of them).
   *
   * @throws {QueueNotFoundError} If `queue` is not a queue of the spool.
   */
  actIn(
    queue: string,
    target: ActionTarget,
    action: OperatorAction,
    options?: ActOptions,
  ): Promise<ActionReport>;
}

/** A watch on one queue (see {@linkcode OperatorSpool.watch}). */
export interface QueueWatch extends AsyncIterable<unknown>, Disposable {
  /** Stops watching; the iteration ends. */
  close(): void;
}

/** What {@linkcode OperatorSpool.shapes} measures. */
export interface ShapeOptions {
  /** Only these queues (all by default). */
  queues?: readonly string[];
  /** Stops measuring (it rejects with the signal's reason). */
  signal?: AbortSignal;
}

/** Opens spools for operators: `OperatorSpool.open`. */
export interface OperatorSpoolConstructor {
  /**
   * Opens the spool in `dir`, with the queues found on disk.
   *
   * @param dir The spool directory.
   * @param options Durability of the changes made.
   * @returns The operator's view of it.
   * @throws {NotASpoolError} If `dir` is not a spool.
   */
  open(dir: string, options?: OperatorOptions): Promise<OperatorSpool>;
}

/** Opens spools for operators (see {@linkcode OperatorSpoolConstructor}). */
export const OperatorSpool: OperatorSpoolConstructor = {
  open: (dir, options = {}) => openOperator(realFileSystem, dir, options),
};

/** The library's {@linkcode OperatorSpool}; internal. */
class OperatorSpoolImpl implements OperatorSpool {
  #core: SpoolCore<string, string, RawData, unknown>;
  #spool: Spool<string, string, RawData, unknown>;

  constructor(spool: Spool<string, string, RawData, unknown>) {
    this.#spool = spool;
    this.#core = spoolCore(spool, "open spool");
  }

  get dir(): string {
    return this.#core.dir;
  }

  get queues(): readonly string[] {
    return this.#core.queues;
  }

  get spool(): Spool<string, string, RawData, unknown> {
    return this.#spool;
  }

  now(): Date {
    return this.#core.disk.clock.now();
  }

  async refresh(): Promise<void> {
    const queues = await protocol.findQueues(this.#core.disk.fs, this.dir);
    const known = this.#core.queues;
    if (
      queues.length === known.length && queues.every((q, i) => q === known[i])
    ) return;
    this.#setQueues(queues);
  }

  async addQueue(queue: string): Promise<void> {
    validateName(queue, "queue", "add queue", this.dir);
    await this.refresh();
    if (this.queues.includes(queue)) return;
    const queues = [...this.queues, queue].sort();
    await protocol.openSpoolDir(this.#core.disk, queues, true, "add queue");
    this.#setQueues(queues);
  }

  #setQueues(queues: string[]): void {
    this.#core = new SpoolCore(this.#core.disk, {
      queues,
      metadata: rawText,
      data: rawData,
    });
    this.#spool = spoolOfCore(this.#core);
  }

  async shapes(options: ShapeOptions = {}): Promise<QueueShape[]> {
    const queues = this.#known(options.queues ?? this.queues, "measure");
    return await measureShapes(this.#core.disk, queues, {
      signal: options.signal,
    }) as QueueShape[];
  }

  async groupShapes(
    field: string,
    options: ShapeOptions = {},
  ): Promise<GroupShape[]> {
    const path = fieldPath(field);
    const queues = this.#known(options.queues ?? this.queues, "measure");
    return await measureShapes(this.#core.disk, queues, {
      groupBy: { field, path },
      signal: options.signal,
    }) as GroupShape[];
  }

  entries(queue: string, options: ListOptions = {}): AsyncGenerator<EntryInfo> {
    this.#known([queue], "list entries");
    return listEntries(this.#core.disk, queue, options);
  }

  async names(
    queue: string,
    options: { state?: EntryState } = {},
  ): Promise<string[]> {
    this.#known([queue], "list entries");
    return options.state === "checked out"
      ? await protocol.listCheckouts(this.#core.disk, queue)
      : await protocol.listQueue(this.#core.disk, queue);
  }

  async page(
    queue: string,
    request: PageRequest,
    size: number,
  ): Promise<EntryPage> {
    this.#known([queue], "list entries");
    return await pageOf(this.#core.disk, queue, request, size);
  }

  find(name: string, queue?: string): Promise<EntryInfo | undefined> {
    return Promise.resolve().then(() => {
      if (queue !== undefined) this.#known([queue], "find entry");
      validateName(name, "entry", "find entry", this.dir);
      return locate(this.#core.disk, this.queues, queue, name);
    });
  }

  details(name: string, queue?: string): Promise<EntryDetails | undefined> {
    return Promise.resolve().then(() => {
      if (queue !== undefined) this.#known([queue], "find entry");
      validateName(name, "entry", "find entry", this.dir);
      const where = protocol.findEntry(
        this.#core.disk,
        queue === undefined ? this.queues : [queue],
        name,
      );
      return where &&
        describeEntry(
          this.#core.disk,
          where.queue,
          name,
          where.checkedOut,
          true,
        );
    });
  }

  payload(name: string): DataFile<Uint8Array> {
    validateName(name, "entry", "open data file", this.dir);
    return new DataFileImpl(this.#core, name) as DataFile<Uint8Array>;
  }

  async preview(name: string, maxBytes: number): Promise<Preview> {
    return await readPreview(this.payload(name), maxBytes);
  }

  async checkouts(queue: string): Promise<CheckoutInfo[]> {
    this.#known([queue], "list checkouts");
    const { disk } = this.#core;
    const now = disk.clock.now().getTime();
    return (await protocol.lookAtCheckouts(disk, queue)).map((
      { name, info },
    ) => ({
      name,
      queue,
      ageMs: info.mtime === null ? 0 : Math.max(0, now - info.mtime.getTime()),
    }));
  }

  watch(queue: string): QueueWatch {
    this.#known([queue], "watch queue");
    const watcher = protocol.watchQueue(this.#core.disk, queue);
    return {
      [Symbol.asyncIterator]: () => watcher[Symbol.asyncIterator](),
      close: () => watcher.close(),
      [Symbol.dispose]: () => {
        try {
          watcher.close();
        } catch {
          // Closed already.
        }
      },
    };
  }

  async act(
    target: { names: readonly string[] },
    action: OperatorAction,
    options: ActOptions = {},
  ): Promise<ActionReport> {
    return await runAction(
      this.#core,
      this.queues,
      undefined,
      target,
      action,
      options,
    );
  }

  async actIn(
    queue: string,
    target: ActionTarget,
    action: OperatorAction,
    options: ActOptions = {},
  ): Promise<ActionReport> {
    this.#known([queue], "act on entries");
    return await runAction(
      this.#core,
      this.queues,
      queue,
      target,
      action,
      options,
    );
  }

  /** Checks that `queues` are queues of the spool. */
  #known(queues: readonly string[], operation: string): readonly string[] {
    for (const queue of queues) this.#core.checkQueue(queue, operation);
    return queues;
  }
}

/**
 * Opens `dir` for operators, its file-system effects going through `fs`:
 * the seam for fault-injection tests. Not exported from an entry point.
 */
export async function openOperator(
  fs: FileSystem,
  dir: string,
  options: OperatorOptions = {},
): Promise<OperatorSpool> {
  const queues = await protocol.findQueues(fs, dir);
  const spool = await openSpool(fs, dir, {
    queues,
    metadata: rawText,
    data: rawData,
  }, options);
  return new OperatorSpoolImpl(spool);
}
