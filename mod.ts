/**
 * multispool: a queue in a directory, shared by separate processes through
 * the file system's atomic operations, in the style of Maildir. No server,
 * no daemon, no database.
 *
 * A **spool** is a directory of **queues**; a queue is a directory of
 * **entries**. An entry is a name unique in the spool, small **metadata**
 * (read on every checkout, encoded by a {@linkcode MetadataCodec}) and a
 * **payload** of any size (read only when asked, by a
 * {@linkcode DataCodec}). Producers {@linkcode Spool.enqueue} entries, in any
 * process: an enqueue that resolved survives a crash, and with the default
 * durability a power cut. Consumers **check out** an entry, which exactly
 * one of them wins, and decide its **outcome**: save it to a queue (its own,
 * or the next step's) or remove it. A {@linkcode QueueReader} waits for
 * entries and hands each one to a handler; `withEntry` does the same for
 * one entry in hand.
 *
 * This entry point is all a producer or a consumer needs. The others:
 * - `@multispool/multispool/monitor`: consistency checks, alerts and repair,
 *   for operators;
 * - `@multispool/multispool/expert`: checkout-level control (the caller
 *   saves or removes what it checked out), and listing what other
 *   processes hold;
 * - `@multispool/multispool/cli`: the `multispool` command.
 *
 * Failures of the spool or the file system are typed
 * {@linkcode SpoolError}s; a call with a bad argument is a `RangeError` or
 * `TypeError`.
 *
 * @example Produce in one place, consume in another
 * ```ts
 * import assert from "node:assert/strict";
 * import { jsonMetadata, Spool, textData } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const description = {
 *   queues: ["jobs", "done"],
 *   metadata: jsonMetadata<{ task: string }>(),
 *   data: textData,
 * } as const;
 *
 * // A producer (any process).
 * const producer = await Spool.create(dir, description);
 * await producer.enqueue("jobs", { task: "resize" }, "photo-1.jpg");
 *
 * // A consumer (any other process): one entry, then stop.
 * const consumer = await Spool.load(dir, description);
 * const stop = new AbortController();
 * const handled: string[] = [];
 * await using reader = consumer.reader("jobs");
 * await reader.iter(async (metadata, payload) => {
 *   handled.push(`${metadata.task} ${await payload.load()}`);
 *   stop.abort();
 *   return { action: "save", queue: "done" };
 * }, { signal: stop.signal });
 *
 * assert.deepEqual(handled, ["resize photo-1.jpg"]);
 * assert.equal((await consumer.list("done")).length, 1);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export {
  DecodeError,
  DiskFullError,
  EncodeError,
  EntryNotFoundError,
  InvalidNameError,
  NameInUseError,
  NameNotReservedError,
  NotASpoolError,
  NotDueError,
  PartialEnqueueError,
  PermissionError,
  QueueNotFoundError,
  SpoolError,
  type SpoolErrorOptions,
} from "./src/errors.ts";
export {
  type NameGenerator,
  nameProblem,
  ulidNames,
  type UlidNamesOptions,
  validateName,
} from "./src/names.ts";
export {
  bytesData,
  type DataCodec,
  type EncodedData,
  jsonData,
  jsonMetadata,
  type MetadataCodec,
  streamData,
  textData,
} from "./src/codecs.ts";
export type { Spoolable } from "./src/spoolable.ts";
export type { DataFile } from "./src/data_file.ts";
export type { DirectEntry } from "./src/direct.ts";
export type { CheckedOutEntry, SaveOptions } from "./src/checkout.ts";
export type {
  EntryFailure,
  EntryHistory,
  EntryHold,
  EntryQuarantine,
  EntryRetry,
  FailureKind,
} from "./src/history.ts";
export {
  type Backoff,
  backoffDelay,
  exponentialBackoff,
  type ExponentialBackoffOptions,
  type RetryPolicy,
} from "./src/retry.ts";
export type {
  DequeueOptions,
  IterAvailableOptions,
  IterOptions,
  QueueReader,
  ReaderOptions,
} from "./src/reader.ts";
// The monitor's home is "./monitor"; these four are here too because the
// product contract imports them from the main entry point.
export { Monitor } from "./src/monitor.ts";
export type { MonitorEvent } from "./src/alerts.ts";
export type { Problem } from "./src/problems.ts";
export type { RepairReport } from "./src/repair.ts";
export { type Entry, Spool, type SpoolConstructor } from "./src/spool.ts";
export type {
  DueOptions,
  Durability,
  EnqueueItem,
  EnqueueOptions,
  LoadOptions,
  NameChoice,
  QuickCallsPlace,
  SpoolOptions,
} from "./src/spool_options.ts";
export type {
  EntryHandler,
  Outcome,
  OutcomeWithResult,
} from "./src/outcome.ts";
export type { PoisonPolicy } from "./src/failure.ts";
export { abortOnSignals } from "./src/signals.ts";
