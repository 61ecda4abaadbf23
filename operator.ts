/**
 * The operator's view of a spool, for tools: what the `multispool` command
 * and the dashboard are built on, so that a script can do whatever they do.
 * It opens any spool, whatever its codecs (metadata is the text stored,
 * payloads are bytes), with the queues found on disk.
 *
 * - **Describe**: each queue's shape (ready, delayed, quarantined, checked
 *   out, ages in qshape's buckets), per value of a metadata field too.
 * - **Find**: an entry by its name alone, wherever it is (names are unique
 *   in a spool), with its last error, attempts, due time, hold and
 *   quarantine; in full with its history; a bounded preview of its payload.
 * - **List**: a queue's entries in name order, filtered by name prefix,
 *   age, due or delayed, metadata field and error text, streamed one at a
 *   time or a page at a time (after or before a name, at a position).
 * - **Act**, one entry or many, with a dry run first: move, hold (the
 *   origin remembered), release (back to it), retry with a fresh start
 *   (attempts back to 0, due now, to the queue of its last failure),
 *   remove, make due now. Each goes through the library's protocol: an
 *   entry is checked out, then saved or removed, so it races correctly
 *   with consumers, and an entry a consumer holds is left alone unless its
 *   checkout is older than a limit given (its consumer presumed dead).
 *
 * It needs read and write access to the spool directory, as a consumer
 * does (read access alone for looking).
 *
 * @example Triage dead letters, then retry the ones that timed out
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { OperatorSpool } from "@multispool/multispool/operator";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["outbox", "dead"] });
 * for (const to of ["a@x.org", "b@y.org"]) {
 *   await spool.enqueue("outbox", { to }, new TextEncoder().encode("hi"));
 * }
 * await using reader = spool.reader("outbox", {
 *   retry: { maxAttempts: 1, deadLetter: "dead" },
 * });
 * await reader.iterAvailable((meta) => {
 *   throw new Error((meta as { to: string }).to === "a@x.org" ? "timeout" : "550 no such user");
 * });
 *
 * const operator = await OperatorSpool.open(dir);
 * const [dead] = await operator.shapes({ queues: ["dead"] });
 * assert.equal(dead.waiting, 2);
 * const plan = await operator.actIn("dead", { filter: { error: "timeout" } }, {
 *   kind: "retry",
 * }, { dryRun: true });
 * assert.equal(plan.done.length, 1);
 * const done = await operator.actIn("dead", { filter: { error: "timeout" } }, {
 *   kind: "retry",
 * });
 * assert.equal(done.done[0].to, "outbox");
 * const [again] = await Array.fromAsync(operator.entries("outbox"));
 * assert.equal(again.attempts, 0);
 * assert.equal(again.lastError?.beforeRetry, true);
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export {
  type CheckoutInfo,
  type OperatorOptions,
  OperatorSpool,
  type OperatorSpoolConstructor,
  type QueueWatch,
  type ShapeOptions,
} from "./src/operator/operator_spool.ts";
export type {
  ActionDone,
  ActionReport,
  CheckedOutReport,
  OperatorAction,
  RawData,
} from "./src/operator/actions.ts";
export type { ActionTarget, ActOptions } from "./src/operator/bulk.ts";
export {
  type EntryDetails,
  type EntryInfo,
  type EntryState,
  LAST_ERROR_LENGTH,
  type LastError,
} from "./src/operator/entry_info.ts";
export {
  type EntryFilter,
  type FieldTest,
  isEmptyFilter,
  matches,
  parseFieldTest,
} from "./src/operator/filter.ts";
export type { ListOptions } from "./src/operator/listing.ts";
export type { EntryPage, PageRequest } from "./src/operator/page.ts";
export {
  fieldAt,
  fieldPath,
  fieldText,
  metadataField,
  type ParsedMetadata,
  parseMetadata,
} from "./src/operator/metadata.ts";
export {
  base64,
  hexDump,
  type Preview,
  previewOfBytes,
} from "./src/operator/preview.ts";
export {
  AGE_BUCKETS,
  bucketOf,
  type GroupShape,
  type QueueShape,
} from "./src/operator/shapes.ts";
export { arrivalTime } from "./src/operator/arrival.ts";
export {
  formatAge,
  formatBytes,
  formatCount,
  formatDue,
  formatTime,
} from "./src/operator/format.ts";
