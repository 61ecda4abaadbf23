// A file system that performs every operation on the real one and records
// it, and tells a test when operations have completed: the events tests
// wait on instead of sleeping.

import type { Spool } from "../../mod.ts";
import { openSpool } from "../../src/spool.ts";
import { DelegatingFs } from "./delegating_fs.ts";
import type { DirWatcher, FileContent } from "../../src/fs.ts";

/**
 * Records every operation as a line such as `rename .tmp/N -> q/N` (paths
 * relative to `root`) when it starts, and counts it again when it has
 * completed.
 */
export class RecordingFileSystem extends DelegatingFs {
  readonly ops: string[] = [];
  readonly #completed = new Map<string, number>();
  readonly #waiters = new Set<() => void>();

  /** Forgets the operations recorded so far (not the completed counts). */
  clear(): void {
    this.ops.length = 0;
  }

  /** How many operations recorded as `op` have completed so far. */
  completedCount(op: string): number {
    return this.#completed.get(op) ?? 0;
  }

  /**
   * Resolves once `count` operations recorded as `op` (such as `list q`)
   * have completed, counting from the start.
   */
  completed(op: string, count: number): Promise<void> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.completedCount(op) < count) return;
        this.#waiters.delete(check);
        resolve();
      };
      this.#waiters.add(check);
      check();
    });
  }

  #run<T>(line: string, op: () => T): T {
    this.ops.push(line);
    const result = op();
    if (result instanceof Promise) {
      return result.then((value) => {
        this.#done(line);
        return value;
      }) as T;
    }
    this.#done(line);
    return result;
  }

  #done(line: string): void {
    this.#completed.set(line, this.completedCount(line) + 1);
    for (const check of [...this.#waiters]) check();
  }

  override createExclusive(path: string): void {
    this.#run(
      `create ${this.rel(path)}`,
      () => this.real.createExclusive(path),
    );
  }

  override writeFile(
    path: string,
    content: FileContent,
    options: { createNew: boolean },
  ): Promise<void> {
    return this.#run(
      `write${options.createNew ? "-new" : ""} ${this.rel(path)}`,
      () => this.real.writeFile(path, content, options),
    );
  }

  override syncFile(path: string): Promise<void> {
    return this.#run(
      `sync ${this.rel(path)}`,
      () => this.real.syncFile(path),
    );
  }

  override readText(path: string): string {
    return this.#run(
      `read ${this.rel(path)}`,
      () => this.real.readText(path),
    );
  }

  override readTextStat(path: string): { text: string; info: Deno.FileInfo } {
    return this.#run(
      `read ${this.rel(path)}`,
      () => this.real.readTextStat(path),
    );
  }

  override readBytes(path: string): Promise<Uint8Array> {
    return this.#run(
      `read ${this.rel(path)}`,
      () => this.real.readBytes(path),
    );
  }

  override readStream(path: string): ReadableStream<Uint8Array> {
    return this.#run(
      `stream ${this.rel(path)}`,
      () => this.real.readStream(path),
    );
  }

  override rename(from: string, to: string): void {
    this.#run(
      `rename ${this.rel(from)} -> ${this.rel(to)}`,
      () => this.real.rename(from, to),
    );
  }

  override link(from: string, to: string): void {
    this.#run(
      `link ${this.rel(from)} -> ${this.rel(to)}`,
      () => this.real.link(from, to),
    );
  }

  override remove(path: string): void {
    this.#run(`unlink ${this.rel(path)}`, () => this.real.remove(path));
  }

  override touch(path: string, time: Date): void {
    this.#run(`touch ${this.rel(path)}`, () => this.real.touch(path, time));
  }

  override stat(path: string): Deno.FileInfo {
    return this.#run(`stat ${this.rel(path)}`, () => this.real.stat(path));
  }

  override lstat(path: string): Deno.FileInfo {
    return this.#run(`lstat ${this.rel(path)}`, () => this.real.lstat(path));
  }

  override exists(path: string): boolean {
    return this.#run(`exists ${this.rel(path)}`, () => this.real.exists(path));
  }

  override statFresh(path: string): Deno.FileInfo {
    return this.#run(
      `stat-fresh ${this.rel(path)}`,
      () => this.real.statFresh(path),
    );
  }

  override list(path: string): { name: string; isFile: boolean }[] {
    return this.#run(`list ${this.rel(path)}`, () => this.real.list(path));
  }

  override listFiles(
    path: string,
    others?: string[],
    keep?: (name: string) => boolean,
  ): Promise<string[]> {
    return this.#run(
      `list ${this.rel(path)}`,
      () => this.real.listFiles(path, others, keep),
    );
  }

  override watch(path: string): DirWatcher {
    return this.#run(`watch ${this.rel(path)}`, () => this.real.watch(path));
  }

  override mkdir(path: string): void {
    this.#run(`mkdir ${this.rel(path)}`, () => this.real.mkdir(path));
  }

  override syncDir(path: string): Promise<void> {
    return this.#run(
      `syncdir ${this.rel(path)}`,
      () => this.real.syncDir(path),
    );
  }
}

/**
 * A watcher whose events the test sends, one per {@linkcode push}: a reader
 * waiting on it wakes exactly when the test says, and never by itself.
 */
export class ManualWatcher implements DirWatcher {
  #pending = 0;
  #closed = false;
  #wake: (() => void) | undefined;

  /** Sends one event. */
  push(): void {
    this.#pending++;
    this.#wake?.();
  }

  close(): void {
    this.#closed = true;
    this.#wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<unknown> {
    for (;;) {
      if (this.#closed) return;
      if (this.#pending > 0) {
        this.#pending--;
        yield "event";
        continue;
      }
      await new Promise<void>((resolve) => this.#wake = resolve);
      this.#wake = undefined;
    }
  }
}

/** A spool made in `dir` with one queue, `q`, whose calls `fs` records. */
export async function recordedSpool(dir: string): Promise<{
  fs: RecordingFileSystem;
  spool: Spool<"q", unknown, unknown, unknown>;
}> {
  const fs = new RecordingFileSystem(dir);
  const spool = await openSpool(fs, dir, { queues: ["q"] }, {
    createIfMissing: true,
  });
  return { fs, spool };
}
