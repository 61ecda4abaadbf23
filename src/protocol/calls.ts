/**
 * Where the protocol makes the calls that are quick on a local disk (the
 * links, stamps, looks and unlinks of a claim, a holder's proof and a
 * removal, an enqueue's reservation and rename, and the read of a small
 * file): on the runtime's thread pool until they prove quick, in line
 * while they stay so. Where they go, the opens and small writes of new files
 * go too (see `writeNew` in write.ts).
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

/** A call slower than this counts as slow (milliseconds). */
const SLOW_MS = 0.25;
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

  /** @param fs The file system; its `callsOffThread` says where. */
  constructor(fs: FileSystem) {
    this.#fs = fs;
    const where = fs.callsOffThread ??
      (fs === realFileSystem ? "auto" : false);
    this.#auto = where === "auto";
    // "auto" starts on the thread pool: a first call made in line on a
    // network file system would hold the loop for as long as the server's
    // queue is long. On a local disk the calls come in line within a few
    // dozen.
    this.#offThread = where !== false;
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
