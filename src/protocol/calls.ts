/**
 * Where the protocol makes the calls that are quick on a local disk (the
 * links, stamps, looks and unlinks of a claim, a holder's proof and a
 * removal, an enqueue's reservation and rename, and the read of a small
 * file): in line from the start where the calls made to open the spool
 * were quick, else on the runtime's thread pool until they prove quick;
 * in line while they stay so. Where they go, the opens and small writes of
 * new files go too (see `writeNew` in write.ts), and the opens of the
 * directories a strict operation flushes. A spool's `quickCalls` option
 * (`"inLine"`, `"threadPool"`) puts them in one place for good.
 *
 * On a local disk such a call takes microseconds, and its asynchronous form
 * costs several times more (a round trip to a thread). On a network file
 * system each is a round trip to a server, a millisecond or more: made in
 * line, a consumer handling sixteen entries at once makes them one after
 * another, and holds the event loop for each. On the thread pool they
 * overlap, and the loop stays free.
 *
 * Either way the calls are made in the same order: the protocol awaits
 * each before the next. Only this process's other work may run between two
 * of them, as another process's may at any time.
 *
 * @module
 */

import { type FileSystem, realFileSystem } from "../fs.ts";
import type { QuickCallsPlace } from "../spool_options.ts";

/** A call slower than this counts as slow (milliseconds). */
const SLOW_MS = 0.25;
/** A probe's two calls quicker than this start the calls in line. */
const QUICK_PROBE_MS = 2 * SLOW_MS;
/**
 * How far the count of slow calls must run ahead of the quick ones (or
 * behind) before the calls move to the thread pool (or back): a single
 * stall, a cold cache or a first call, moves nothing.
 */
const SWING = 8;
/**
 * One call in this many is timed: reading the clock costs a tenth of a
 * microsecond, a noticeable part of a quick call.
 */
const TIME_EVERY = 4;

/** The calls quick on a local disk, made in line or on the thread pool. */
export class QuickCalls {
  readonly #fs: FileSystem;
  readonly #auto: boolean;
  #offThread: boolean;
  // Slow calls minus quick ones, lately, within [-SWING, SWING].
  #score = SWING;
  #untimed = 0;
  // Set once where the calls start is settled: by startFrom, or by the
  // first call timed.
  #settled = false;

  /**
   * @param fs The file system; its `callsOffThread` says where, unless
   * `place` does.
   * @param place Where the spool's options put the calls: `"auto"` (or
   * left out), where the file system says.
   */
  constructor(fs: FileSystem, place: QuickCallsPlace = "auto") {
    this.#fs = fs;
    const where = place === "inLine"
      ? false
      : place === "threadPool"
      ? true
      : fs.callsOffThread ?? (fs === realFileSystem ? "auto" : false);
    this.#auto = where === "auto";
    // "auto" starts on the thread pool, unless the calls made in line to
    // open the spool were quick (see startFrom): a first call made in line
    // on a network file system would hold the loop for as long as the
    // server's queue is long.
    this.#offThread = where !== false;
  }

  /**
   * Where "auto" calls start, from probes of two calls made in line (a
   * file created, then looked at: see `FileSystemClock.probeNow`), made
   * when the spool is opened: quick, as on a local disk, the calls start
   * in line; slow or unknown, on the thread pool. A slow probe is made
   * again, twice at most: a local disk's journal may hold one call for
   * milliseconds. Starting in line matters: a busy process times its calls
   * on the thread pool to their answers, which wait for its loop, so they
   * come back in line late (a consumer handling 16 entries at once on a
   * journaled ext4 took most of a second, at two thirds of its rate).
   */
  startFrom(probe: () => number | undefined, firstMs?: number): void {
    if (!this.#auto || this.#settled) return;
    this.#settled = true;
    let ms = firstMs ?? probe();
    for (
      let again = 0;
      again < 2 && ms !== undefined && ms >= QUICK_PROBE_MS;
      again++
    ) {
      ms = Math.min(ms, probe() ?? Infinity);
    }
    if (ms !== undefined && ms < QUICK_PROBE_MS) {
      this.#offThread = false;
      this.#score = -SWING;
    }
  }

  /** Whether the calls are made on the thread pool now. */
  get offThread(): boolean {
    return this.#offThread;
  }

  /** Links `from` to `to` (see `FileSystem.link`). */
  link(from: string, to: string): void | Promise<void> {
    return this.#call(
      () => this.#fs.link(from, to),
      () => this.#fs.linkAsync(from, to),
    );
  }

