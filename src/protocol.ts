/**
 * The spool protocol: which file is created, written, flushed, renamed and
 * unlinked, in what order. This is the only module that knows; the rest of
 * the library speaks of entries and queues.
 *
 * The invariants every order below protects:
 * - An entry is visible (a file in `QUEUE/` or `QUEUE/.checkout/`) only while
 *   its `.registry/` file and its `.data/` file exist. Publishing is the last
 *   step of an enqueue; unlinking the metadata file is the first step of a
 *   remove.
 * - Exactly one process owns a checkout: the one whose rename into
 *   `.checkout/` succeeded.
 * - In strict durability, an enqueue that resolved survives a power cut: file
 *   contents are flushed before the rename that publishes them, the
 *   directories they were created in before it, and the queue directory after
 *   it. A remove flushes the unlink of the metadata file before unlinking the
 *   payload, so that no power cut can leave a visible entry without its data.
 * - Before each rename or unlink that moves an entry to a new phase, the
 *   registry file and the moved file are touched, so that the monitor can
 *   tell a new phase from an old problem.
 *
 * @module
 */

import {
  EntryNotFoundError,
  NameInUseError,
  NameNotReservedError,
  NotASpoolError,
  QueueNotFoundError,
  type SpoolError,
  toSpoolError,
} from "./errors.ts";
import type { DirWatcher, FileContent, FileSystem } from "./fs.ts";
import { GroupCommit } from "./group_commit.ts";
import { type Dir, Layout, REGISTRY } from "./layout.ts";
import { Throttle } from "./throttle.ts";

/**
 * How hard the spool works to survive a power cut: `"strict"` flushes,
 * `"relaxed"` does not.
 *
 * @example
 * ```ts
 * import { type Durability, Spool } from "@multispool/multispool";
 *
 * const durability: Durability = Deno.args.includes("--fast") ? "relaxed" : "strict";
 * const dir = await Deno.makeTempDir();
 * await Spool.create(dir, { queues: ["q"] }, { durability });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export type Durability = "strict" | "relaxed";

/** What a protocol instance needs. */
export interface ProtocolOptions {
  /** The file system every effect goes through. */
  fs: FileSystem;
  /** Strict flushes; relaxed does not flush at all. */
  durability: Durability;
  /** The most file jobs (writes, reads, flushes) run at once. */
  ioConcurrency: number;
}

/** The operations of the spool protocol on one spool directory. */
export class Protocol {
  /** Paths in the spool. */
  readonly layout: Layout;
  readonly #fs: FileSystem;
  readonly #strict: boolean;
  readonly #dirFlushes: GroupCommit;
  readonly #throttle: Throttle;
  // `.tmp/NAME` is used by one operation at a time within a process; across
  // processes, only the holder of the name (reserver or checkout) writes it.
  readonly #tmpUsers = new Map<string, Promise<void>>();

