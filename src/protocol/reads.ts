/**
 * How entries are looked at: listing a queue or its checkouts, reading
 * metadata and payloads, statting, watching a queue. Nothing here changes
 * the spool.
 *
 * @module
 */

import {
  EntryNotFoundError,
  onPath,
  QueueNotFoundError,
  type SpoolError,
  toSpoolError,
} from "../errors.ts";
import { type DirWatcher, freshAsync } from "../fs.ts";
import type { Dir } from "./layout.ts";
import { FirstNames, type FirstNamesResult } from "../first_names.ts";
import { sortNames } from "../sort_names.ts";
import { type Disk, withoutDotFiles } from "./disk.ts";
import { runSteps, type Steps } from "./steps.ts";

/**
 * Names in `QUEUE/`, sorted (by UTF-16 code units: byte order for ASCII
 * names); `.checkout` and other dot files skipped.
 */
export function listQueue(disk: Disk, queue: string): Promise<string[]> {
  return listNames(disk, disk.layout.queueDir(queue), "list queue");
}

/** What {@linkcode listFirst} lists. */
export interface ListFirstOptions {
  /** How many names to keep at most. */
  limit: number;
  /** Only the names it accepts (it sees every name, as it is read). */
  wanted?: (name: string) => boolean;
  /** The queue's checkouts (`QUEUE/.checkout/`) instead of its entries. */
  checkedOut?: boolean;
}

/**
 * The first `limit` names in `QUEUE/` (sorted, as {@linkcode listQueue})
 * among those `wanted` accepts, read in bounded memory, and whether the
 * queue holds more.
 */
export function listFirst(
  disk: Disk,
  queue: string,
  options: ListFirstOptions,
): Promise<FirstNamesResult> {
  const { limit, wanted = () => true } = options;
  return readNames(disk, queue, options.checkedOut === true, () => {
    const first = new FirstNames(limit);
    return {
      offer: (name) => {
        if (wanted(name)) first.offer(name);
      },
      done: () => first.sorted(),
    };
  });
}

/** What {@linkcode readNames} gives each name of a listing to. */
export interface NameReader<T> {
  /** Takes one name, as it is read (each name once). */
  offer(name: string): void;
  /** What the listing found, once every name was offered. */
  done(): Promise<T>;
}

/**
 * Reads the names in `QUEUE/` (or `QUEUE/.checkout/`) once, in the
 * directory's order, and offers each to the reader `start` makes: nothing
 * is held but what the reader keeps. On ESTALE the listing starts over
 * from scratch with a new reader, so that no reader sees a name twice.
 */
export async function readNames<T>(
  disk: Disk,
  queue: string,
  checkedOut: boolean,
  start: () => NameReader<T>,
): Promise<T> {
  const dir = checkedOut
    ? disk.layout.checkoutDir(queue)
    : disk.layout.queueDir(queue);
  const operation = checkedOut ? "list checkouts" : "list queue";
  try {
    return await freshAsync(async () => {
      const reader = start();
      const offer = (name: string) => {
        if (!name.startsWith(".")) reader.offer(name);
        return false;
      };
      const unkept = await disk.fs.listFiles(dir, undefined, offer);
      // A file system that returned every name instead of offering each.
      for (const name of unkept) offer(name);
      return await reader.done();
    });
  } catch (error) {
    throw toSpoolError(error, operation, dir, QueueNotFoundError);
  }
}

/** Names in `QUEUE/.checkout/`, sorted. */
export function listCheckouts(disk: Disk, queue: string): Promise<string[]> {
  return listNames(disk, disk.layout.checkoutDir(queue), "list checkouts");
}

/** Reads the text of `name` in `dir`, any of the spool's directories. */
export function readFileText(disk: Disk, dir: Dir, name: string): string {
  return onPath(
    "read file",
    disk.layout.file(dir, name),
    EntryNotFoundError,
    (path) => disk.fs.readText(path),
  );
}

/** Reads an entry's metadata text, waiting in its queue or checked out. */
export function readMetadata(
  disk: Disk,
  queue: string,
  name: string,
  checkedOut: boolean,
): string {
  return onPath(
    "read metadata",
    disk.layout.file({ queue, checkout: checkedOut }, name),
    EntryNotFoundError,
    (path) => disk.fs.readText(path),
  );
}

