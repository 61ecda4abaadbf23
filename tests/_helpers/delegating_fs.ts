// The base of the tests' file systems: every call goes to the real one, so
// a subclass overrides only the calls it watches or fails.

import {
  type DirItem,
  type DirWatcher,
  type FileContent,
  type FileSystem,
  realFileSystem,
  type SyncDirOptions,
  type WrittenFile,
} from "../../src/fs.ts";

/**
 * A {@linkcode FileSystem} that hands every call to `real`. A new file
 * (`createFile`) is written and flushed through this object's own
 * `writeFile` and `syncFile`, and each `...Async` call is its synchronous
 * form after a turn (`removeAsync` is its `remove`), so that a subclass
 * watching those sees every write, flush, link, stamp, look and unlink,
 * wherever the protocol makes its calls (see `callsOffThread`).
 */
export class DelegatingFs implements FileSystem {
  /** The file system that does the work. */
  protected readonly real: FileSystem;
  /** The directory paths are shown relative to. */
  protected readonly root: string;

  /**
   * @param root The directory paths are shown relative to (the spool's).
   * @param real The file system that does the work.
   */
  constructor(root: string, real: FileSystem = realFileSystem) {
    this.root = root.replace(/\/$/, "");
    this.real = real;
  }

  /** `path` relative to the root (`.` for the root itself). */
  protected rel(path: string): string {
    return path === this.root
      ? "."
      : path.startsWith(`${this.root}/`)
      ? path.slice(this.root.length + 1)
      : path;
  }

  createExclusive(path: string): void {
    this.real.createExclusive(path);
  }

  async createExclusiveAsync(path: string): Promise<void> {
    await Promise.resolve();
    this.createExclusive(path);
  }

  writeFile(
    path: string,
    content: FileContent,
    options: { createNew: boolean; offThread?: boolean },
  ): Promise<void> {
    return this.real.writeFile(path, content, options);
  }

  async createFile(
    path: string,
    content: FileContent,
    options: { offThread?: boolean } = {},
  ): Promise<WrittenFile> {
    await this.writeFile(path, content, { createNew: true, ...options });
    return { sync: () => this.syncFile(path), close: () => {} };
  }

  syncFile(path: string): Promise<void> {
    return this.real.syncFile(path);
  }

  syncDir(path: string, options?: SyncDirOptions): Promise<void> {
    return this.real.syncDir(path, options);
  }

  readText(path: string): string {
    return this.real.readText(path);
  }

  readTextStat(path: string): { text: string; info: Deno.FileInfo } {
    return this.real.readTextStat(path);
  }

  async readTextStatAsync(
    path: string,
  ): Promise<{ text: string; info: Deno.FileInfo }> {
    await Promise.resolve();
    return this.readTextStat(path);
  }

  readBytes(path: string): Promise<Uint8Array> {
    return this.real.readBytes(path);
  }

  async readBytesAsync(path: string): Promise<Uint8Array> {
    await Promise.resolve();
    return await this.readBytes(path);
  }

  readStream(path: string): ReadableStream<Uint8Array> {
    return this.real.readStream(path);
  }

  rename(from: string, to: string): void {
    this.real.rename(from, to);
  }

  async renameAsync(from: string, to: string): Promise<void> {
    await Promise.resolve();
    this.rename(from, to);
  }

  link(from: string, to: string): void {
    this.real.link(from, to);
  }

  async linkAsync(from: string, to: string): Promise<void> {
    await Promise.resolve();
    this.link(from, to);
  }

  remove(path: string): void {
    this.real.remove(path);
  }

  async removeAsync(path: string): Promise<void> {
    await Promise.resolve();
    this.remove(path);
  }

  touch(path: string, time: Date): void {
    this.real.touch(path, time);
  }

  async touchAsync(path: string, time: Date): Promise<void> {
    await Promise.resolve();
    this.touch(path, time);
  }

  stat(path: string): Deno.FileInfo {
    return this.real.stat(path);
  }

  lstat(path: string): Deno.FileInfo {
    return this.real.lstat(path);
  }

  exists(path: string): boolean {
    return this.real.exists(path);
  }

  async lstatAsync(path: string): Promise<Deno.FileInfo> {
    await Promise.resolve();
    return this.lstat(path);
  }

  statFresh(path: string): Deno.FileInfo {
    return this.real.statFresh(path);
  }

  list(path: string): DirItem[] {
    return this.real.list(path);
  }

  listFiles(
    path: string,
    others?: string[],
    keep?: (name: string) => boolean,
  ): Promise<string[]> {
    return this.real.listFiles(path, others, keep);
  }

  mkdir(path: string): void {
    this.real.mkdir(path);
  }

  watch(path: string): DirWatcher {
    return this.real.watch(path);
  }
}
