// Plain-syscall mirrors of the protocol's operations (src/protocol/moves.ts),
// for the floor contenders: same files, same order, synchronous calls, no
// library. Each comment names the protocol step it stands for.

import { GroupCommit } from "../../src/group_commit.ts";

const utf8 = new TextEncoder();

function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) {
    written += file.writeSync(bytes.subarray(written));
  }
}

function flushFile(path: string): void {
  using file = Deno.openSync(path, { read: true });
  file.syncDataSync();
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

/**
 * The file work of `publish` after `reserve`, before any flush: the
 * registry, data and tmp files of one entry whose payload comes in `chunks`.
 * Returns the data and tmp paths.
 */
function createEntryFiles(
  spool: string,
  name: string,
  metadata: string,
  chunks: Uint8Array[],
): { data: string; tmp: string } {
  // reserve(): create-exclusive .registry/NAME
  Deno.openSync(`${spool}/.registry/${name}`, { write: true, createNew: true })
    .close();
  // writeFile(.data/NAME, createNew)
  const data = `${spool}/.data/${name}`;
  {
    using file = Deno.openSync(data, { write: true, createNew: true });
    for (const chunk of chunks) writeAllSync(file, chunk);
  }
  // #writeTmp: writeFile(.tmp/NAME, createNew)
  const tmp = `${spool}/.tmp/${name}`;
  {
    using file = Deno.openSync(tmp, { write: true, createNew: true });
    writeAllSync(file, utf8.encode(metadata));
  }
  return { data, tmp };
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
  const { data, tmp } = createEntryFiles(spool, name, metadata, chunks);
  if (strict) {
    // syncFile(data), syncFile(tmp), syncDir(.registry), syncDir(.data)
    flushFile(data);
    flushFile(tmp);
    flushDir(`${spool}/.registry`);
    flushDir(`${spool}/.data`);
  }
  // rename(.tmp/NAME, QUEUE/NAME): the entry is visible
  Deno.renameSync(tmp, `${spool}/${queue}/${name}`);
  // syncDir(QUEUE)
  if (strict) flushDir(`${spool}/${queue}`);
}

async function flushFileAsync(path: string): Promise<void> {
  using file = Deno.openSync(path, { read: true });
  await file.syncData();
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
    const { data, tmp } = createEntryFiles(spool, name, metadata, [payload]);
    await Promise.all([
      flushFileAsync(data),
      flushFileAsync(tmp),
      this.#dirs.flush(`${spool}/.registry`),
      this.#dirs.flush(`${spool}/.data`),
    ]);
    Deno.renameSync(tmp, `${spool}/${queue}/${name}`);
    await this.#dirs.flush(`${spool}/${queue}`);
  }
}

/**
 * `checkout` then `removeCheckedOut` for one entry, reading
 * its metadata in between as `SpoolCore.tryCheckout` does. Returns false if
 * another consumer took the entry first.
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
  // #touchPhase: the moved file, then the registry file
  let time = new Date();
  try {
    Deno.utimeSync(from, time, time);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  Deno.utimeSync(registry, time, time);
  // rename into .checkout/: the lock
  try {
    Deno.renameSync(from, to);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
  // readCheckoutMetadata: readText() opens regular files only
  {
    using file = openRegularSync(to);
    const buffer = new Uint8Array(4096);
    while (file.readSync(buffer) !== null);
  }
  read?.(data);
  // #remove: touch the registry, unlink the metadata, flush (strict), then
  // the payload and the registry file
  time = new Date();
  Deno.utimeSync(registry, time, time);
  Deno.removeSync(to);
  if (strict) flushDir(`${spool}/${queue}/.checkout`);
  Deno.removeSync(data);
  Deno.removeSync(registry);
  return true;
}