/**
 * Reads a checked-out entry's metadata text and its checkout file's
 * modification time (its stamp), from the same open file.
 */
export function readCheckout(
  disk: Disk,
  queue: string,
  name: string,
): { text: string; mtime: Date | undefined } {
  const { text, info } = onPath(
    "read metadata",
    disk.layout.checkoutFile(queue, name),
    EntryNotFoundError,
    (path) => disk.fs.readTextStat(path),
  );
  return { text, mtime: info.mtime ?? undefined };
}

/** Watches a queue directory for entries arriving. */
export function watchQueue(disk: Disk, queue: string): DirWatcher {
  return onPath(
    "watch queue",
    disk.layout.queueDir(queue),
    QueueNotFoundError,
    (path) => disk.fs.watch(path),
  );
}

/**
 * Whether `name` waits in `queue`, from a look that a network file system
 * may answer from its cache (a reader woken by a watch event lists again
 * anyway).
 */
export function isWaiting(disk: Disk, queue: string, name: string): boolean {
  try {
    disk.fs.lstat(disk.layout.queueFile(queue, name));
    return true;
  } catch {
    return false;
  }
}

/** Stats an entry's registry file. */
export function statEntry(disk: Disk, name: string): Deno.FileInfo {
  return onPath(
    "stat entry",
    disk.layout.registry(name),
    EntryNotFoundError,
    (path) => disk.fs.stat(path),
  );
}

/** Reads an entry's registry file: its history, empty if it has none. */
export function readRegistry(disk: Disk, name: string): string {
  return onPath(
    "read history",
    disk.layout.registry(name),
    EntryNotFoundError,
    (path) => disk.fs.readText(path),
  );
}

/**
 * {@linkcode readRegistry} where the quick calls go (see `calls.ts`): a
 * holder's read of its entry's history, which a network file system's
 * round trip must not make hold the event loop.
 */
export async function readHistoryText(
  disk: Disk,
  name: string,
): Promise<string> {
  const path = disk.layout.registry(name);
  try {
    return await disk.calls.readText(path);
  } catch (error) {
    throw toSpoolError(error, "read history", path, EntryNotFoundError);
  }
}

/** Stats a waiting entry's metadata file, past any cache. */
export function statWaiting(
  disk: Disk,
  queue: string,
  name: string,
): Deno.FileInfo {
  return onPath(
    "stat entry",
    disk.layout.queueFile(queue, name),
    EntryNotFoundError,
    (path) => disk.fs.statFresh(path),
  );
}

/** Reads a payload whole. */
export async function readData(disk: Disk, name: string): Promise<Uint8Array> {
  const path = disk.layout.data(name);
  try {
    return await disk.io(() => disk.calls.readBytes(path));
  } catch (error) {
    throw toSpoolError(error, "read data", path, EntryNotFoundError);
  }
}

/**
 * Opens a payload as a stream; errors arrive typed through the stream, and
 * are shown to `onError` first.
 */
export function readDataStream(
  disk: Disk,
  name: string,
  onError?: (error: SpoolError) => void,
): ReadableStream<Uint8Array> {
  const path = disk.layout.data(name);
  return mapErrors(disk.fs.readStream(path), (error) => {
    const typed = toSpoolError(error, "read data", path, EntryNotFoundError);
    onError?.(typed);
    return typed;
  });
}

/** Stats a payload, not following a symbolic link. */
export function statData(disk: Disk, name: string): Deno.FileInfo {
  return onPath(
    "stat data",
    disk.layout.data(name),
    EntryNotFoundError,
    (path) => disk.fs.lstat(path),
  );
}

