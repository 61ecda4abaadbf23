/**
 * The file-system effects the spool uses, and nothing else. Every read,
 * write, rename, unlink and flush the library makes goes through a
 * {@linkcode FileSystem}, so that tests can substitute one that records the
 * operations and simulates a crash or a power cut.
 *
 * Errors are the runtime's own (`Deno.errors.NotFound`, `AlreadyExists`, ...);
 * the protocol layer turns them into typed spool errors.
 *
 * Cheap metadata operations are synchronous: on the machines measured, Deno's
 * async forms cost several times more than the system calls themselves, and
 * each blocks the event loop for microseconds only. Flushes and large writes
 * are asynchronous so that concurrent operations overlap them.
 *
 * @module
 */

import { existsSync } from "node:fs";
import { backgroundPause } from "./background.ts";

/** A directory entry: a name and whether it is a plain file. */
export interface DirItem {
  /** The file name. */
  name: string;
  /** True for a regular file, false for directories and anything else. */
  isFile: boolean;
}

/** What a file write takes: bytes, text (UTF-8) or a stream of bytes. */
export type FileContent = Uint8Array | string | ReadableStream<Uint8Array>;

/**
 * A file {@linkcode FileSystem.createFile} wrote and left open, so that it
 * can be flushed without being opened again by its path.
 */
export interface WrittenFile {
  /** Flushes the file's data (as {@linkcode FileSystem.syncFile}). */
  sync(): Promise<void>;
  /** Closes it; the file stays. */
  close(): void;
}

/**
 * A watch on one directory: yields something whenever the directory may have
 * changed (what it yields carries no meaning) and ends when closed.
 */
export interface DirWatcher extends AsyncIterable<unknown> {
  /** Stops watching; the iteration ends. */
  close(): void;
}

/** How {@linkcode FileSystem.syncDir} flushes. */
export interface SyncDirOptions {
  /** Open the directory in line rather than on the thread pool. */
  openInLine?: boolean;
}

