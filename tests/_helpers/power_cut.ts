// A file system double that records every operation the library makes and
// can "cut the power" after any of them: it computes a state that a
// journaling file system could come back with, and writes it to a real
// directory.
//
// The model, per POSIX and as ext4/XFS behave when it matters:
// - A flush (`syncFile`, `syncDir`) is recorded with the moment it started
//   (how many operations had been recorded when it was called) and takes
//   effect at the moment it ended (its place in the record). It makes
//   durable only the changes recorded before it STARTED: a change made while
//   it was in flight may or may not have reached the disk, so a caller whose
//   change came after the start has to wait for another flush. A file flush
//   flushes the file its path named when it started.
// - A file's contents survive only if a flush of the file started after its
//   last write; otherwise the file may come back empty, with its contents
//   as last flushed, cut in half, whole, or (in a random state) torn at
//   block granularity: its new size with some 4 KiB blocks zeroed, stale
//   (from an earlier write of the file) or garbage, cut short at a 4 KiB
//   boundary, or with a tail of garbage blocks. Garbage is a block of 0xff,
//   of fixed noise or of another recorded file (a freed block reused).
// - A directory's entries (creations, unlinks, renames in and out) reach the
//   disk in the order they were made, as a prefix of that directory's
//   changes; a `syncDir` makes every change of that directory made before it
//   started durable. Directories are independent of each other, except that
//   a rename is atomic: it survives in both directories or in neither, and
//   the changes to the names of one file (its creation, each link to it,
//   rename or unlink of one of its names, its replacement by a rename over
//   it) survive in the order they were made: each of them updates the file's
//   inode (link count, change time), and a journal commits the updates of
//   one inode in order. So a file cannot lose a name to an unlink whose
//   earlier link was lost. (A file system without a journal, such as ext2
//   or ext4 without one, promises none of this.)
// - A file's modification time is set by each write and by `touch` (a
//   utime). A touch updates the file's inode, so it joins the order of the
//   changes to the file's names: it survives if any later one of them
//   survived, and if it survives, so did every earlier one. `syncFile` is an
//   fdatasync, which need not flush times, so it makes no touch durable.
//   Otherwise the touch may be lost or kept, and a later touch of a file
//   survives only with the earlier ones. A file comes back with the time of
//   its latest surviving touch or, if the write whose contents it comes back
//   with came later, that write's time (read right after the write; for a
//   file there from the start, its time then).
// Everything before the recording started counts as durable.
//
// A state is the least (only what is durable), the most (everything), or
// random: each open question (how many of a directory's changes survive,
// which touches, how an unflushed file comes back) is decided by a draw
// that favors the extremes. Random states are reproducible: `sample(seed,
// cut, n)` is the random source of sample `n` of cut `cut`, so a failure
// that names the three replays with `materialize(dir, cut, sample(seed,
// cut, n))`.
//
// Not modelled: a write in flight at the cut (a write is recorded when it
// has finished, so a cut comes before it or after it), failed flushes and
// other I/O errors (EIO, ENOSPC, short writes), directories' times, file
// systems without a journal or that reorder the changes to one file's
// names, network file systems, and disks that acknowledge a flush they
// have not made.

import {
  type FileContent,
  type FileSystem,
  realFileSystem,
  type WrittenFile,
} from "../../src/fs.ts";

/** One recorded operation; paths are relative to the root ("" is the root). */
export type Op =
  | { kind: "mkdir"; path: string }
  | {
    kind: "write";
    path: string;
    content: Uint8Array;
    createNew: boolean;
    /** The file's modification time right after the write (ms). */
    mtime: number;
  }
  /**
   * A flush of a file's contents, recorded when it ended. `started` is the
   * number of operations recorded when it was called: it flushes the file
   * `path` named then, and covers the writes among the first `started`
   * operations only.
   */
  | { kind: "syncFile"; path: string; started: number }
  | { kind: "rename"; from: string; to: string }
  | { kind: "link"; from: string; to: string }
  | { kind: "unlink"; path: string }
  /** Sets a file's times; `time` in milliseconds since the epoch. */
  | { kind: "touch"; path: string; time: number }
  /**
   * A flush of a directory's entries, recorded when it ended; it covers the
   * changes among the first `started` operations only.
   */
  | { kind: "syncDir"; path: string; started: number };

