// A file system double that records every operation the library makes and
// can "cut the power" after any of them: it computes a state that a
// journaling file system could come back with, and writes it to a real
// directory.
//
// The model, per POSIX and as ext4/XFS behave when it matters:
// - A file's contents survive only if the file was flushed (`syncFile`)
//   after its last write; otherwise the file may come back with its latest
//   contents, its last flushed contents, empty, or cut in half.
// - A directory's entries (creations, unlinks, renames in and out) reach the
//   disk in the order they were made, as a prefix of that directory's
//   changes; a `syncDir` makes every earlier change of that directory
//   durable. Directories are independent of each other, except that a
//   rename is atomic: it survives in both directories or in neither, and
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

import {
  type FileContent,
  type FileSystem,
  realFileSystem,
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
  | { kind: "syncFile"; path: string }
  | { kind: "rename"; from: string; to: string }
  | { kind: "link"; from: string; to: string }
  | { kind: "unlink"; path: string }
  /** Sets a file's times; `time` in milliseconds since the epoch. */
  | { kind: "touch"; path: string; time: number }
  | { kind: "syncDir"; path: string };

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
 * Performs every operation on the real file system and records it. The
 * state of `root` when it is constructed counts as durable.
 */
export class RecordingFs implements FileSystem {
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
    options: { createNew: boolean },
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

  async syncFile(path: string): Promise<void> {
    await realFileSystem.syncFile(path);
    const rel = this.#rel(path);
    if (!this.#sabotage.skipSyncFile?.(rel)) {
      this.ops.push({ kind: "syncFile", path: rel });
    }
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

  mkdir(path: string): void {
    realFileSystem.mkdir(path);
    this.ops.push({ kind: "mkdir", path: this.#rel(path) });
  }

  async syncDir(path: string): Promise<void> {
    await realFileSystem.syncDir(path);
    const rel = this.#rel(path);
    if (!this.#sabotage.skipSyncDir?.(rel)) {
      this.ops.push({ kind: "syncDir", path: rel });
    }
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
  readBytes = realFileSystem.readBytes;
  readStream = realFileSystem.readStream;
  stat = realFileSystem.stat;
  lstat = realFileSystem.lstat;
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

interface Inode {
  /** Its content writes; a file there from the start has one at op -1. */
  writes: Write[];
  syncs: number[];
  touches: { op: number; time: number }[];
}

function split(path: string): [string, string] {
  const slash = path.lastIndexOf("/");
  return slash === -1
    ? ["", path]
    : [path.slice(0, slash), path.slice(slash + 1)];
}

/** How to resolve what a power cut leaves undecided. */
export type Outcome = "least" | "most" | (() => number);

/** Replays recorded operations and computes states after a power cut. */
export class PowerCut {
  readonly #initial = new Map<string, Map<string, Node>>();
  readonly #changes = new Map<string, DirChange[]>();
  readonly #dirSyncs = new Map<string, number[]>();
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
      this.#dirSyncs.set(dir, []);
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
        syncs: [-1],
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
    ops.forEach((op, i) => {
      switch (op.kind) {
        case "mkdir": {
          const [parent, name] = split(op.path);
          if (live.get(parent)?.has(name)) return;
          live.set(op.path, new Map());
          this.#initial.set(op.path, new Map());
          this.#changes.set(op.path, []);
          this.#dirSyncs.set(op.path, []);
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
            syncs: [],
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
          const [dir, name] = split(op.path);
          const node = live.get(dir)!.get(name);
          if (node?.type === "file") this.#inodes[node.inode].syncs.push(i);
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
          this.#dirSyncs.get(op.path)?.push(i);
          return;
      }
    });
  }

  /**
   * Writes to `target` (an empty directory) a state the file system could
   * come back with after a power cut following the first `cut` operations.
   * `"least"` keeps only what was flushed, `"most"` everything, and a
   * random function decides each open question at random. Each file's
   * modification and access times are set to the time it comes back with.
   */
  materialize(target: string, cut: number, outcome: Outcome): void {
    const pick = (n: number): number =>
      outcome === "least"
        ? 0
        : outcome === "most"
        ? n - 1
        : Math.floor(outcome() * n);
    // How many of each directory's changes survive.
    const kept = new Map<string, number>();
    for (const [dir, changes] of this.#changes) {
      const happened = changes.filter((c) => c.op < cut);
      const lastSync = Math.max(
        -1,
        ...this.#dirSyncs.get(dir)!.filter((s) => s < cut),
      );
      const durable = happened.filter((c) => c.op < lastSync).length;
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
    // The write whose contents a file comes back with (emptied or cut in
    // half, if that is how they come back).
    const contents = (inode: Inode): Write => {
      const writes = inode.writes.filter((w) => w.op < cut);
      const last = writes.at(-1)!;
      const lastSync = Math.max(-1, ...inode.syncs.filter((s) => s < cut));
      if (lastSync > last.op || (last.op === -1 && lastSync === -1)) {
        return last;
      }
      const empty = { ...last, content: new Uint8Array() };
      const choices = [
        empty,
        writes.filter((w) => w.op < lastSync).at(-1) ?? empty,
        {
          ...last,
          content: last.content.subarray(0, last.content.length >> 1),
        },
        last,
      ];
      return choices[pick(choices.length)];
    };
    // A file with several names is written once and linked under the rest.
    const written = new Map<number, string>();
    const write = (dir: string) => {
      const entries = new Map(this.#initial.get(dir));
      for (const c of this.#changes.get(dir)!.slice(0, kept.get(dir))) {
        if (c.kind === "add") entries.set(c.name, c.node!);
        else entries.delete(c.name);
      }
      for (const [name, node] of entries) {
        const path = dir ? `${target}/${dir}/${name}` : `${target}/${name}`;
        if (node.type === "dir") {
          Deno.mkdirSync(path);
          write(node.path);
        } else {
          const first = written.get(node.inode);
          if (first !== undefined) Deno.linkSync(first, path);
          else {
            const source = contents(this.#inodes[node.inode]);
            Deno.writeFileSync(path, source.content);
            const time = new Date(mtime(node.inode, source));
            Deno.utimeSync(path, time, time);
            written.set(node.inode, path);
          }
        }
      }
    };
    write("");
  }
}