/** The file-system operations of the spool protocol. */
export interface FileSystem {
  /**
   * Where the protocol makes the calls that are quick on a local disk
   * (claims, stamps, looks, unlinks, reservations, renames, reads and
   * small writes of new files; see `protocol/calls.ts`): `true` always on the runtime's
   * thread pool (the `...Async` forms), `false` always in line, `"auto"`
   * on the thread pool until they prove quick, then in line while they
   * stay so. Left out: `"auto"` for {@linkcode realFileSystem}, and in line
   * for any other, so that a file system a test substitutes (often the
   * real one with a call or two replaced) sees every call where it
   * watches.
   */
  readonly callsOffThread?: boolean | "auto";
  /** Creates an empty file; throws `AlreadyExists` if the name is taken. */
  createExclusive(path: string): void;
  /** {@linkcode createExclusive} on the runtime's thread pool. */
  createExclusiveAsync(path: string): Promise<void>;
  /**
   * Writes `content` to `path`, replacing any file there unless `createNew`
   * (then `AlreadyExists` if it exists). With `offThread`, even a small
   * file is opened and written on the runtime's thread pool.
   */
  writeFile(
    path: string,
    content: FileContent,
    options: { createNew: boolean; offThread?: boolean },
  ): Promise<void>;
  /**
   * Creates `path` exclusively (`AlreadyExists` if it exists) with
   * `content`, and leaves it open for a flush: `writeFile` with
   * `createNew`, whose `syncFile` needs no second open. The caller closes
   * it. With `offThread`, as {@linkcode writeFile}'s.
   */
  createFile(
    path: string,
    content: FileContent,
    options?: { offThread?: boolean },
  ): Promise<WrittenFile>;
  /** Flushes a file's data (and the metadata needed to read it back). */
  syncFile(path: string): Promise<void>;
  /**
   * Reads a small regular file whole, as text. Reads never follow a
   * symbolic link: anything but a regular file is a
   * {@linkcode NotRegularFileError}.
   */
  readText(path: string): string;
  /**
   * {@linkcode readText}, with the status of the file read (taken from the
   * open file, so it is the file whose text this is).
   */
  readTextStat(path: string): { text: string; info: Deno.FileInfo };
  /** {@linkcode readTextStat} on the runtime's thread pool. */
  readTextStatAsync(
    path: string,
  ): Promise<{ text: string; info: Deno.FileInfo }>;
  /** Reads a regular file whole. */
  readBytes(path: string): Promise<Uint8Array>;
  /** {@linkcode readBytes}, every call on the runtime's thread pool. */
  readBytesAsync(path: string): Promise<Uint8Array>;
  /** Opens a regular file as a stream of chunks, on the first read. */
  readStream(path: string): ReadableStream<Uint8Array>;
  /** Renames atomically, replacing `to` if it exists. */
  rename(from: string, to: string): void;
  /** {@linkcode rename} on the runtime's thread pool. */
  renameAsync(from: string, to: string): Promise<void>;
  /**
   * Gives the file `from` a second name, `to` (a hard link); throws
   * `AlreadyExists` if `to` exists. The claim of an entry rests on it: on
   * GlusterFS two clients renaming one file into one place can both be told
   * they succeeded, while two links to one name never both succeed.
   */
  link(from: string, to: string): void;
  /** {@linkcode link} on the runtime's thread pool. */
  linkAsync(from: string, to: string): Promise<void>;
  /** Unlinks a file. */
  remove(path: string): void;
  /**
   * Unlinks a file on the runtime's thread pool: dearer than
   * {@linkcode FileSystem.remove} for one caller, but the unlinks of
   * several callers overlap, with each other and with this thread's work.
   */
  removeAsync(path: string): Promise<void>;
  /** Sets a file's access and modification times to `time`. */
  touch(path: string, time: Date): void;
  /** {@linkcode touch} on the runtime's thread pool. */
  touchAsync(path: string, time: Date): Promise<void>;
  /** Stats a file or directory (following symbolic links). */
  stat(path: string): Deno.FileInfo;
  /** Stats without following a symbolic link. */
  lstat(path: string): Deno.FileInfo;
  /**
   * Whether something is at `path` (following a symbolic link), on any
   * failure false: a look for what is usually gone, at a third of the cost
   * of an `lstat` that fails (its error is built with a stack).
   */
  exists(path: string): boolean;
  /** {@linkcode lstat} on the runtime's thread pool. */
  lstatAsync(path: string): Promise<Deno.FileInfo>;
  /**
   * Stats a file by opening it: where a network file system may answer a
   * stat from its cache (sshfs keeps listings and attributes for seconds),
   * an open asks the server, so a file another host removed is not found.
   */
  statFresh(path: string): Deno.FileInfo;
  /** Lists a directory. */
  list(path: string): DirItem[];
  /**
   * The names of the regular files in a directory, in no order. Read in
   * batches: a million names cost a third of the memory of a synchronous
   * listing, and the event loop stays free. The names of anything else
   * (directories, symbolic links, ...) go to `others`, if given. With
   * `keep`, each file's name is given to it as it is read, and is in the
   * names returned only if it returns true: a caller that wants a few of a
   * million names holds only those. (A file system may leave `keep` out
   * and return every name: callers offer those too.) A listing with
   * `keep` is not read again on ESTALE, which would offer names twice:
   * the caller reads it again, from the start.
   */
  listFiles(
    path: string,
    others?: string[],
    keep?: (name: string) => boolean,
  ): Promise<string[]>;
  /** Creates a directory (and its parents); no error if it exists. */
  mkdir(path: string): void;
  /**
   * Flushes a directory's entries to stable storage. The flush waits on
   * the runtime's thread pool; the directory is opened there too, unless
   * `openInLine`: on a local disk an open is quick, and a trip to the
   * thread pool costs more than it (strict producers, four at once on a
   * journaled ext4, made a third more entries a second with the open in
   * line).
   */
  syncDir(path: string, options?: SyncDirOptions): Promise<void>;
  /** Watches a directory (not its subdirectories) for changes. */
  watch(path: string): DirWatcher;
}

/**
 * A read found a symbolic link, directory or special file where a regular
 * file belongs. Whoever can write to the spool must not be able to make a
 * consumer read files outside it.
 */
