/**
 * multispool: a queue in a directory, shared by separate processes through
 * the file system's atomic operations, in the style of Maildir. No server,
 * no daemon, no database.
 *
 * A spool is a directory of queues. Producers {@linkcode Spool.enqueue}
 * entries (metadata plus a payload); consumers check an entry out, which
 * only one of them can win, and then save it to a queue or remove it.
 *
 * @example Produce and consume
 * ```ts
 * import { Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["jobs", "done"] });
 * await spool.enqueue("jobs", { task: "resize" }, new Uint8Array([1, 2, 3]));
 * for (const entry of await spool.list("jobs")) {
 *   await spool.withEntry(entry, (metadata) => {
 *     console.log("handling", metadata);
 *     return { action: "save", queue: "done" };
 *   });
 * }
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
export type { CheckedOutEntry } from "./src/checkout.ts";
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
export type { MonitorEvent } from "./src/watch.ts";
export type { Problem } from "./src/problems.ts";
export type { RepairReport } from "./src/repair.ts";
export { type Entry, Spool, type SpoolConstructor } from "./src/spool.ts";
export type {
  Durability,
  LoadOptions,
  NameChoice,
  SpoolOptions,
} from "./src/spool_options.ts";
export type {
  EntryHandler,
  Outcome,
  OutcomeWithResult,
} from "./src/outcome.ts";
export { abortOnSignals } from "./src/signals.ts";