/** What to leave out on purpose, to show that the tests can fail. */
export interface Sabotage {
  /** Directories (relative paths) whose flushes are not recorded. */
  skipSyncDir?: (path: string) => boolean;
  /** Files (relative paths) whose flushes are not recorded. */
  skipSyncFile?: (path: string) => boolean;
  /**
   * Files (relative paths) whose times set are not recorded: as if set
   * where no power cut could keep them.
   */
  skipTouch?: (path: string) => boolean;
}

const encoder = new TextEncoder();

/**
 * Performs every operation on the real file system and records it when it
 * has finished, a flush with the moment it started. The state of `root`
 * when it is constructed counts as durable.
 */
export class RecordingFs implements FileSystem {
  /**
   * Where the protocol makes its quick calls: set true before a spool is
   * opened, they are the `...Async` forms (recorded alike, after a turn).
   */
  callsOffThread = false;
  readonly ops: Op[] = [];
  readonly initial: Snapshot;
  readonly #root: string;
  readonly #sabotage: Sabotage;

  constructor(root: string, sabotage: Sabotage = {}) {
    this.#root = root;
    this.#sabotage = sabotage;
    this.initial = snapshot(root);
  }

  #rel(path: string): string {
    if (path === this.#root) return "";
    if (!path.startsWith(`${this.#root}/`)) {
      throw new Error(`outside the recorded root: ${path}`);
    }
    return path.slice(this.#root.length + 1);
  }

  createExclusive(path: string): void {
    realFileSystem.createExclusive(path);
    this.ops.push({
      kind: "write",
      path: this.#rel(path),
      content: new Uint8Array(),
      createNew: true,
      mtime: mtimeOf(realFileSystem.stat(path)),
    });
  }

  async writeFile(
    path: string,
    content: FileContent,
    options: { createNew: boolean; offThread?: boolean },
  ): Promise<void> {
    const bytes = typeof content === "string"
      ? encoder.encode(content)
      : content instanceof Uint8Array
      ? content
      : new Uint8Array(await new Response(content).arrayBuffer());
    await realFileSystem.writeFile(path, bytes, options);
    this.ops.push({
      kind: "write",
      path: this.#rel(path),
      content: bytes,
      createNew: options.createNew,
      mtime: mtimeOf(realFileSystem.stat(path)),
    });
  }

  // A flush covers what was recorded when it was called: the system call
  // starts at that moment or later, never earlier.
  // As the library's: a new file written, then flushed (same operations as
  // writeFile then syncFile, which is what is recorded).
  async createFile(
    path: string,
    content: FileContent,
    options: { offThread?: boolean } = {},
  ): Promise<WrittenFile> {
    await this.writeFile(path, content, { createNew: true, ...options });
    return { sync: () => this.syncFile(path), close: () => {} };
  }

  async syncFile(path: string): Promise<void> {
    await this.#flush("syncFile", path);
  }

  /** Flushes `path` and records it, unless the sabotage leaves it out. */
  async #flush(kind: "syncFile" | "syncDir", path: string): Promise<void> {
    const started = this.ops.length;
    await realFileSystem[kind](path);
    const rel = this.#rel(path);
    const skip = kind === "syncFile"
      ? this.#sabotage.skipSyncFile
      : this.#sabotage.skipSyncDir;
    if (!skip?.(rel)) this.ops.push({ kind, path: rel, started });
  }