export class NotRegularFileError extends Error {
  /** @param path The path that is not a regular file. */
  constructor(path: string) {
    super(`not a regular file (symbolic links are never followed): ${path}`);
    this.name = "NotRegularFileError";
  }
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
/** Reads and writes are done a megabyte at a time. */
const CHUNK = 1024 * 1024;
/**
 * Payloads up to this size are written and read synchronously: a copy to or
 * from the page cache takes well under a millisecond, while an asynchronous
 * operation costs a thread round trip each.
 */
const SYNC_LIMIT = CHUNK;

/**
 * Opens `path` for reading only if it is a regular file, and is still the
 * same file once open (so that a link swapped in between is refused too).
 */
function openRegularSync(
  path: string,
): { file: Deno.FsFile; size: number; info: Deno.FileInfo } {
  const seen = Deno.lstatSync(path);
  if (!seen.isFile) throw new NotRegularFileError(path);
  const file = Deno.openSync(path, { read: true });
  const opened = file.statSync();
  if (opened.ino !== seen.ino || opened.dev !== seen.dev) {
    file.close();
    throw new NotRegularFileError(path);
  }
  return { file, size: opened.size, info: opened };
}

/** {@linkcode openRegularSync} on the runtime's thread pool. */
async function openRegular(
  path: string,
): Promise<{ file: Deno.FsFile; size: number; info: Deno.FileInfo }> {
  const seen = await Deno.lstat(path);
  if (!seen.isFile) throw new NotRegularFileError(path);
  const file = await Deno.open(path, { read: true });
  try {
    const opened = await file.stat();
    if (opened.ino !== seen.ino || opened.dev !== seen.dev) {
      throw new NotRegularFileError(path);
    }
    return { file, size: opened.size, info: opened };
  } catch (error) {
    file.close();
    throw error;
  }
}

/**
 * How many times a call that only looks (or sets times) is made when a
 * network file system answers ESTALE: a handle it had cached went stale
 * (another host removed or replaced the file), and a new lookup gets a
 * fresh one or a plain "not found".
 */
const STALE_ATTEMPTS = 4;

/**
 * Whether a network file system answered ESTALE: a handle it had cached
 * refers to a file another host removed or replaced.
 */
export function isStale(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === "ESTALE";
}

/** Makes a call that changes nothing, again while it answers ESTALE. */
export function fresh<T>(call: () => T): T {
  for (let attempt = 1;; attempt++) {
    try {
      return call();
    } catch (error) {
      if (!isStale(error) || attempt === STALE_ATTEMPTS) throw error;
    }
  }
}

/** {@linkcode fresh} for asynchronous calls. */
export async function freshAsync<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isStale(error) || attempt === STALE_ATTEMPTS) throw error;
    }
  }
}

/** {@linkcode exclusive} for asynchronous calls. */
async function exclusiveAsync<T>(
  path: string,
  create: () => Promise<T>,
): Promise<T> {
  try {
    return await create();
  } catch (error) {
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    throw taken(path, error);
  }
}

/**
 * The error for an exclusive creation denied: `AlreadyExists` if `path`
 * exists now (an sshfs race lost), else the denial itself.
 */
function taken(path: string, error: Deno.errors.PermissionDenied): Error {
  try {
    fresh(() => Deno.lstatSync(path));
  } catch {
    return error;
  }
  return new Deno.errors.AlreadyExists(
    `${error.message} (and the name exists: it was taken)`,
    { cause: error },
  );
}

/**
 * Makes a call that creates `path` exclusively (create-new, link). The
 * losers of a create race on sshfs are told "permission denied" instead of
 * "already exists"; when `path` exists afterwards, that is what it was.
 */
export function exclusive<T>(path: string, create: () => T): T {
  try {
    return create();
  } catch (error) {
    if (!(error instanceof Deno.errors.PermissionDenied)) throw error;
    throw taken(path, error);
  }
}

