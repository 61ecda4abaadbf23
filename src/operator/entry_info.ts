/**
 * An entry as operators see it: where it is and since when, when it is
 * due, its failed attempts and the last error, what operators did to it
 * (quarantine, hold), its payload's size and its metadata as stored.
 *
 * @module
 */

import { DecodeError } from "../errors.ts";
import {
  type EntryHistory,
  type EntryQuarantine,
  type FailureKind,
  lastFailure,
  parseHistory,
} from "../history.ts";
import { localTime } from "../due.ts";
import * as protocol from "../protocol/mod.ts";
import type { Disk } from "../protocol/mod.ts";
import { arrivalTime } from "./arrival.ts";

/** Waiting in its queue, or checked out of it by a consumer. */
export type EntryState = "waiting" | "checked out";

/**
 * The last failure recorded in an entry's history, for triage.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { LastError } from "@multispool/multispool/operator";
 *
 * const last: LastError = {
 *   at: new Date("2026-12-01T05:00:00Z"),
 *   queue: "outbox",
 *   kind: "error",
 *   message: "Error: 451 greylisted",
 *   beforeRetry: false,
 * };
 * assert.equal(last.kind, "error");
 * ```
 */
export interface LastError {
  /** When it was recorded. */
  at: Date;
  /** The queue the entry was taken from. */
  queue: string;
  /** What kind of failure it was. */
  kind: FailureKind;
  /** The error, on one line, cut short to {@linkcode LAST_ERROR_LENGTH}. */
  message: string;
  /** True if it was recorded before the entry's last fresh start. */
  beforeRetry: boolean;
}

/** How long a {@linkcode LastError} message may be, in characters. */
export const LAST_ERROR_LENGTH = 200;

/**
 * One entry, as listings, searches and the entry page describe it. Times
 * are on this host's clock; ages are measured on the file system's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 * import { OperatorSpool } from "@multispool/multispool/operator";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["jobs"] });
 * const entry = await spool.enqueue("jobs", { to: "a@x" }, new Uint8Array(3));
 * const operator = await OperatorSpool.open(dir);
 * const info = await operator.find(entry.name);
 * assert.equal(info?.queue, "jobs");
 * assert.equal(info?.state, "waiting");
 * assert.equal(info?.dataBytes, 3);
 * assert.equal(info?.metadata, '{"to":"a@x"}');
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface EntryInfo {
  /** The entry name. */
  name: string;
  /** The queue it waits in, or was checked out of. */
  queue: string;
  /** Waiting, or checked out. */
  state: EntryState;
  /** When it was enqueued, from its name (a ULID); null for other names. */
  arrivedAt: Date | null;
  /**
   * When it entered its current phase: its registry file's time, or for a
   * checkout, its checkout's stamp (which a long job refreshes).
   */
  since: Date | null;
  /** How long it has been in its current phase. */
  ageMs: number | null;
  /** When a waiting entry is due, while that is ahead; else null. */
  due: Date | null;
  /** Failed attempts recorded; null if the history cannot be read. */
  attempts: number | null;
  /** The last failure recorded, if any. */
  lastError: LastError | null;
  /**
   * Set while the entry is quarantined where it is: moved aside as damaged
   * to this very queue, and still damaged.
   */
  quarantine: EntryQuarantine | null;
  /** The queue a held entry was held from (release sends it back there). */
  heldFrom: string | null;
  /** The payload's size; null if it is missing or not a regular file. */
  dataBytes: number | null;
  /** The metadata as stored. */
  metadata: string;
}

/** An entry, in full: its description, and its history as read. */
export interface EntryDetails extends EntryInfo {
  /** Its history, or why it cannot be read. */
  history: EntryHistory | { error: string };
}

/**
 * Describes entry `name` of `queue`, waiting or (with `checkedOut`)
 * checked out; undefined if it is not there. A metadata file that is not a
 * regular file (the monitor reports it) is skipped too, unless `strict`:
 * then its {@linkcode DecodeError} is thrown. Its calls go where the
 * spool's quick calls go (see `protocol.lookAtEntry`).
 */
export async function describeEntry(
  disk: Disk,
  queue: string,
  name: string,
  checkedOut: boolean,
  strict = false,
): Promise<EntryDetails | undefined> {
  let files: protocol.EntryFiles | undefined;
  try {
    files = await protocol.lookAtEntry(disk, queue, name, checkedOut);
  } catch (error) {
    if (error instanceof DecodeError && !strict) return undefined;
    throw error;
  }
  if (files === undefined) return undefined;
  const now = disk.clock.now().getTime();
  // A waiting entry's phase is dated by its registry file (its metadata
  // file's time may be a due time); a checkout's by its own stamp, which
  // its consumer refreshes on long jobs.
  const since = (checkedOut ? files.info.mtime : files.registry?.mtime) ??
    null;
  let history: EntryHistory | { error: string };
  try {
    history = parseHistory(files.history ?? "", disk.layout.registry(name));
  } catch (error) {
    history = { error: error instanceof Error ? error.message : String(error) };
  }
  const read = "error" in history ? undefined : history;
  const due = checkedOut ? undefined : protocol.dueOf(disk, files.info);
  const dataBytes = files.data?.isFile ? files.data.size : null;
  return {
    name,
    queue,
    state: checkedOut ? "checked out" : "waiting",
    arrivedAt: arrivalTime(name) ?? null,
    since: since === null ? null : localTime(disk, since),
    ageMs: since === null ? null : Math.max(0, now - since.getTime()),
    due: due === undefined ? null : localTime(disk, due),
    attempts: files.registry === undefined ? null : read?.attempts ?? null,
    lastError: read === undefined ? null : lastErrorOf(read),
    quarantine: read === undefined
      ? null
      : quarantineOf(read, queue, () => dataBytes !== null),
    heldFrom: read?.hold?.from ?? null,
    dataBytes,
    metadata: files.metadata,
    history,
  };
}

/** The last failure of a history, for a listing. */
function lastErrorOf(history: EntryHistory): LastError | null {
  const last = lastFailure(history);
  if (last === undefined) return null;
  return {
    at: last.at,
    queue: last.queue,
    kind: last.kind,
    message: last.message.length <= LAST_ERROR_LENGTH
      ? last.message
      : `${last.message.slice(0, LAST_ERROR_LENGTH - 1)}…`,
    beforeRetry: last.beforeRetry === true,
  };
}

/**
 * The quarantine of an entry waiting in `queue`, if it is quarantined
 * there: its history says it was moved aside to this queue, and it is
 * still damaged (a quarantine for its payload ends once the payload is
 * back; `hasPayload` is asked only then).
 */
export function quarantineOf(
  history: EntryHistory,
  queue: string,
  hasPayload: () => boolean,
): EntryQuarantine | null {
  const { quarantine } = history;
  if (quarantine === undefined || quarantine.queue !== queue) return null;
  if (/payload/i.test(quarantine.reason) && hasPayload()) return null;
  return quarantine;
}

/** An entry without its history: what listings carry. */
export function summaryOf(details: EntryDetails): EntryInfo {
  const { history: _, ...info } = details;
  return info;
}
