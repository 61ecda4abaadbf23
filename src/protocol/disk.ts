/**
 * A spool directory as the protocol sees it: where its files are, the file
 * system every effect goes through, whether to flush, the flushes shared
 * between concurrent operations, the I/O limit, and what this process has
 * in flight. It decides no order; the other files of this folder do.
 *
 * @module
 */

import type { FileSystem } from "../fs.ts";
import { GroupCommit } from "../group_commit.ts";
import { Layout } from "./layout.ts";
import type { Durability, QuickCallsPlace } from "../spool_options.ts";
import { Throttle } from "../throttle.ts";
import { FileSystemClock } from "./clock.ts";
import { QuickCalls } from "./calls.ts";

/**
 * How long a registry stamp stays as good as a new one for a removal: far
 * less than any work-in-progress grace the monitor gives (30 s by default).
 */
const FRESH_STAMP_MS = 1000;

/** What a {@linkcode Disk} needs. */
export interface DiskOptions {
  /** The file system every effect goes through. */
  fs: FileSystem;
  /** Strict flushes; relaxed does not flush at all. */
  durability: Durability;
  /** The most file jobs (writes, reads, flushes) run at once. */
  ioConcurrency: number;
  /**
   * Where the quick calls go (see {@linkcode QuickCalls}); `"auto"` or
   * left out, where the file system says.
   */
  quickCalls?: QuickCallsPlace;
}

/** One spool directory, and the shared machinery of its operations. */
export class Disk {
  /** Paths in the spool. */
  readonly layout: Layout;
  /** The file system every effect goes through. */
  readonly fs: FileSystem;
  /** Whether operations flush (strict durability). */
  readonly strict: boolean;
  /** The clock that stamps phases and measures ages. */
  readonly clock: FileSystemClock;
  /**
   * The calls of claims, stamps, proofs, removals, reads of small files and
   * an enqueue's reservation and rename, made in line or on the thread pool
   * (see {@linkcode QuickCalls}).
   */
  readonly calls: QuickCalls;
  readonly #dirFlushes: GroupCommit;
  readonly #throttle: Throttle;
  // `.tmp/NAME` is used by one operation at a time within a process; across
  // processes, only the holder of the name (reserver or checkout) writes it.
  readonly #tmpUsers = new Map<string, Promise<void>>();
  // The removals this process has in flight.
  #removals = 0;
  // When this process's claims stamped registry files: name ->
  // `performance.now()`, oldest first, forgotten once older than a removal
  // cares about.
  readonly #claimStamps = new Map<string, number>();

  /**
   * @param dir The spool directory.
   * @param options File system, durability and I/O limit.
   */
  constructor(dir: string, options: DiskOptions) {
    this.layout = new Layout(dir);
    this.fs = options.fs;
    this.strict = options.durability === "strict";
    this.clock = new FileSystemClock(this.fs, this.layout.tmpDir);
    this.calls = new QuickCalls(this.fs, options.quickCalls);
    this.#throttle = new Throttle(options.ioConcurrency);
    // Where the quick calls are made in line (a local disk), the
    // directory is opened in line too; its flush waits on the thread pool.
    this.#dirFlushes = new GroupCommit((path) =>
      this.#throttle.run(() =>
        this.fs.syncDir(path, { openInLine: !this.calls.offThread })
      )
    );
  }

  /** Runs a file job (a write, a read, a flush) within the I/O limit. */
  io<T>(job: () => Promise<T>): Promise<T> {
    return this.#throttle.run(job);
  }

  /**
   * A mark to take before changing a directory that must then be flushed:
   * pass it to {@linkcode flushDir}.
   */
  mark(): number {
    return this.#dirFlushes.mark();
  }

  /**
   * Flushes a directory with a flush that starts after this call, shared
   * with every caller that asks meanwhile (group commit). With `since` (a
   * {@linkcode mark} taken before the change), it fails if any flush of the
   * directory since then failed: that flush may have lost the change.
   */
  flushDir(path: string, since?: number): Promise<void> {
    return this.#dirFlushes.flush(path, since);
  }

  /** Runs `job` once no other job of this process uses `.tmp/NAME`. */
  async withTmp<T>(name: string, job: () => Promise<T>): Promise<T> {
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

  /** Runs `job`, a removal, counted among those in flight while it runs. */
  async removal<T>(job: () => Promise<T>): Promise<T> {
    this.#removals++;
    try {
      return await job();
    } finally {
      this.#removals--;
    }
  }

  /** Whether another removal of this process is in flight beside the caller's. */
  get removalsOverlap(): boolean {
    return this.#removals > 1;
  }

  /** Notes that a claim of this process stamped `name`'s registry file now. */
  noteClaimStamp(name: string): void {
    const now = performance.now();
    const stamps = this.#claimStamps;
    stamps.delete(name);
    stamps.set(name, now);
    for (const [old, at] of stamps) {
      if (now - at < FRESH_STAMP_MS) break;
      stamps.delete(old);
    }
  }

  /**
   * Whether a claim of this process stamped `name`'s registry file less
   * than a second ago: a stamp that young already says the entry is being
   * worked on. The stamp is forgotten.
   */
  takeFreshClaimStamp(name: string): boolean {
    const at = this.#claimStamps.get(name);
    this.#claimStamps.delete(name);
    return at !== undefined && performance.now() - at < FRESH_STAMP_MS;
  }

  /**
   * Renames `from` to `to`, for the only process that moves `from`. An
   * error whose rename happened anyway (a reply lost, the call made again
   * and told "not found") is recognised by `from` being gone and `to` being
   * there.
   */
  async renameVerified(from: string, to: string): Promise<void> {
    try {
      await this.calls.rename(from, to);
    } catch (error) {
      if (!this.exists(from) && this.exists(to)) return;
      throw error;
    }
  }

  /** Whether `path` names a file, asked of the server past any cache. */
  exists(path: string): boolean {
    try {
      this.fs.statFresh(path);
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Unlinks a file, ignoring any failure, or with `onlyNotFound` only its
   * being gone already.
   */
  unlinkQuietly(path: string, onlyNotFound = false): void {
    try {
      this.fs.remove(path);
    } catch (error) {
      if (onlyNotFound && !(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  /**
   * Unlinks a file of a removal, if it is still there (any other failure
   * throws). While other removals of this process are in flight, on the
   * runtime's thread pool, where their unlinks overlap; one at a time,
   * where the quick calls go (see {@linkcode QuickCalls}): in line on a
   * local disk, where that is cheaper.
   */
  async unlinkIfThere(path: string): Promise<void> {
    try {
      await (this.removalsOverlap
        ? this.fs.removeAsync(path)
        : this.calls.remove(path));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
}

/**
 * Drops dot files (the spool's own, and editors') in place: with a million
 * names, a second array would cost tens of megabytes.
 */
export function withoutDotFiles(names: string[]): string[] {
  let kept = 0;
  for (const name of names) {
    if (!name.startsWith(".")) names[kept++] = name;
  }
  names.length = kept;
  return names;
}