/** The real file system, through Deno's runtime APIs. */
export const realFileSystem: FileSystem = {
  createExclusive(path) {
    exclusive(path, () => openForWrite(path, true)).close();
  },

  async createExclusiveAsync(path) {
    (await exclusiveAsync(path, () => openForWriteAsync(path, true))).close();
  },

  async writeFile(path, content, { createNew, offThread = false }) {
    const bytes = typeof content === "string" ? utf8.encode(content) : content;
    if (offThread) {
      using file = createNew
        ? await exclusiveAsync(path, () => openForWriteAsync(path, true))
        : await openForWriteAsync(path, false);
      await writeContent(file, bytes, true);
      return;
    }
    if (bytes instanceof Uint8Array && bytes.length <= SYNC_LIMIT) {
      // One call into the runtime; only its open can be denied.
      const write = () => Deno.writeFileSync(path, bytes, { createNew });
      if (createNew) exclusive(path, write);
      else write();
      return;
    }
    using file = createNew
      ? exclusive(path, () => openForWrite(path, true))
      : openForWrite(path, false);
    await writeContent(file, bytes);
  },

  async createFile(path, content, { offThread = false } = {}) {
    const file = offThread
      ? await exclusiveAsync(path, () => openForWriteAsync(path, true))
      : exclusive(path, () => openForWrite(path, true));
    try {
      await writeContent(
        file,
        typeof content === "string" ? utf8.encode(content) : content,
        offThread,
      );
    } catch (error) {
      file.close();
      throw error;
    }
    return { sync: () => file.syncData(), close: () => file.close() };
  },

  // Opened on the thread pool too: on a network file system an open is a
  // round trip, and a flush waits for the disk anyway.
  syncFile: (path) =>
    freshAsync(async () => {
      using file = await Deno.open(path, { read: true });
      await file.syncData();
    }),

  readText(path) {
    const { file, size } = fresh(() => openRegularSync(path));
    using _ = file;
    return utf8Decoder.decode(readAllSync(file, size));
  },

  readTextStat(path) {
    const { file, size, info } = fresh(() => openRegularSync(path));
    using _ = file;
    return { text: utf8Decoder.decode(readAllSync(file, size)), info };
  },

  readTextStatAsync: (path) =>
    freshAsync(async () => {
      const { file, size, info } = await openRegular(path);
      using _ = file;
      return { text: utf8Decoder.decode(await readAll(file, size)), info };
    }),

  async readBytes(path) {
    const { file, size } = fresh(() => openRegularSync(path));
    using _ = file;
    if (size <= SYNC_LIMIT) return readAllSync(file, size);
    // Large: read asynchronously, a chunk at a time, into one buffer.
    let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(size);
    let filled = 0;
    for (;;) {
      if (filled === buffer.length) buffer = grow(buffer);
      const n = await file.read(
        buffer.subarray(filled, Math.min(buffer.length, filled + CHUNK)),
      );
      if (n === null) return buffer.subarray(0, filled);
      filled += n;
    }
  },

  readBytesAsync: (path) =>
    freshAsync(async () => {
      const { file, size } = await openRegular(path);
      using _ = file;
      return await readAll(file, size);
    }),

  readStream(path) {
    let file: Deno.FsFile | undefined;
    const close = () => {
      file?.close();
      file = undefined;
    };
    return new ReadableStream<Uint8Array>({
      pull(controller) {
        try {
          file ??= fresh(() => openRegularSync(path)).file;
          // Synchronous reads of a megabyte: one page-cache copy each,
          // faster than an asynchronous round trip per chunk.
          const buffer = new Uint8Array(CHUNK);
          const n = file.readSync(buffer);
          if (n === null) {
            close();
            controller.close();
          } else {
            controller.enqueue(buffer.subarray(0, n));
          }
        } catch (error) {
          close();
          throw error;
        }
      },
      cancel: close,
    });
  },

  // Renames and unlinks are not made again on ESTALE: the first call may
  // have been carried out. The protocol decides what such an answer means.
  rename: (from, to) => Deno.renameSync(from, to),
  renameAsync: (from, to) => Deno.rename(from, to),
  link: (from, to) => exclusive(to, () => Deno.linkSync(from, to)),
  linkAsync: (from, to) => exclusiveAsync(to, () => Deno.link(from, to)),
  remove: (path) => Deno.removeSync(path),
  removeAsync: (path) => Deno.remove(path),
  touch: (path, time) => fresh(() => Deno.utimeSync(path, time, time)),
  touchAsync: (path, time) => freshAsync(() => Deno.utime(path, time, time)),
  stat: (path) => fresh(() => Deno.statSync(path)),
  lstat: (path) => fresh(() => Deno.lstatSync(path)),
  exists: (path) => existsSync(path),
  lstatAsync: (path) => freshAsync(() => Deno.lstat(path)),
  statFresh: (path) =>
    fresh(() => {
      // Only regular files are opened: opening a FIFO would wait forever.
      if (!Deno.lstatSync(path).isFile) return Deno.statSync(path);
      using file = Deno.openSync(path, { read: true });
      return file.statSync();
    }),

  list: (path) =>
    fresh(() => {
      const items: DirItem[] = [];
      for (const item of Deno.readDirSync(path)) {
        items.push({ name: item.name, isFile: item.isFile });
      }
      return items;
    }),

  listFiles(path, others, keep) {
    const list = async () => {
      const names: string[] = [];
      if (others !== undefined) others.length = 0;
      let read = 0;
      for await (const item of Deno.readDir(path)) {
        // A listing made in the background gives way to foreground work.
        if ((++read & 1023) === 0) await backgroundPause();
        if (!item.isFile) others?.push(item.name);
        else if (keep === undefined || keep(item.name)) names.push(item.name);
      }
      return names;
    };
    return keep === undefined ? freshAsync(list) : list();
  },

  mkdir: (path) => fresh(() => Deno.mkdirSync(path, { recursive: true })),

  syncDir: (path, options) =>
    freshAsync(async () => {
      using dir = options?.openInLine === true
        ? Deno.openSync(path, { read: true })
        : await Deno.open(path, { read: true });
      await dir.sync();
    }),

  watch: (path) => Deno.watchFs(path, { recursive: false }),
};

