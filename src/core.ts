/**
 * What the objects of one spool share: the spool directory the protocol
 * works on, the codecs with their defaults filled in, and the checks on
 * queue and entry names. Internal.
 *
 * @module
 */

import { checkNonEmptyString, checkOneOf, message } from "./arguments.ts";
import {
  bytesData,
  type DataCodec,
  jsonMetadata,
  type MetadataCodec,
} from "./codecs.ts";
import { DecodeError, EncodeError, QueueNotFoundError } from "./errors.ts";
import type { FileContent, FileSystem } from "./fs.ts";
import { type NameGenerator, ulidNames, validateName } from "./names.ts";
import { Disk } from "./protocol/mod.ts";
import type { SpoolOptions } from "./spool_options.ts";
import type { Spoolable } from "./spoolable.ts";

/** The default for `Spoolable.ioConcurrency`. */
export const DEFAULT_IO_CONCURRENCY = 64;

/** A spool's directory and its description with every default filled in. */
export class SpoolCore<Q extends string, M, D, I> {
  /** The spool directory the protocol works on. */
  readonly disk: Disk;
  /** The queue names. */
  readonly queues: readonly Q[];
  /** The metadata codec. */
  readonly metadata: MetadataCodec<M>;
  /** The data codec. */
  readonly data: DataCodec<D>;
  /** The name generator. */
  readonly names: NameGenerator<I>;
  readonly #queueSet: ReadonlySet<string>;

  /**
   * @param disk The spool directory the protocol works on.
   * @param spoolable The user's description (checked by
   * {@linkcode createCore}); defaults are filled in here.
   */
  constructor(disk: Disk, spoolable: Spoolable<Q, M, D, I>) {
    this.disk = disk;
    this.queues = [...spoolable.queues];
    this.metadata = spoolable.metadata ?? jsonMetadata<M>();
    this.data = spoolable.data ??
      (bytesData as unknown as DataCodec<D>);
    this.names = spoolable.names ??
      (ulidNames() as unknown as NameGenerator<I>);
    this.#queueSet = new Set(this.queues);
  }

  /** The spool directory. */
  get dir(): string {
    return this.disk.layout.dir;
  }

  /** Throws unless `queue` is one of the spool's queues. */
  checkQueue(queue: string, operation: string): void {
    if (this.#queueSet.has(queue)) return;
    validateName(queue, "queue", operation, this.dir);
    throw new QueueNotFoundError(
      `${JSON.stringify(queue)} is not a queue of this spool (queues: ${
        this.queues.join(", ")
      })`,
      { operation, path: this.disk.layout.queueDir(queue) },
    );
  }

  /** Throws unless `name` is a valid entry name. */
  checkName(name: string, operation: string): void {
    validateName(name, "entry", operation, this.dir);
  }

  /** Encodes metadata, or throws {@linkcode EncodeError}. */
  encodeMetadata(metadata: M, operation: string, path: string): string {
    let text: unknown;
    try {
      text = this.metadata.encode(metadata);
    } catch (cause) {
      throw new EncodeError(`metadata codec failed: ${describe(cause)}`, {
        operation,
        path,
        cause,
      });
    }
    if (typeof text !== "string") {
      throw new EncodeError("metadata codec did not return a string", {
        operation,
        path,
      });
    }
    return text;
  }

  /** Decodes metadata read from `path`, or throws {@linkcode DecodeError}. */
  decodeMetadata(text: string, operation: string, path: string): M {
    try {
      return this.metadata.decode(text);
    } catch (cause) {
      throw new DecodeError(
        `metadata codec cannot decode the file: ${describe(cause)}`,
        { operation, path, cause },
      );
    }
  }

  /** Encodes a payload, or throws {@linkcode EncodeError}. */
  async encodeData(
    value: D,
    operation: string,
    path: string,
  ): Promise<FileContent> {
    let content: unknown;
    try {
      content = await this.data.encode(value);
    } catch (cause) {
      throw new EncodeError(`data codec failed: ${describe(cause)}`, {
        operation,
        path,
        cause,
      });
    }
    if (
      typeof content === "string" || content instanceof Uint8Array ||
      content instanceof ReadableStream
    ) return content;
    throw new EncodeError(
      "data codec returned neither bytes, text nor a stream",
      { operation, path },
    );
  }
}

/**
 * Checks what a program passed to open a spool and builds its core; nothing
 * touches the disk. Queue names are checked here, before anything else.
 *
 * @throws {InvalidNameError} If a queue name is invalid.
 * @throws {TypeError} If `dir` is not a string or an option has the wrong
 * type.
 * @throws {RangeError} If `dir` is empty, a queue is listed twice, or an
 * option is out of range.
 */
export function createCore<Q extends string, M, D, I>(
  fs: FileSystem,
  dir: string,
  spoolable: Spoolable<Q, M, D, I>,
  options: SpoolOptions,
  operation: string,
): SpoolCore<Q, M, D, I> {
  checkNonEmptyString(operation, "dir", dir);
  const seen = new Set<string>();
  for (const queue of spoolable.queues) {
    validateName(queue, "queue", operation, dir);
    if (seen.has(queue)) {
      throw new RangeError(
        message(
          operation,
          "queues",
          "a list of distinct names",
          `${JSON.stringify(queue)} listed twice`,
        ),
      );
    }
    seen.add(queue);
  }
  const durability = options.durability ?? "strict";
  checkOneOf(operation, "durability", durability, ["strict", "relaxed"]);
  const quickCalls = options.quickCalls ?? "auto";
  checkOneOf(operation, "quickCalls", quickCalls, [
    "auto",
    "inLine",
    "threadPool",
  ]);
  const disk = new Disk(dir, {
    fs,
    durability,
    quickCalls,
    ioConcurrency: spoolable.ioConcurrency ?? DEFAULT_IO_CONCURRENCY,
  });
  return new SpoolCore(disk, spoolable);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