  /** Sets a file's times (see `FileSystem.touch`). */
  touch(path: string, time: Date): void | Promise<void> {
    return this.#call(
      () => this.#fs.touch(path, time),
      () => this.#fs.touchAsync(path, time),
    );
  }

  /** Stats without following a link (see `FileSystem.lstat`). */
  lstat(path: string): Deno.FileInfo | Promise<Deno.FileInfo> {
    return this.#call(
      () => this.#fs.lstat(path),
      () => this.#fs.lstatAsync(path),
    );
  }

  /**
   * Stats without following a link, or undefined if nothing is there: in
   * line, a look for a name that is usually gone costs no error (see
   * `FileSystem.exists`).
   */
  lstatIfThere(
    path: string,
  ): Deno.FileInfo | undefined | Promise<Deno.FileInfo | undefined> {
    return this.#call(
      () =>
        this.#fs.exists(path)
          ? orUndefined(() => this.#fs.lstat(path))
          : undefined,
      () => this.#fs.lstatAsync(path).catch(undefinedIfNotFound),
    );
  }

  /** Reads a small file and its status (see `FileSystem.readTextStat`). */
  readTextStat(
    path: string,
  ):
    | { text: string; info: Deno.FileInfo }
    | Promise<{ text: string; info: Deno.FileInfo }> {
    return this.#call(
      () => this.#fs.readTextStat(path),
      () => this.#fs.readTextStatAsync(path),
    );
  }

  /** Reads a small file (see `FileSystem.readText`). */
  readText(path: string): string | Promise<string> {
    return this.#call(
      () => this.#fs.readText(path),
      async () => (await this.#fs.readTextStatAsync(path)).text,
    );
  }

  /** Reads a payload whole (see `FileSystem.readBytes`). */
  async readBytes(path: string): Promise<Uint8Array> {
    return await this.#call<Uint8Array>(
      () => this.#fs.readBytes(path),
      () => this.#fs.readBytesAsync(path),
    );
  }

  /** Creates an empty file exclusively (see `FileSystem.createExclusive`). */
  createExclusive(path: string): void | Promise<void> {
    return this.#call(
      () => this.#fs.createExclusive(path),
      () => this.#fs.createExclusiveAsync(path),
    );
  }

  /** Renames a file (see `FileSystem.rename`). */
  rename(from: string, to: string): void | Promise<void> {
    return this.#call(
      () => this.#fs.rename(from, to),
      () => this.#fs.renameAsync(from, to),
    );
  }

  /** Unlinks a file (see `FileSystem.remove`). */
  remove(path: string): void | Promise<void> {
    return this.#call(
      () => this.#fs.remove(path),
      () => this.#fs.removeAsync(path),
    );
  }

  #call<T>(
    inline: () => T | Promise<T>,
    offThread: () => Promise<T>,
  ): T | Promise<T> {
    if (!this.#auto) return this.#offThread ? offThread() : inline();
    if (++this.#untimed < TIME_EVERY) {
      return this.#offThread ? offThread() : inline();
    }
    this.#untimed = 0;
    const started = performance.now();
    if (this.#offThread) {
      // Timed to its answer, which waits for this thread to take it: a
      // busy process keeps its calls on the thread pool longer, never a
      // network file system's in line. (A call made in line to find out
      // would hold the loop for as long as the server's queue is long:
      // half a second, measured on CephFS at 16 at once.)
      return offThread().finally(() => this.#took(performance.now() - started));
    }
    try {
      return inline();
    } finally {
      this.#took(performance.now() - started);
    }
  }

  #took(ms: number): void {
    this.#settled = true;
    const score = this.#score + (ms > SLOW_MS ? 1 : -1);
    this.#score = Math.max(-SWING, Math.min(SWING, score));
    if (this.#score === SWING) this.#offThread = true;
    else if (this.#score === -SWING) this.#offThread = false;
  }
}

/** `look()`, or undefined if what it looks at is gone. */
function orUndefined<T>(look: () => T): T | undefined {
  try {
    return look();
  } catch (error) {
    return undefinedIfNotFound(error);
  }
}

function undefinedIfNotFound(error: unknown): undefined {
  if (error instanceof Deno.errors.NotFound) return undefined;
  throw error;
}