function writeOpenOptions(createNew: boolean): Deno.OpenOptions {
  return createNew
    ? { write: true, createNew: true }
    : { write: true, create: true, truncate: true };
}

function openForWrite(path: string, createNew: boolean): Deno.FsFile {
  return Deno.openSync(path, writeOpenOptions(createNew));
}

function openForWriteAsync(
  path: string,
  createNew: boolean,
): Promise<Deno.FsFile> {
  return Deno.open(path, writeOpenOptions(createNew));
}

/**
 * Writes bytes or a stream to an open file: small byte arrays in one
 * synchronous write (unless `offThread`), the rest a megabyte at a time.
 */
async function writeContent(
  file: Deno.FsFile,
  content: Uint8Array | ReadableStream<Uint8Array>,
  offThread = false,
): Promise<void> {
  if (content instanceof ReadableStream) {
    return await writeStream(file, content);
  }
  if (content.length <= SYNC_LIMIT && !offThread) {
    return writeAllSync(file, content);
  }
  for (let offset = 0; offset < content.length; offset += CHUNK) {
    await writeAll(file, content.subarray(offset, offset + CHUNK));
  }
}

function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    written += file.writeSync(bytes.subarray(written));
  }
}

/** Writes a stream, gathering small chunks into writes of a megabyte. */
async function writeStream(
  file: Deno.FsFile,
  stream: ReadableStream<Uint8Array>,
): Promise<void> {
  const buffer = new Uint8Array(CHUNK);
  let filled = 0;
  for await (const chunk of stream) {
    let offset = 0;
    while (offset < chunk.length) {
      if (filled === 0 && chunk.length - offset >= CHUNK) {
        writeAllSync(file, chunk.subarray(offset, offset + CHUNK));
        offset += CHUNK;
        continue;
      }
      const n = Math.min(chunk.length - offset, CHUNK - filled);
      buffer.set(chunk.subarray(offset, offset + n), filled);
      filled += n;
      offset += n;
      if (filled === CHUNK) {
        writeAllSync(file, buffer);
        filled = 0;
      }
    }
  }
  writeAllSync(file, buffer.subarray(0, filled));
}

/** Reads an open file to its end; `size` is its expected size. */
function readAllSync(file: Deno.FsFile, size: number): Uint8Array {
  // One byte more than expected: a read that stops short at the expected
  // size is at the end (a regular file's short read is its end), so the
  // usual file takes one read, not a second one to be told so.
  let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(size + 1);
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) buffer = grow(buffer);
    const asked = buffer.length - filled;
    const n = file.readSync(buffer.subarray(filled));
    if (n === null) return buffer.subarray(0, filled);
    filled += n;
    if (n < asked && filled === size) return buffer.subarray(0, filled);
  }
}

/** {@linkcode readAllSync} on the runtime's thread pool. */
async function readAll(file: Deno.FsFile, size: number): Promise<Uint8Array> {
  let buffer: Uint8Array<ArrayBuffer> = new Uint8Array(size + 1);
  let filled = 0;
  for (;;) {
    if (filled === buffer.length) buffer = grow(buffer);
    const asked = buffer.length - filled;
    const n = await file.read(buffer.subarray(filled));
    if (n === null) return buffer.subarray(0, filled);
    filled += n;
    if (n < asked && filled === size) return buffer.subarray(0, filled);
  }
}

function grow(buffer: Uint8Array): Uint8Array<ArrayBuffer> {
  const bigger = new Uint8Array(buffer.length * 2 + CHUNK);
  bigger.set(buffer);
  return bigger;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await file.write(bytes.subarray(written));
  }
}
