/**
 * The description of what a spool holds: its queues, codecs, names and I/O
 * limit.
 *
 * @module
 */

import type { DataCodec, MetadataCodec } from "./codecs.ts";
import type { NameGenerator } from "./names.ts";

/**
 * What a spool holds and how it is stored, given when a spool is opened.
 *
 * @typeParam Q The queue names (each one is a directory of the spool).
 * @typeParam M The metadata type, stored as text in the queue file.
 * @typeParam D The payload type, stored as bytes in `.data/`.
 * @typeParam I What the name generator takes as input.
 *
 * @example A mail spool with typed metadata and text payloads
 * ```ts
 * import assert from "node:assert/strict";
 * import {
 *   jsonMetadata,
 *   Spool,
 *   type Spoolable,
 *   textData,
 *   ulidNames,
 * } from "@multispool/multispool";
 *
 * interface Envelope { from: string; to: string[]; attempts: number }
 * const mail: Spoolable<"active" | "frozen", Envelope, string> = {
 *   queues: ["active", "frozen"],
 *   metadata: jsonMetadata<Envelope>(),
 *   data: textData,
 *   names: ulidNames({ prefix: "msg-" }),
 *   ioConcurrency: 16,
 * };
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, mail);
 * const entry = await spool.enqueue("active", { from: "a@x", to: ["b@y"], attempts: 0 }, "Hi");
 * assert.match(entry.name, /^msg-/);
 * assert.equal(await entry.direct.dataFile().load(), "Hi");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface Spoolable<Q extends string, M, D, I = string | undefined> {
  /** The queue names; each is a directory name (see `nameProblem`). */
  readonly queues: readonly Q[];
  /**
   * How metadata is stored.
   *
   * @default {jsonMetadata()}
   */
  readonly metadata?: MetadataCodec<M>;
  /**
   * How payloads are stored.
   *
   * @default {bytesData}
   */
  readonly data?: DataCodec<D>;
  /**
   * How entry names are made.
   *
   * @default {ulidNames()}
   */
  readonly names?: NameGenerator<I>;
  /**
   * The most file jobs (writes, reads, flushes) one spool object runs at
   * once; the port of the original's `Throttle`.
   *
   * @default {64}
   */
  readonly ioConcurrency?: number;
}
