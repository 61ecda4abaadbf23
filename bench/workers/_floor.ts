// Plain-syscall mirrors of the protocol's operations (src/protocol/:
// publish.ts, claim.ts, remove.ts), for the floor contenders: same files,
// same order, synchronous calls, no library. Each comment names the
// protocol step it stands for.

import { existsSync } from "node:fs";
import { GroupCommit } from "../../src/group_commit.ts";

const utf8 = new TextEncoder();

function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    written += file.writeSync(bytes.subarray(written));
  }
}

function flushDir(path: string): void {
  using dir = Deno.openSync(path, { read: true });
  dir.syncSync();
}

/**
 * `openRegularSync` (src/fs.ts): lstat, open, fstat, so that a symbolic
 * link is never followed.
 */
export function openRegularSync(path: string): Deno.FsFile {
  const seen = Deno.lstatSync(path);
  if (!seen.isFile) throw new Error(`not a regular file: ${path}`);
  const file = Deno.openSync(path, { read: true });
  const opened = file.statSync();
  if (opened.ino !== seen.ino) throw new Error(`swapped: ${path}`);
  return file;
}

/** Creates `path` (exclusively) and writes `chunks` to it; left open. */
function writeNewSync(path: string, chunks: Uint8Array[]): Deno.FsFile {
  const file = Deno.openSync(path, { write: true, createNew: true });
  try {
    for (const chunk of chunks) writeAllSync(file, chunk);
  } catch (error) {
    file.close();
    throw error;
  }
  return file;
}

/** The files of one entry as {@linkcode createEntryFiles} leaves them. */
export interface EntryFiles {
  /** `.tmp/NAME`, to rename into the queue. */
  tmp: string;
  /** The payload and metadata files, still open: flushed through them. */
  files: [Deno.FsFile, Deno.FsFile];
}

/**
 * The file work of `publish` after `reserve`, before any flush: the
 * registry, data and tmp files of one entry whose payload comes in `chunks`.
 * The payload and metadata files are left open, as the library's
 * `createFile` leaves them, to be flushed through their descriptors.
 */
export function createEntryFiles(
  spool: string,
  name: string,
  metadata: string,
  chunks: Uint8Array[],
): EntryFiles {
  // reserve(): create-exclusive .registry/NAME
  Deno.openSync(`${spool}/.registry/${name}`, { write: true, createNew: true })
    .close();
  // createFile(.data/NAME), createFile(.tmp/NAME): created exclusively
  const data = writeNewSync(`${spool}/.data/${name}`, chunks);
  try {
    const tmp = `${spool}/.tmp/${name}`;
    return { tmp, files: [data, writeNewSync(tmp, [utf8.encode(metadata)])] };
  } catch (error) {
    data.close();
    throw error;
  }
}

/** `publish` after `reserve`, for one entry whose payload comes in `chunks`. */
export function publishFloor(
  spool: string,
  queue: string,
  name: string,
  metadata: string,
  chunks: Uint8Array[],
  strict: boolean,
): void {
  const { tmp, files } = createEntryFiles(spool, name, metadata, chunks);
  try {
    // WrittenFile.sync() of the payload and the metadata
    if (strict) { for (const file of files) file.syncDataSync(); }
  } finally {
    for (const file of files) file.close();
  }
  if (strict) {
    // syncDir(.registry), syncDir(.data)
    flushDir(`${spool}/.registry`);
    flushDir(`${spool}/.data`);
  }
  // rename(.tmp/NAME, QUEUE/NAME): the entry is visible
  Deno.renameSync(tmp, `${spool}/${queue}/${name}`);
  // syncDir(QUEUE)
  if (strict) flushDir(`${spool}/${queue}`);
}

/**
 * Entry `seq` of an enqueue run, as the floor makes it: in queue `q`, named
 * by `names`, its metadata `{"seq":N}`, its payload `payload`.
 */
export function enqueueFloor(
  spool: string,
  names: () => string,
  seq: number,
  payload: Uint8Array,
  strict: boolean,
): void {
  publishFloor(spool, "q", names(), JSON.stringify({ seq }), [payload], strict);
}

async function flushDirAsync(path: string): Promise<void> {
  using dir = Deno.openSync(path, { read: true });
  await dir.sync();
}

/**
 * The strict `publish` for concurrent producers, by hand: the same
 * calls as {@linkcode publishFloor}, with the file flushes asynchronous and
 * the directory flushes shared (the library's `GroupCommit`, which is all
 * there is to sharing them). It is the best a script can do with these
 * system calls on this machine: the ceiling of strict concurrent enqueue.
 */
export class SharedFlushPublisher {
  readonly #dirs = new GroupCommit(flushDirAsync);
  readonly #spool: string;

  constructor(spool: string) {
    this.#spool = spool;
  }

  async publish(
    queue: string,
    name: string,
    metadata: string,
    payload: Uint8Array,
  ): Promise<void> {
    const spool = this.#spool;
    const { tmp, files } = createEntryFiles(spool, name, metadata, [payload]);
    try {
      await Promise.all([
        ...files.map((file) => file.syncData()),
        this.#dirs.flush(`${spool}/.registry`),
        this.#dirs.flush(`${spool}/.data`),
      ]);
    } finally {
      for (const file of files) file.close();
    }
    Deno.renameSync(tmp, `${spool}/${queue}/${name}`);
    await this.#dirs.flush(`${spool}/${queue}`);
  }
}

/**
 * `checkout` then `removeCheckedOut` for one entry, reading its metadata
 * in between as `checkout` does, with the holder's two looks at removal. Returns false if another consumer took the
 * entry first.
 */
export function checkoutAndRemoveFloor(
  spool: string,
  queue: string,
  name: string,
  strict: boolean,
  read?: (data: string) => void,
): boolean {
  const from = `${spool}/${queue}/${name}`;
  const to = `${spool}/${queue}/.checkout/${name}`;
  const registry = `${spool}/.registry/${name}`;
  const data = `${spool}/.data/${name}`;
  // claim(): link into .checkout/, the lock
  try {
    Deno.linkSync(from, to);
  } catch (error) {
    if (
      error instanceof Deno.errors.NotFound ||
      error instanceof Deno.errors.AlreadyExists
    ) return false;
    throw error;
  }
  // checkout's check: readTextStat() opens regular files only
  {
    using file = openRegularSync(to);
    const buffer = new Uint8Array(4096);
    file.readSync(buffer);
  }
  // stampPhase: the claimed file, then the registry file; then the old name
  const time = new Date();
  Deno.utimeSync(to, time, time);
  Deno.utimeSync(registry, time, time);
  Deno.removeSync(from);
  read?.(data);
  // removeCheckedOut(): the holder proves the checkout still carries its
  // stamp, unlinks the metadata, and looks whether a requeue in flight put
  // the same file back in the queue (afterRemoval); the registry was stamped
  // just now, so a flush (strict), then the payload and the registry file
  Deno.lstatSync(to);
  Deno.removeSync(to);
  // Nothing there, the usual case: a look that builds no error.
  if (existsSync(from)) Deno.lstatSync(from);
  if (strict) flushDir(`${spool}/${queue}/.checkout`);
  Deno.removeSync(data);
  Deno.removeSync(registry);
  return true;
}