async function listNames(
  disk: Disk,
  dir: string,
  operation: string,
): Promise<string[]> {
  let names;
  try {
    names = await disk.fs.listFiles(dir);
  } catch (error) {
    throw toSpoolError(error, operation, dir, QueueNotFoundError);
  }
  // Sorted by UTF-16 code units: byte order for ASCII names; a long
  // listing shares the event loop while it is sorted.
  return await sortNames(withoutDotFiles(names));
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

/** What one look at an entry's files says, for operators' tools. */
export interface EntryFiles {
  /** The metadata text (empty unless it was asked for). */
  metadata: string;
  /**
   * The metadata file's status: its modification time is the entry's due
   * time while that is ahead (see `dueOf`).
   */
  info: Deno.FileInfo;
  /** The registry file's status, if it is there (dates the phase). */
  registry: Deno.FileInfo | undefined;
  /** The registry file's text (the history), when it is not empty. */
  history: string | undefined;
  /** The payload's status (not following a link), if it was asked for. */
  data: Deno.FileInfo | undefined;
}

/** What {@linkcode lookAtEntry} reads beyond the statuses. */
export interface LookOptions {
  /** Read the metadata text (with its status, in one open). */
  metadata?: boolean;
  /** Stat the payload. */
  data?: boolean;
}

/**
 * Looks at an entry's files: its metadata file, waiting in `queue` or
 * checked out of it; its registry file (and its text, only when it is not
 * empty: most entries cost no read); its payload's status, if asked.
 * Undefined if the metadata file is gone.
 *
 * The reads go where the spool's quick calls go (see `QuickCalls`): in line
 * on a local disk, answered at once; or on the runtime's thread pool, where
 * a first read of a file just written, which waits for the journal to
 * write its access time, holds no one else. The stats are made in line: a
 * stat waits for no journal, and on the thread pool a look at every entry
 * of a queue would take five times longer.
 */
export function lookAtEntry(
  disk: Disk,
  queue: string,
  name: string,
  checkedOut: boolean,
  options?: LookOptions,
): EntryFiles | undefined | Promise<EntryFiles | undefined> {
  return runSteps(lookAtEntrySteps(disk, queue, name, checkedOut, options));
}

/** The steps of {@linkcode lookAtEntry}: each read yielded. */
function* lookAtEntrySteps(
  disk: Disk,
  queue: string,
  name: string,
  checkedOut: boolean,
  options: LookOptions = { metadata: true, data: true },
): Steps<EntryFiles | undefined> {
  const { calls, fs, layout } = disk;
  const path = layout.file({ queue, checkout: checkedOut }, name);
  let read: { text: string; info: Deno.FileInfo };
  try {
    read = options.metadata
      ? (yield calls.readTextStat(path)) as {
        text: string;
        info: Deno.FileInfo;
      }
      : { text: "", info: fs.lstat(path) };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw toSpoolError(error, "look at entry", path, EntryNotFoundError);
  }
  const registry = statOrUndefined(disk, layout.registry(name), "stat");
  let history: string | undefined;
  if (registry !== undefined && registry.size > 0) {
    try {
      history = (yield calls.readText(layout.registry(name))) as string;
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) {
        throw toSpoolError(error, "read history", layout.registry(name));
      }
    }
  }
  return {
    metadata: read.text,
    info: read.info,
    registry,
    history,
    data: options.data ? statDataIfThere(disk, name) : undefined,
  };
}

/** The payload's status (not following a link), or undefined if it is gone. */
export function statDataIfThere(
  disk: Disk,
  name: string,
): Deno.FileInfo | undefined {
  return statOrUndefined(disk, disk.layout.data(name), "lstat");
}

/**
 * Where entry `name` is now among `queues`: waiting in a queue, or checked
 * out of one (a stat per place; the first place found, queues in order).
 */
export function findEntry(
  disk: Disk,
  queues: readonly string[],
  name: string,
): { queue: string; checkedOut: boolean } | undefined {
  for (const queue of queues) {
    for (const checkedOut of [false, true]) {
      const path = disk.layout.file({ queue, checkout: checkedOut }, name);
      if (statOrUndefined(disk, path, "lstat") !== undefined) {
        return { queue, checkedOut };
      }
    }
  }
  return undefined;
}

/** The names checked out of `queue`, each with its checkout file's status. */
export async function lookAtCheckouts(
  disk: Disk,
  queue: string,
): Promise<{ name: string; info: Deno.FileInfo }[]> {
  const found: { name: string; info: Deno.FileInfo }[] = [];
  for (const name of await listCheckouts(disk, queue)) {
    const info = statOrUndefined(
      disk,
      disk.layout.checkoutFile(queue, name),
      "lstat",
    );
    // Saved or removed since the listing: not checked out any more.
    if (info !== undefined) found.push({ name, info });
  }
  return found;
}

function statOrUndefined(
  disk: Disk,
  path: string,
  how: "stat" | "lstat",
): Deno.FileInfo | undefined {
  try {
    return how === "stat" ? disk.fs.stat(path) : disk.fs.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw toSpoolError(error, `${how} file`, path);
  }
}
