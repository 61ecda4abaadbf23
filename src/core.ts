/**
 * What the public objects of one spool share: the protocol, the codecs and
 * the checks on names. Internal; not exported from `mod.ts`.
 *
 * @module
 */

import {
  bytesData,
  type DataCodec,
  jsonMetadata,
  type MetadataCodec,
} from "./codecs.ts";
import { type CheckedOutEntry, CheckedOutEntryImpl } from "./checkout.ts";
import {
  DecodeError,
  EncodeError,
  EntryNotFoundError,
  QueueNotFoundError,
} from "./errors.ts";
import type { FileContent } from "./fs.ts";
import { type NameGenerator, ulidNames, validateName } from "./names.ts";
import * as protocol from "./protocol/mod.ts";
import type { Disk } from "./protocol/mod.ts";
import type { Spoolable } from "./spoolable.ts";

/** The default for `Spoolable.ioConcurrency`. */
export const DEFAULT_IO_CONCURRENCY = 64;

/** What a payload handle needs of its spool. */
export interface PayloadCore<D> {
  /** The spool directory the protocol works on. */
  readonly disk: Disk;
  /** The data codec. */
  readonly data: DataCodec<D>;
  /** Encodes a payload, or throws {@linkcode EncodeError}. */
  encodeData(value: D, operation: string, path: string): Promise<FileContent>;
}

/** A spool's protocol and its description with every default filled in. */
export class SpoolCore<Q extends string, M, D, I> implements PayloadCore<D> {
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
   * @param spoolable The user's description; defaults are filled in here.
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

  /**
   * Checks an entry out and decodes its metadata; `undefined` if the entry
   * is gone. An entry whose metadata cannot be read or decoded is put back
   * in its queue and the error thrown.
   */
  async tryCheckout(
    queue: Q,
    name: string,
  ): Promise<CheckedOutEntry<Q, M, D> | undefined> {
    const operation = "check out entry";
    this.checkQueue(queue, operation);
    this.checkName(name, operation);
    const disk = this.disk;
    if (!protocol.checkout(disk, queue, name)) return undefined;
    let metadata: M;
    try {
      const text = protocol.readMetadata(disk, queue, name, true);
      metadata = this.decodeMetadata(
        text,
        operation,
        disk.layout.checkoutFile(queue, name),
      );
    } catch (error) {
      // Undecodable (or unreadable): put it back for a person or the monitor.
      await protocol.release(disk, queue, name, queue, undefined).catch(
        () => {},
      );
      throw error;
    }
    return new CheckedOutEntryImpl(this, queue, name, metadata);
  }

  /** Like {@linkcode tryCheckout}, but an entry that is gone is an error. */
  async checkout(queue: Q, name: string): Promise<CheckedOutEntry<Q, M, D>> {
    const checkedOut = await this.tryCheckout(queue, name);
    if (checkedOut !== undefined) return checkedOut;
    throw new EntryNotFoundError(
      "the entry is gone (another consumer took it, or it was removed)",
      {
        operation: "check out entry",
        path: this.disk.layout.queueFile(queue, name),
      },
    );
  }

  /**
   * The entries checked out of `queue` now, by any process; those that
   * finish while being listed are skipped.
   */
  async listCheckouts(queue: Q): Promise<CheckedOutEntry<Q, M, D>[]> {
    const operation = "list checkouts";
    this.checkQueue(queue, operation);
    const result: CheckedOutEntry<Q, M, D>[] = [];
    for (const name of await protocol.listCheckouts(this.disk, queue)) {
      let text: string;
      try {
        text = protocol.readMetadata(this.disk, queue, name, true);
      } catch (error) {
        if (error instanceof EntryNotFoundError) continue;
        throw error;
      }
      const path = this.disk.layout.checkoutFile(queue, name);
      const metadata = this.decodeMetadata(text, operation, path);
      result.push(new CheckedOutEntryImpl(this, queue, name, metadata));
    }
    return result;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