  /**
   * @param dir The spool directory.
   * @param options File system, durability and I/O limit.
   */
  constructor(dir: string, options: ProtocolOptions) {
    this.layout = new Layout(dir);
    this.#fs = options.fs;
    this.#strict = options.durability === "strict";
    this.#throttle = new Throttle(options.ioConcurrency);
    this.#dirFlushes = new GroupCommit((path) =>
      this.#throttle.run(() => this.#fs.syncDir(path))
    );
  }

  /** The file system, for read-only inspection by other modules. */
  get fs(): FileSystem {
    return this.#fs;
  }

  /** Whether this protocol flushes (strict durability). */
  get strict(): boolean {
    return this.#strict;
  }

  // ---------------------------------------------------------------- opening

  /**
   * Checks that the directory is a spool with `queues`, creating what is
   * missing when `createIfMissing` is set. A non-empty directory that is not
   * a spool is never turned into one.
   */
  async open(
    queues: readonly string[],
    createIfMissing: boolean,
    operation: string = createIfMissing ? "create spool" : "load spool",
  ): Promise<void> {
    const { dir, registryDir } = this.layout;
    const fs = this.#fs;
    const created: string[] = [];
    try {
      let info: Deno.FileInfo | undefined;
      try {
        info = fs.stat(dir);
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound) || !createIfMissing) {
          throw toSpoolError(error, operation, dir, NotASpoolError);
        }
      }
      if (info !== undefined && !info.isDirectory) {
        throw new NotASpoolError("not a directory", { operation, path: dir });
      }
      const isSpool = info !== undefined && isDirectory(fs, registryDir);
      if (!isSpool) {
        if (!createIfMissing) {
          throw new NotASpoolError(
            `not a spool (no ${REGISTRY}/ directory)`,
            { operation, path: dir },
          );
        }
        if (info !== undefined && fs.list(dir).length > 0) {
          throw new NotASpoolError(
            "refusing to make a spool in a non-empty directory that is not one",
            { operation, path: dir },
          );
        }
        // `.registry/` first: from then on another process creating the same
        // spool sees a spool and only adds what is missing.
        fs.mkdir(registryDir);
        created.push(dir, registryDir);
      }
      const needed = [
        this.layout.tmpDir,
        this.layout.dataDir,
        ...queues.flatMap((q) => [
          this.layout.queueDir(q),
          this.layout.checkoutDir(q),
        ]),
      ];
      for (const path of needed) {
        const kind = kindOf(fs, path);
        if (kind === "directory") continue;
        if (!createIfMissing || kind === "other") {
          const isQueue = path !== this.layout.tmpDir &&
            path !== this.layout.dataDir;
          const rel = path.slice(dir.length + 1);
          const reason = kind === "other"
            ? `${rel} exists but is not a directory`
            : `missing directory ${rel}/`;
          throw isQueue
            ? new QueueNotFoundError(reason, { operation, path })
            : new NotASpoolError(reason, { operation, path });
        }
        fs.mkdir(path);
        created.push(path);
      }
      if (this.#strict && created.length > 0) {
        // Each new directory's entry lives in its parent: flush the parents.
        // The spool directory's own parent may lie outside what this
        // process was granted (`--allow-read=SPOOL`): then it stays
        // unflushed, as the journal of the file system will soon flush it.
        const parents = new Set(created.map(parentOf));
        await Promise.all([...parents].map(async (path) => {
          try {
            await fs.syncDir(path);
          } catch (error) {
            if (path === dir || !(error instanceof Deno.errors.NotCapable)) {
              throw error;
            }
          }
        }));
      }
    } catch (error) {
      throw toSpoolError(error, operation, dir, NotASpoolError);
    }
  }

  // ----------------------------------------------------------------- names

  /**
   * Creates `.registry/NAME` exclusively. Returns false if the name is taken.
   */
  reserve(name: string): boolean {
    const path = this.layout.registry(name);
    try {
      this.#fs.createExclusive(path);
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return false;
      throw toSpoolError(error, "reserve name", path);
    }
  }

  // --------------------------------------------------------------- enqueue

  /**
   * Publishes a new entry: writes `.data/NAME` (exclusively) and
   * `.tmp/NAME`, flushes them (strict), then renames `.tmp/NAME` to
   * `QUEUE/NAME`, which makes the entry visible, and flushes the queue
   * directory (strict). When `reserved` is false, the name was reserved by
   * this call and its registry file is removed on failure; otherwise it must
   * already exist.
   */
  async publish(
    queue: string,
    name: string,
    metadata: string,
    data: FileContent,
    reservedEarlier: boolean,
  ): Promise<void> {
    const operation = "enqueue entry";
    const fs = this.#fs;
    const { layout } = this;
    const registry = layout.registry(name);
    const dataPath = layout.data(name);
    const tmp = layout.tmp(name);
    const final = layout.queueFile(queue, name);
    if (reservedEarlier) {
      try {
        fs.touch(registry, new Date());
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) {
          throw new NameNotReservedError(
            `name ${JSON.stringify(name)} is not reserved (reserve it first)`,
            { operation, path: registry },
          );
        }
        throw toSpoolError(error, operation, registry);
      }
    }
    let wroteData = false;
    let wroteTmp = false;
    let published = false;
    try {
      await this.#withTmp(name, async () => {
        try {
          wroteData = true;
          await this.#throttle.run(() =>
            fs.writeFile(dataPath, data, { createNew: true })
          );
        } catch (error) {
          if (error instanceof Deno.errors.AlreadyExists) {
            wroteData = false;
            throw new NameInUseError(
              `name ${JSON.stringify(name)} already has a data file`,
              { operation, path: dataPath, cause: error },
            );
          }
          throw error;
        }
        wroteTmp = true;
        await this.#writeTmp(tmp, metadata);
        if (this.#strict) {
          await Promise.all([
            this.#throttle.run(() => fs.syncFile(dataPath)),
            this.#throttle.run(() => fs.syncFile(tmp)),
            this.#dirFlushes.flush(layout.registryDir),
            this.#dirFlushes.flush(layout.dataDir),
          ]);
        }
        fs.rename(tmp, final);
        published = true;
      });
      if (this.#strict) await this.#dirFlushes.flush(layout.queueDir(queue));
    } catch (error) {
      this.#undoPublish({
        name,
        final,
        published,
        wroteTmp,
        wroteData,
        reservedNow: !reservedEarlier,
      });
      throw toSpoolError(error, operation, final);
    }
  }

  #undoPublish(state: {
    name: string;
    final: string;
    published: boolean;
    wroteTmp: boolean;
    wroteData: boolean;
    reservedNow: boolean;
  }): void {
    const { layout } = this;
    const { name } = state;
    if (state.published) {
      // Visible already: take it back the way a consumer would. If another
      // process has it, it is in use and its files stay.
      if (!this.#tryRename(state.final, layout.tmp(name))) return;
      state.wroteTmp = true;
    }
    if (state.wroteTmp) this.#unlinkQuietly(layout.tmp(name));
    if (state.wroteData) this.#unlinkQuietly(layout.data(name));
    if (state.reservedNow) this.#unlinkQuietly(layout.registry(name));
  }

  // ------------------------------------------------------------- checkouts

  /**
   * Checks out `QUEUE/NAME` by renaming it into `QUEUE/.checkout/`; the
   * rename is the lock. Returns false if the entry is gone.
   */
  checkout(queue: string, name: string): boolean {
    return this.#move(
      this.layout.queueFile(queue, name),
      this.layout.checkoutFile(queue, name),
      name,
      "check out entry",
    );
  }

  /** Refreshes a checkout's age, for long jobs. */
  touchCheckout(queue: string, name: string): void {
    const path = this.layout.checkoutFile(queue, name);
    try {
      this.#touchPhase(path, name);
    } catch (error) {
      throw toSpoolError(error, "touch checkout", path, EntryNotFoundError);
    }
  }

  /**
   * Moves a checked-out entry to `QUEUE2/NAME` (possibly its own queue),
   * first replacing its metadata when `metadata` is given.
   */
  async release(
    queue: string,
    name: string,
    toQueue: string,
    metadata: string | undefined,
  ): Promise<void> {
    const from = this.layout.checkoutFile(queue, name);
    const to = this.layout.queueFile(toQueue, name);
    if (metadata !== undefined) {
      await this.#replace(from, name, metadata, "save entry");
    }
    try {
      this.#touchPhase(from, name);
      this.#fs.rename(from, to);
    } catch (error) {
      throw toSpoolError(error, "save entry", from, EntryNotFoundError);
    }
  }

  /** Removes a checked-out entry: metadata, then payload, then registry. */
  async removeCheckedOut(queue: string, name: string): Promise<void> {
    await this.#remove(
      this.layout.checkoutFile(queue, name),
      this.layout.checkoutDir(queue),
      name,
    );
  }

  /** Reads an entry's metadata text, waiting in its queue or checked out. */
  readMetadata(queue: string, name: string, checkedOut: boolean): string {
    const path = this.layout.file({ queue, checkout: checkedOut }, name);
    try {
      return this.#fs.readText(path);
    } catch (error) {
      throw toSpoolError(error, "read metadata", path, EntryNotFoundError);
    }
  }

  /** Names in `QUEUE/.checkout/`, sorted. */
  listCheckouts(queue: string): Promise<string[]> {
    return this.#listNames(this.layout.checkoutDir(queue), "list checkouts");
  }

  // --------------------------------------------------------- direct access

  /**
   * Names in `QUEUE/`, sorted (by UTF-16 code units: byte order for ASCII
   * names); `.checkout` and other dot files skipped.
   */
  listQueue(queue: string): Promise<string[]> {
    return this.#listNames(this.layout.queueDir(queue), "list queue");
  }

  /** Replaces a waiting entry's metadata atomically, without a checkout. */
  async writeQueueMetadata(
    queue: string,
    name: string,
    metadata: string,
  ): Promise<void> {
    await this.#replace(
      this.layout.queueFile(queue, name),
      name,
      metadata,
      "write metadata",
    );
  }

  /** Removes a waiting entry without a checkout. */
  async removeWaiting(queue: string, name: string): Promise<void> {
    await this.#remove(
      this.layout.queueFile(queue, name),
      this.layout.queueDir(queue),
      name,
    );
  }

  /** Watches a queue directory for entries arriving. */
  watchQueue(queue: string): DirWatcher {
    const path = this.layout.queueDir(queue);
    try {
      return this.#fs.watch(path);
    } catch (error) {
      throw toSpoolError(error, "watch queue", path, QueueNotFoundError);
    }
  }

  /** Stats an entry's registry file. */
  statEntry(name: string): Deno.FileInfo {
    const path = this.layout.registry(name);
    try {
      return this.#fs.stat(path);
    } catch (error) {
      throw toSpoolError(error, "stat entry", path, EntryNotFoundError);
    }
  }

  // ------------------------------------------------------------- payloads

  /** Reads a payload whole. */
  async readData(name: string): Promise<Uint8Array> {
    const path = this.layout.data(name);
    try {
      return await this.#throttle.run(() => this.#fs.readBytes(path));
    } catch (error) {
      throw toSpoolError(error, "read data", path, EntryNotFoundError);
    }
  }

  /** Opens a payload as a stream; errors arrive typed through the stream. */
  readDataStream(name: string): ReadableStream<Uint8Array> {
    const path = this.layout.data(name);
    return mapErrors(
      this.#fs.readStream(path),
      (error) => toSpoolError(error, "read data", path, EntryNotFoundError),
    );
  }

  /** Stats a payload. */
  statData(name: string): Deno.FileInfo {
    const path = this.layout.data(name);
    try {
      return this.#fs.stat(path);
    } catch (error) {
      throw toSpoolError(error, "stat data", path, EntryNotFoundError);
    }
  }

  /** Replaces a payload atomically through `.tmp/NAME`. */
  async writeData(name: string, data: FileContent): Promise<void> {
    const path = this.layout.data(name);
    await this.#replace(path, name, data, "save data");
    if (this.#strict) {
      try {
        await this.#dirFlushes.flush(this.layout.dataDir);
      } catch (error) {
        throw toSpoolError(error, "save data", path);
      }
    }
  }

  // -------------------------------------------------------------- recovery

  /** The queues on disk: directories (not dot-named) holding `.checkout/`. */
  discoverQueues(): string[] {
    const { dir } = this.layout;
    let items;
    try {
      items = this.#fs.list(dir);
    } catch (error) {
      throw toSpoolError(error, "find queues", dir, NotASpoolError);
    }
    return items
      .filter((item) =>
        !item.isFile && !item.name.startsWith(".") &&
        isDirectory(this.#fs, this.layout.checkoutDir(item.name))
      )
      .map((item) => item.name)
      .sort();
  }

  /** Names of the files in `dir` (dot files skipped), unsorted. */
  async namesIn(dir: Dir): Promise<string[]> {
    const path = this.layout.dirPath(dir);
    try {
      return withoutDotFiles(await this.#fs.listFiles(path));
    } catch (error) {
      throw toSpoolError(error, "list directory", path, NotASpoolError);
    }
  }

  /** The modification time of `name` in `dir`, or undefined if it is gone. */
  mtime(dir: Dir, name: string): Date | undefined {
    const path = this.layout.file(dir, name);
    try {
      return this.#fs.stat(path).mtime ?? undefined;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return undefined;
      throw toSpoolError(error, "stat file", path);
    }
  }

  /**
   * Moves a stale checkout back to its queue (a new phase: touched first).
   * Returns false, doing nothing, if the checkout is gone or the queue
   * already holds a file of that name.
   */
  requeue(queue: string, name: string): boolean {
    if (this.mtime({ queue, checkout: false }, name) !== undefined) {
      return false;
    }
    return this.#move(
      this.layout.checkoutFile(queue, name),
      this.layout.queueFile(queue, name),
      name,
      "requeue checkout",
    );
  }

  /**
   * Deletes what is left of a name that has no entry (an enqueue that never
   * finished): `.tmp/`, then `.data/`, then the registry file last, as a
   * remove does.
   */
  removeLeftovers(name: string): void {
    const path = this.layout.registry(name);
    try {
      this.#unlinkQuietly(this.layout.tmp(name), true);
      this.#unlinkQuietly(this.layout.data(name), true);
      this.#unlinkQuietly(path, true);
    } catch (error) {
      throw toSpoolError(error, "remove leftovers", path);
    }
  }

  /** Deletes an abandoned `.tmp/NAME`. */
  removeTmp(name: string): void {
    const path = this.layout.tmp(name);
    try {
      this.#unlinkQuietly(path, true);
    } catch (error) {
      throw toSpoolError(error, "remove tmp file", path);
    }
  }

  // -------------------------------------------------------------- helpers

  /**
   * Replaces `target` (which must exist) by writing `.tmp/NAME`, flushing it
   * (strict) and renaming it over `target`.
   */
  async #replace(
    target: string,
    name: string,
    content: FileContent,
    operation: string,
  ): Promise<void> {
    const tmp = this.layout.tmp(name);
    const fs = this.#fs;
    await this.#withTmp(name, async () => {
      try {
        await this.#throttle.run(async () => {
          await this.#writeTmp(tmp, content);
          if (this.#strict) await fs.syncFile(tmp);
        });
        // Check the target is still there just before replacing it, so that
        // an entry taken away meanwhile is not recreated.
        fs.stat(target);
        fs.rename(tmp, target);
      } catch (error) {
        this.#unlinkQuietly(tmp);
        throw toSpoolError(error, operation, target, EntryNotFoundError);
      }
    });
  }

  async #remove(metadataPath: string, metadataDir: string, name: string) {
    const operation = "remove entry";
    const fs = this.#fs;
    try {
      try {
        fs.touch(this.layout.registry(name), new Date());
      } catch (error) {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      }
      fs.remove(metadataPath);
      // The entry is invisible once this unlink is durable; only then may its
      // payload go, or a power cut could bring back an entry with no data.
      if (this.#strict) await this.#dirFlushes.flush(metadataDir);
      this.#unlinkQuietly(this.layout.data(name), true);
      this.#unlinkQuietly(this.layout.registry(name), true);
    } catch (error) {
      throw toSpoolError(error, operation, metadataPath, EntryNotFoundError);
    }
  }

  /**
   * Writes `.tmp/NAME` as a new file, created exclusively, which never
   * follows a symbolic link: a link planted there cannot redirect the write
   * outside the spool. A stale file in the way is unlinked first.
   */
  async #writeTmp(tmp: string, content: FileContent): Promise<void> {
    try {
      await this.#fs.writeFile(tmp, content, { createNew: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      this.#unlinkQuietly(tmp, true);
      await this.#fs.writeFile(tmp, content, { createNew: true });
    }
  }

  /**
   * Moves an entry's metadata file to a new phase: touches it and the
   * registry file, then renames it. False if it was gone (taken by another
   * process).
   */
  #move(from: string, to: string, name: string, operation: string): boolean {
    try {
      this.#touchPhase(from, name);
      this.#fs.rename(from, to);
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw toSpoolError(error, operation, from);
    }
  }

  #touchPhase(path: string, name: string): void {
    const now = new Date();
    this.#fs.touch(path, now);
    try {
      this.#fs.touch(this.layout.registry(name), now);
    } catch (error) {
      // A visible entry without a registry file is the monitor's to report;
      // it does not stop the entry from moving on.
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  #tryRename(from: string, to: string): boolean {
    try {
      this.#fs.rename(from, to);
      return true;
    } catch {
      return false;
    }
  }

  #unlinkQuietly(path: string, onlyNotFound = false): void {
    try {
      this.#fs.remove(path);
    } catch (error) {
      if (onlyNotFound && !(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  async #listNames(dir: string, operation: string): Promise<string[]> {
    let names;
    try {
      names = await this.#fs.listFiles(dir);
    } catch (error) {
      throw toSpoolError(error, operation, dir, QueueNotFoundError);
    }
    // Sorted by UTF-16 code units: byte order for ASCII names.
    return withoutDotFiles(names).sort();
  }

  async #withTmp<T>(name: string, job: () => Promise<T>): Promise<T> {
    const before = this.#tmpUsers.get(name);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => release = resolve);
    this.#tmpUsers.set(name, mine);
    try {
      if (before !== undefined) await before;
      return await job();
    } finally {
      if (this.#tmpUsers.get(name) === mine) this.#tmpUsers.delete(name);
      release();
    }
  }
}

/**
 * Drops dot files (the spool's own, and editors') in place: with a million
 * names, a second array would cost tens of megabytes.
 */
function withoutDotFiles(names: string[]): string[] {
  let kept = 0;
  for (const name of names) {
    if (!name.startsWith(".")) names[kept++] = name;
  }
  names.length = kept;
  return names;
}

function isDirectory(fs: FileSystem, path: string): boolean {
  return kindOf(fs, path) === "directory";
}

function kindOf(
  fs: FileSystem,
  path: string,
): "directory" | "other" | "missing" {
  try {
    return fs.stat(path).isDirectory ? "directory" : "other";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
}

function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash > 0 ? path.slice(0, slash) : slash === 0 ? "/" : ".";
}

/** Passes a stream through, turning its errors into `map(error)`. */
function mapErrors(
  source: ReadableStream<Uint8Array>,
  map: (error: unknown) => SpoolError,
): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let result;
      try {
        result = await reader.read();
      } catch (error) {
        throw map(error);
      }
      if (result.done) controller.close();
      else controller.enqueue(result.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}