  rename(from: string, to: string): void {
    realFileSystem.rename(from, to);
    this.ops.push({ kind: "rename", from: this.#rel(from), to: this.#rel(to) });
  }

  link(from: string, to: string): void {
    realFileSystem.link(from, to);
    this.ops.push({ kind: "link", from: this.#rel(from), to: this.#rel(to) });
  }

  remove(path: string): void {
    realFileSystem.remove(path);
    this.ops.push({ kind: "unlink", path: this.#rel(path) });
  }

  // The thread pool's calls: like the others, made after a turn.
  async removeAsync(path: string): Promise<void> {
    await Promise.resolve();
    this.remove(path);
  }

  async createExclusiveAsync(path: string): Promise<void> {
    await Promise.resolve();
    this.createExclusive(path);
  }

  async renameAsync(from: string, to: string): Promise<void> {
    await Promise.resolve();
    this.rename(from, to);
  }

  async linkAsync(from: string, to: string): Promise<void> {
    await Promise.resolve();
    this.link(from, to);
  }

  async touchAsync(path: string, time: Date): Promise<void> {
    await Promise.resolve();
    this.touch(path, time);
  }

  mkdir(path: string): void {
    realFileSystem.mkdir(path);
    this.ops.push({ kind: "mkdir", path: this.#rel(path) });
  }

  async syncDir(path: string): Promise<void> {
    await this.#flush("syncDir", path);
  }

  touch(path: string, time: Date): void {
    realFileSystem.touch(path, time);
    if (this.#sabotage.skipTouch?.(this.#rel(path))) return;
    this.ops.push({
      kind: "touch",
      path: this.#rel(path),
      time: time.getTime(),
    });
  }

  // Reads change nothing that a power cut could lose.
  readText = realFileSystem.readText;
  readTextStat = realFileSystem.readTextStat;
  readTextStatAsync = realFileSystem.readTextStatAsync;
  readBytes = realFileSystem.readBytes;
  readBytesAsync = realFileSystem.readBytesAsync;
  readStream = realFileSystem.readStream;
  stat = realFileSystem.stat;
  lstat = realFileSystem.lstat;
  exists = realFileSystem.exists;
  lstatAsync = realFileSystem.lstatAsync;
  statFresh = realFileSystem.statFresh;
  list = realFileSystem.list;
  listFiles = realFileSystem.listFiles;
  watch = realFileSystem.watch;
}

/** The files and directories under a root. */
export interface Snapshot {
  dirs: string[];
  files: Map<string, Uint8Array>;
  /** Each file's modification time, in milliseconds since the epoch. */
  mtimes: Map<string, number>;
}

/** A file's modification time in milliseconds since the epoch. */
function mtimeOf(info: Deno.FileInfo): number {
  if (info.mtime === null) throw new Error("no modification time");
  return info.mtime.getTime();
}

/** Reads the tree under `root`. */
export function snapshot(root: string): Snapshot {
  const result: Snapshot = { dirs: [""], files: new Map(), mtimes: new Map() };
  const walk = (rel: string) => {
    for (const item of Deno.readDirSync(rel ? `${root}/${rel}` : root)) {
      const path = rel ? `${rel}/${item.name}` : item.name;
      if (item.isDirectory) {
        result.dirs.push(path);
        walk(path);
      } else {
        result.files.set(path, Deno.readFileSync(`${root}/${path}`));
        result.mtimes.set(path, mtimeOf(Deno.statSync(`${root}/${path}`)));
      }
    }
  };
  walk("");
  return result;
}

/** A small seeded random number generator (mulberry32), for replays. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The random source of sample `n` of the states after cut `cut`, for a run
 * seeded with `seed`: each sample replays on its own, whatever was drawn
 * before it.
 */
export function sample(seed: number, cut: number, n: number): () => number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13) ^ cut, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16) ^ n, 0x27d4eb2f);
  return random(h ^ (h >>> 15));
}

/** The block size at which an unflushed file is torn. */
export const BLOCK = 4096;

type Node = { type: "dir"; path: string } | { type: "file"; inode: number };

interface DirChange {
  op: number;
  kind: "add" | "remove";
  name: string;
  node?: Node;
}

interface Write {
  op: number;
  content: Uint8Array;
  mtime: number;
}

/**
 * A flush that ended at operation `end` and covers the operations before
 * `covers` (the moment it started).
 */
interface Flush {
  end: number;
  covers: number;
}

interface Inode {
  /** Its content writes; a file there from the start has one at op -1. */
  writes: Write[];
  flushes: Flush[];
  touches: { op: number; time: number }[];
}

/**
 * How far the flushes that ended before `cut` reach: every operation before
 * the result is durable. Everything before the recording (op -1) is.
 */
function covered(flushes: Flush[], cut: number): number {
  let reach = 0;
  for (const f of flushes) {
    if (f.end < cut && f.covers > reach) reach = f.covers;
  }
  return reach;
}

function split(path: string): [string, string] {
  const slash = path.lastIndexOf("/");
  return slash === -1
    ? ["", path]
    : [path.slice(0, slash), path.slice(slash + 1)];
}

/** How to resolve what a power cut leaves undecided. */
export type Outcome = "least" | "most" | (() => number);

/** One file of a recovered state. */
export interface RecoveredFile {
  /** Relative to the root. */
  path: string;
  /** Files with the same inode are one file under several names. */
  inode: number;
  content: Uint8Array;
  /** Modification time, in milliseconds since the epoch. */
  mtime: number;
}

/** A state the file system could come back with after a power cut. */
export interface Recovered {
  /** Directories, each after its parent ("" is the root). */
  dirs: string[];
  files: RecoveredFile[];
}

/** Writes a recovered state to `target`, an empty directory. */
export function writeRecovered(target: string, state: Recovered): void {
  for (const dir of state.dirs) {
    if (dir !== "") Deno.mkdirSync(`${target}/${dir}`);
  }
  const written = new Map<number, string>();
  for (const file of state.files) {
    const path = `${target}/${file.path}`;
    const first = written.get(file.inode);
    if (first !== undefined) {
      Deno.linkSync(first, path);
      continue;
    }
    Deno.writeFileSync(path, file.content);
    const time = new Date(file.mtime);
    Deno.utimeSync(path, time, time);
    written.set(file.inode, path);
  }
}

/**
 * A string that two recovered states share only if they are the same (but
 * for a collision of a 32-bit hash of the same length of contents), to
 * check each distinct state once.
 */
export function fingerprint(state: Recovered): string {
  const parts = [JSON.stringify(state.dirs)];
  for (const file of state.files) {
    // FNV-1a over the contents.
    let h = 0x811c9dc5;
    for (const byte of file.content) h = Math.imul(h ^ byte, 0x01000193);
    parts.push(
      `${file.path}:${file.inode}:${file.content.length}:${
        h >>> 0
      }:${file.mtime}`,
    );
  }
  return parts.join("\n");
}

/**
 * Garbage for block `block` of a file: what a disk block holds when the
 * file's size reached the disk and its data did not. Variant 0 is 0xff
 * bytes, 1 fixed noise, 2 a block of another recorded file (`foreign`).
 */
function garbage(
  variant: number,
  block: number,
  foreign: Uint8Array,
): Uint8Array {
  const bytes = new Uint8Array(BLOCK);
  if (variant === 0) bytes.fill(0xff);
  else if (variant === 1) {
    const noise = random(block + 1);
    for (let i = 0; i < BLOCK; i++) bytes[i] = Math.floor(noise() * 256);
  } else bytes.set(foreign.subarray(0, BLOCK));
  return bytes;
}

/**
 * A file whose last write (`content`) was not flushed, torn at block
 * granularity, one of: cut short at a block boundary; its new size with
 * some blocks zeroed; with some blocks stale (taken from `stale`, the
 * file's earlier contents; zeros past their end); with a tail of garbage
 * blocks; or each block new, stale, zeroed or garbage. `foreign` holds the
 * contents of other files, for garbage that was once another file's data.
 */
function torn(
  content: Uint8Array,
  stale: Uint8Array[],
  foreign: Uint8Array[],
  next: () => number,
): Uint8Array {
  const blocks = Math.ceil(content.length / BLOCK);
  if (blocks === 0) return content;
  const below = (n: number) => Math.floor(next() * n);
  const variant = below(3);
  const other = foreign.length === 0
    ? new Uint8Array()
    : foreign[below(foreign.length)];
  const result = new Uint8Array(content.length);
  const fill = (
    block: number,
    source: "new" | "stale" | "zero" | "garbage",
  ) => {
    const start = block * BLOCK;
    const end = Math.min(start + BLOCK, content.length);
    if (source === "new") result.set(content.subarray(start, end), start);
    else if (source === "stale") {
      const old = stale.length === 0
        ? new Uint8Array()
        : stale[below(stale.length)];
      // Past the old end a block reads as zeros.
      result.set(old.subarray(start, Math.min(end, old.length)), start);
    } else if (source === "garbage") {
      result.set(
        garbage(variant, block, other).subarray(0, end - start),
        start,
      );
    }
  };
  const kind = below(5);
  if (kind === 0) {
    // Cut short at a block boundary: the first k blocks, k < blocks.
    const k = below(blocks);
    return content.slice(0, k * BLOCK);
  }
  // A tail of garbage from block `from` on.
  const from = below(blocks);
  for (let b = 0; b < blocks; b++) {
    const coin = next() < 0.5;
    fill(
      b,
      kind === 1
        ? coin ? "zero" : "new"
        : kind === 2
        ? coin ? "stale" : "new"
        : kind === 3
        ? b >= from ? "garbage" : "new"
        : (["new", "stale", "zero", "garbage"] as const)[below(4)],
    );
  }
  return result;
}

/** Replays recorded operations and computes states after a power cut. */
export class PowerCut {
  readonly #initial = new Map<string, Map<string, Node>>();
  readonly #changes = new Map<string, DirChange[]>();
  readonly #dirFlushes = new Map<string, Flush[]>();
  readonly #inodes: Inode[] = [];
  readonly #renames: { op: number; from: string; to: string }[] = [];
  /** Per file, the changes to its names, in order. */
  readonly #nameChanges = new Map<number, { op: number; dir: string }[]>();
  /** The number of recorded operations (cut points are 0..length). */
  readonly length: number;

  constructor(initial: Snapshot, ops: Op[]) {
    this.length = ops.length;
    // The live tree, to resolve paths as the operations go.
    const live = new Map<string, Map<string, Node>>();
    for (const dir of initial.dirs) {
      this.#initial.set(dir, new Map());
      live.set(dir, new Map());
      this.#changes.set(dir, []);
      this.#dirFlushes.set(dir, []);
    }
    for (const dir of initial.dirs) {
      if (dir === "") continue;
      const [parent, name] = split(dir);
      this.#initial.get(parent)!.set(name, { type: "dir", path: dir });
      live.get(parent)!.set(name, { type: "dir", path: dir });
    }
    for (const [path, content] of initial.files) {
      const inode = this.#inodes.push({
        writes: [{ op: -1, content, mtime: initial.mtimes.get(path)! }],
        flushes: [],
        touches: [],
      }) - 1;
      const [dir, name] = split(path);
      this.#initial.get(dir)!.set(name, { type: "file", inode });
      live.get(dir)!.set(name, { type: "file", inode });
    }
    const nameChange = (node: Node | undefined, op: number, dir: string) => {
      if (node?.type !== "file") return;
      const changes = this.#nameChanges.get(node.inode);
      if (changes === undefined) {
        this.#nameChanges.set(node.inode, [{ op, dir }]);
      } else changes.push({ op, dir });
    };
    const change = (dir: string, c: DirChange) => {
      this.#changes.get(dir)!.push(c);
      const entries = live.get(dir)!;
      if (c.kind === "add") entries.set(c.name, c.node!);
      else entries.delete(c.name);
    };
    // A file flush flushes the file its path named when the flush started:
    // the file flushes starting before each operation, and what they found.
    const fileFlushesStarting = new Map<number, number[]>();
    const flushedFile = new Map<number, Node | undefined>();
    ops.forEach((op, i) => {
      if (op.kind !== "syncFile" && op.kind !== "syncDir") return;
      if (!(op.started >= 0 && op.started <= i)) {
        throw new RangeError(
          `Flush at op ${i} started at op ${op.started}: after it ended`,
        );
      }
      if (op.kind === "syncFile") {
        const starting = fileFlushesStarting.get(op.started);
        if (starting === undefined) fileFlushesStarting.set(op.started, [i]);
        else starting.push(i);
      }
    });
    const resolveFileFlushes = (i: number) => {
      for (const j of fileFlushesStarting.get(i) ?? []) {
        const [dir, name] = split((ops[j] as { path: string }).path);
        flushedFile.set(j, live.get(dir)?.get(name));
      }
    };
    ops.forEach((op, i) => {
      resolveFileFlushes(i);
      switch (op.kind) {
        case "mkdir": {
          const [parent, name] = split(op.path);
          if (live.get(parent)?.has(name)) return;
          live.set(op.path, new Map());
          this.#initial.set(op.path, new Map());
          this.#changes.set(op.path, []);
          this.#dirFlushes.set(op.path, []);
          change(parent, {
            op: i,
            kind: "add",
            name,
            node: { type: "dir", path: op.path },
          });
          return;
        }
        case "write": {
          const [dir, name] = split(op.path);
          const existing = live.get(dir)!.get(name);
          if (existing?.type === "file" && !op.createNew) {
            this.#inodes[existing.inode].writes.push({
              op: i,
              content: op.content,
              mtime: op.mtime,
            });
            return;
          }
          const inode = this.#inodes.push({
            writes: [{ op: i, content: op.content, mtime: op.mtime }],
            flushes: [],
            touches: [],
          }) - 1;
          nameChange({ type: "file", inode }, i, dir);
          change(dir, {
            op: i,
            kind: "add",
            name,
            node: { type: "file", inode },
          });
          return;
        }
        case "syncFile": {
          const node = flushedFile.get(i);
          if (node?.type === "file") {
            this.#inodes[node.inode].flushes.push({
              end: i,
              covers: op.started,
            });
          }
          return;
        }
        case "touch": {
          // Directories' times are not modelled.
          const [dir, name] = split(op.path);
          const node = live.get(dir)?.get(name);
          if (node?.type === "file") {
            this.#inodes[node.inode].touches.push({ op: i, time: op.time });
          }
          return;
        }
        case "rename": {
          const [fromDir, fromName] = split(op.from);
          const [toDir, toName] = split(op.to);
          const node = live.get(fromDir)!.get(fromName)!;
          nameChange(live.get(toDir)!.get(toName), i, toDir);
          nameChange(node, i, toDir);
          change(fromDir, { op: i, kind: "remove", name: fromName });
          change(toDir, { op: i, kind: "add", name: toName, node });
          this.#renames.push({ op: i, from: fromDir, to: toDir });
          return;
        }
        case "link": {
          const [fromDir, fromName] = split(op.from);
          const [toDir, toName] = split(op.to);
          const node = live.get(fromDir)!.get(fromName)!;
          nameChange(node, i, toDir);
          change(toDir, { op: i, kind: "add", name: toName, node });
          return;
        }
        case "unlink": {
          const [dir, name] = split(op.path);
          nameChange(live.get(dir)!.get(name), i, dir);
          change(dir, { op: i, kind: "remove", name });
          return;
        }
        case "syncDir":
          this.#dirFlushes.get(op.path)?.push({ end: i, covers: op.started });
          return;
      }
    });
  }

  /**
   * Writes to `target` (an empty directory) a state the file system could
   * come back with after a power cut following the first `cut` operations
   * (see {@linkcode recover}).
   */
  materialize(target: string, cut: number, outcome: Outcome): void {
    writeRecovered(target, this.recover(cut, outcome));
  }

  /**
   * A state the file system could come back with after a power cut
   * following the first `cut` operations. `"least"` keeps only what was
   * flushed (an unflushed file comes back empty), `"most"` everything, and
   * a random function decides each open question at random, including how
   * an unflushed file is torn. Each file comes back with the modification
   * time it would have.
   */
  recover(cut: number, outcome: Outcome): Recovered {
    // A random draw favors the extremes, where bugs hide: a quarter of the
    // open questions lose all they can, a quarter keep all.
    const pick = (n: number): number => {
      if (outcome === "least") return 0;
      if (outcome === "most") return n - 1;
      const r = outcome();
      return r < 0.25 ? 0 : r < 0.5 ? n - 1 : Math.floor((r - 0.5) * 2 * n);
    };
    // How many of each directory's changes survive.
    const kept = new Map<string, number>();
    for (const [dir, changes] of this.#changes) {
      const happened = changes.filter((c) => c.op < cut);
      const reach = covered(this.#dirFlushes.get(dir)!, cut);
      const durable = happened.filter((c) => c.op < reach).length;
      // Only cut between different operations (a rename within a
      // directory is one step).
      const bounds = [durable];
      for (let n = durable + 1; n <= happened.length; n++) {
        if (n === happened.length || happened[n].op !== happened[n - 1].op) {
          bounds.push(n);
        }
      }
      kept.set(dir, bounds[pick(bounds.length)]);
    }
    // A rename survives in both directories or in neither: extend the
    // shorter side until every rename agrees.
    const includes = (dir: string, op: number) =>
      this.#changes.get(dir)!.slice(0, kept.get(dir)).some((c) => c.op === op);
    const extendTo = (dir: string, op: number) => {
      const changes = this.#changes.get(dir)!;
      let n = kept.get(dir)!;
      while (n < changes.length && changes[n].op <= op) n++;
      kept.set(dir, n);
    };
    // And a change to a file's names survives only with every earlier one.
    const settle = () => {
      for (let changed = true; changed;) {
        changed = false;
        for (const { op, from, to } of this.#renames) {
          if (op >= cut) continue;
          const inFrom = includes(from, op);
          const inTo = includes(to, op);
          if (inFrom !== inTo) {
            extendTo(inFrom ? to : from, op);
            changed = true;
          }
        }
        for (const changes of this.#nameChanges.values()) {
          const happened = changes.filter((c) => c.op < cut);
          const last = happened.findLastIndex((c) => includes(c.dir, c.op));
          for (const earlier of happened.slice(0, last)) {
            if (!includes(earlier.dir, earlier.op)) {
              extendTo(earlier.dir, earlier.op);
              changed = true;
            }
          }
        }
      }
    };
    settle();
    // Touches (see the model above): those before the last surviving change
    // to a file's names are durable. Of those after it, the first few
    // survive, as many as `pick` says; a kept one brings the earlier changes
    // to the file's names with it, and they may carry other directories
    // along, so settle again.
    const lastNameChange = (inode: number): number =>
      this.#nameChanges.get(inode)?.findLast((c) =>
        c.op < cut && includes(c.dir, c.op)
      )?.op ?? -1;
    /** Per file, the last of its open touches that was kept. */
    const keptTouches = new Map<number, number>();
    this.#inodes.forEach((inode, i) => {
      const durable = lastNameChange(i);
      const open = inode.touches.filter((t) => t.op > durable && t.op < cut);
      if (open.length === 0) return;
      const n = pick(open.length + 1);
      if (n === 0) return;
      const upTo = open[n - 1].op;
      keptTouches.set(i, upTo);
      for (const c of this.#nameChanges.get(i) ?? []) {
        if (c.op < upTo && !includes(c.dir, c.op)) extendTo(c.dir, c.op);
      }
    });
    settle();
    // The latest surviving touch, or the write that set the contents if it
    // came later.
    const mtime = (i: number, write: Write): number => {
      const durable = lastNameChange(i);
      const kept = keptTouches.get(i) ?? -1;
      const touch = this.#inodes[i].touches.findLast((t) =>
        t.op < cut && (t.op < durable || t.op <= kept)
      );
      return touch !== undefined && touch.op > write.op
        ? touch.time
        : write.mtime;
    };
    // What other files held, for garbage that was once their data.
    const foreign = (i: number): Uint8Array[] =>
      this.#inodes.flatMap((inode, j) =>
        j === i ? [] : inode.writes
          .filter((w) => w.op < cut && w.content.length > 0)
          .map((w) => w.content)
      );
    // The write whose contents a file comes back with (emptied, cut in half
    // or torn, if that is how they come back).
    const contents = (i: number): Write => {
      const inode = this.#inodes[i];
      const writes = inode.writes.filter((w) => w.op < cut);
      const last = writes.at(-1)!;
      const reach = covered(inode.flushes, cut);
      if (last.op < reach) return last;
      const flushed = writes.findLastIndex((w) => w.op < reach);
      const empty = { ...last, content: new Uint8Array() };
      const choices = [
        empty,
        flushed === -1 ? empty : writes[flushed],
        {
          ...last,
          content: last.content.subarray(0, last.content.length >> 1),
        },
        last,
      ];
      if (typeof outcome !== "function" || outcome() < 0.5) {
        return choices[pick(choices.length)];
      }
      // Earlier contents since the last flushed ones, for stale blocks.
      const stale = writes.slice(Math.max(flushed, 0), -1).map((w) =>
        w.content
      );
      return {
        ...last,
        content: torn(last.content, stale, foreign(i), outcome),
      };
    };
    const state: Recovered = { dirs: [], files: [] };
    // A file with several names comes back once, under each of them.
    const recovered = new Map<number, RecoveredFile>();
    const walk = (dir: string) => {
      state.dirs.push(dir);
      const entries = new Map(this.#initial.get(dir));
      for (const c of this.#changes.get(dir)!.slice(0, kept.get(dir))) {
        if (c.kind === "add") entries.set(c.name, c.node!);
        else entries.delete(c.name);
      }
      for (const [name, node] of entries) {
        const path = dir ? `${dir}/${name}` : name;
        if (node.type === "dir") {
          walk(node.path);
          continue;
        }
        let file = recovered.get(node.inode);
        if (file === undefined) {
          const source = contents(node.inode);
          file = {
            path,
            inode: node.inode,
            content: source.content,
            mtime: mtime(node.inode, source),
          };
          recovered.set(node.inode, file);
        }
        state.files.push({ ...file, path });
      }
    };
    walk("");
    return state;
  }
}
