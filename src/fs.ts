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
 * A watch on one directory: yields something whenever the directory may have
 * changed (what it yields carries no meaning) and ends when closed.
 */
export interface DirWatcher extends AsyncIterable<unknown> {
  /** Stops watching; the iteration ends. */
  close(): void;
}

/** The file-system operations of the spool protocol. */
export interface FileSystem {
  /** Creates an empty file; throws `AlreadyExists` if the name is taken. */
  createExclusive(path: string): void;
  /**
   * Writes `content` to `path`, replacing any file there unless `createNew`
   * (then `AlreadyExists` if it exists).
   */
  writeFile(
    path: string,
    content: FileContent,
    options: { createNew: boolean },
  ): Promise<void>;
  /** Flushes a file's data (and the metadata needed to read it back). */
  syncFile(path: string): Promise<void>;
  /**
   * Reads a small regular file whole, as text. Reads never follow a
   * symbolic link: anything but a regular file is a
   * {@linkcode NotRegularFileError}.
   */
  readText(path: string): string;
  /** Reads a regular file whole. */
  readBytes(path: string): Promise<Uint8Array>;
  /** Opens a regular file as a stream of chunks, on the first read. */
  readStream(path: string): ReadableStream<Uint8Array>;
  /** Renames atomically, replacing `to` if it exists. */
  rename(from: string, to: string): void;
  /** Unlinks a file. */
  remove(path: string): void;
  /** Sets a file's access and modification times to `time`. */
  touch(path: string, time: Date): void;
  /** Stats a file or directory (following symbolic links). */
  stat(path: string): Deno.FileInfo;
  /** Stats without following a symbolic link. */
  lstat(path: string): Deno.FileInfo;
  /** Lists a directory. */
  list(path: string): DirItem[];
  /** The names of the regular files in a directory, in no order. */
  listFiles(path: string): string[];
  /** Creates a directory (and its parents); no error if it exists. */
  mkdir(path: string): void;
  /** Flushes a directory's entries to stable storage. */
  syncDir(path: string): Promise<void>;
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
const CHUNK = 256 * 1024;

/**
 * Opens `path` for reading only if it is a regular file, and is still the
 * same file once open (so that a link swapped in between is refused too).
 */
function openRegularSync(path: string): Deno.FsFile {
  const seen = Deno.lstatSync(path);
  if (!seen.isFile) throw new NotRegularFileError(path);
  const file = Deno.openSync(path, { read: true });
  const opened = file.statSync();
  if (opened.ino !== seen.ino || opened.dev !== seen.dev) {
    file.close();
    throw new NotRegularFileError(path);
  }
  return file;
}

async function openRegular(path: string): Promise<Deno.FsFile> {
  const seen = await Deno.lstat(path);
  if (!seen.isFile) throw new NotRegularFileError(path);
  const file = await Deno.open(path, { read: true });
  const opened = await file.stat();
  if (opened.ino !== seen.ino || opened.dev !== seen.dev) {
    file.close();
    throw new NotRegularFileError(path);
  }
  return file;
}

/** The real file system, through Deno's runtime APIs. */
export const realFileSystem: FileSystem = {
  createExclusive(path) {
    Deno.openSync(path, { write: true, createNew: true }).close();
  },

  async writeFile(path, content, { createNew }) {
    const options = createNew
      ? { write: true, createNew: true }
      : { write: true, create: true, truncate: true };
    if (content instanceof ReadableStream) {
      using file = await Deno.open(path, options);
      for await (const chunk of content) await writeAll(file, chunk);
      return;
    }
    const bytes = typeof content === "string" ? utf8.encode(content) : content;
    if (bytes.length <= CHUNK) {
      using file = Deno.openSync(path, options);
      let written = 0;
      while (written < bytes.length) {
        written += file.writeSync(bytes.subarray(written));
      }
      return;
    }
    using file = await Deno.open(path, options);
    await writeAll(file, bytes);
  },

  async syncFile(path) {
    using file = Deno.openSync(path, { read: true });
    await file.syncData();
  },

  readText(path) {
    using file = openRegularSync(path);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const buffer = new Uint8Array(Math.max(4096, size));
      const n = file.readSync(buffer);
      if (n === null) break;
      chunks.push(buffer.subarray(0, n));
      size += n;
    }
    return utf8Decoder.decode(
      chunks.length === 1 ? chunks[0] : concat(chunks, size),
    );
  },

  async readBytes(path) {
    using file = await openRegular(path);
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const buffer = new Uint8Array(CHUNK);
      const n = await file.read(buffer);
      if (n === null) break;
      chunks.push(buffer.subarray(0, n));
      size += n;
    }
    return chunks.length === 1 ? chunks[0] : concat(chunks, size);
  },

  readStream(path) {
    let file: Deno.FsFile | undefined;
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          file ??= await openRegular(path);
          const buffer = new Uint8Array(CHUNK);
          const n = await file.read(buffer);
          if (n === null) {
            file.close();
            file = undefined;
            controller.close();
          } else {
            controller.enqueue(buffer.subarray(0, n));
          }
        } catch (error) {
          file?.close();
          file = undefined;
          throw error;
        }
      },
      cancel() {
        file?.close();
        file = undefined;
      },
    });
  },

  rename: (from, to) => Deno.renameSync(from, to),
  remove: (path) => Deno.removeSync(path),
  touch: (path, time) => Deno.utimeSync(path, time, time),
  stat: (path) => Deno.statSync(path),
  lstat: (path) => Deno.lstatSync(path),

  list(path) {
    const items: DirItem[] = [];
    for (const item of Deno.readDirSync(path)) {
      items.push({ name: item.name, isFile: item.isFile });
    }
    return items;
  },

  listFiles(path) {
    const names: string[] = [];
    for (const item of Deno.readDirSync(path)) {
      if (item.isFile) names.push(item.name);
    }
    return names;
  },

  mkdir: (path) => Deno.mkdirSync(path, { recursive: true }),

  async syncDir(path) {
    using dir = Deno.openSync(path, { read: true });
    await dir.sync();
  },

  watch: (path) => Deno.watchFs(path, { recursive: false }),
};

function concat(chunks: Uint8Array[], size: number): Uint8Array {
  const whole = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    whole.set(chunk, offset);
    offset += chunk.length;
  }
  return whole;
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    written += await file.write(bytes.subarray(written));
  }
}
