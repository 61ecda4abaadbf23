/**
 * The spool as the dashboard sees it: whatever its queues and codecs, its
 * queues are found on disk (again on every request, so that a queue made
 * meanwhile shows), metadata is the text stored, payloads are bytes, and
 * ages are measured on the file system's clock, as the monitor and the CLI
 * measure them. Internal.
 *
 * @module
 */

import type { DataCodec, MetadataCodec } from "../codecs.ts";
import { realFileSystem } from "../fs.ts";
import { Layout } from "../layout.ts";
import { FileSystemClock } from "../protocol/clock.ts";
import { type Entry, Spool } from "../spool.ts";

/** Metadata as the stored text, unchanged. */
const rawText: MetadataCodec<string> = {
  encode: (text) => text,
  decode: (text) => text,
};

/** Payloads as bytes. */
const rawBytes: DataCodec<Uint8Array> = {
  encode: (bytes) => bytes,
  decode: (bytes) => bytes,
};

/** A spool opened by the dashboard. */
export type ViewSpool = Spool<string, string, Uint8Array>;

/** An entry of a spool opened by the dashboard. */
export type ViewEntry = Entry<string, string, Uint8Array>;

/** Opens one spool directory, again for each request. */
export class SpoolView {
  /** The spool directory. */
  readonly dir: string;
  readonly #clock: FileSystemClock;

  /** @param dir The spool directory. */
  constructor(dir: string) {
    this.dir = dir;
    this.#clock = new FileSystemClock(realFileSystem, new Layout(dir).tmpDir);
  }

  /**
   * The spool with the queues on disk now.
   *
   * @throws {NotASpoolError} If the directory is not a spool.
   */
  async open(): Promise<ViewSpool> {
    const queues = await Spool.findQueues(this.dir);
    return Spool.loadUnsafe(this.dir, {
      queues,
      metadata: rawText,
      data: rawBytes,
    });
  }

  /**
   * Adds `queue` to the spool (through `Spool.create`, which adds the
   * queues that are missing) and opens it again.
   */
  async addQueue(queue: string): Promise<ViewSpool> {
    const queues = await Spool.findQueues(this.dir);
    if (!queues.includes(queue)) {
      await Spool.create(this.dir, {
        queues: [...queues, queue],
        metadata: rawText,
        data: rawBytes,
      });
    }
    return await this.open();
  }

  /** Now, in milliseconds, on the clock of the spool's file system. */
  now(): number {
    return this.#clock.now().getTime();
  }
}
