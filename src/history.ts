/**
 * An entry's history: how many attempts at handling it failed, and why;
 * and what operators did to it: a retry with a fresh start, a quarantine,
 * a hold.
 *
 * It lives in the entry's registry file, `.registry/NAME`, which is empty
 * until something is recorded: one JSON object, replaced whole (through
 * `.tmp/` and a rename) by the process that holds the entry. Other
 * implementations of the format only ever test that file's existence, so
 * they keep working; removing the entry removes its history with it.
 *
 * @module
 */

import { DecodeError } from "./errors.ts";

/** Why an attempt at an entry failed. */
export type FailureKind =
  /** The handler threw, or asked for a retry. */
  | "error"
  /**
   * The consumer stopped without saving or removing the entry (killed,
   * say); repair found its checkout stale and put it back.
   */
  | "abandoned"
  /**
   * The entry itself is damaged: its metadata cannot be decoded, or its
   * payload is missing or not a regular file.
   */
  | "damaged";

/**
 * One failed attempt, as recorded in the entry's history.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EntryFailure } from "@multispool/multispool";
 *
 * const failure: EntryFailure = {
 *   at: new Date("2026-12-01T05:00:00Z"),
 *   queue: "outbox",
 *   kind: "error",
 *   message: "Error: 451 try again later",
 * };
 * assert.equal(failure.kind, "error");
 * ```
 */
export interface EntryFailure {
  /** When it was recorded (this process's clock). */
  at: Date;
  /** The queue the entry was taken from. */
  queue: string;
  /** What kind of failure it was. */
  kind: FailureKind;
  /** The error, on one line. */
  message: string;
  /**
   * True for a failure recorded before the entry's last retry with a fresh
   * start (see {@linkcode EntryHistory.lastRetry}): it is kept for people
   * to read, and no longer counts among the attempts.
   */
  beforeRetry?: true;
}

/**
 * A fresh start given to an entry, by an operator's retry: its attempts
 * went back to 0.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EntryRetry } from "@multispool/multispool";
 *
 * const retry: EntryRetry = {
 *   at: new Date("2026-12-01T06:00:00Z"),
 *   from: "dead",
 *   attempts: 3,
 * };
 * assert.equal(retry.attempts, 3);
 * ```
 */
export interface EntryRetry {
  /** When it was retried (the retrying process's clock). */
  at: Date;
  /** The queue it was in then (a dead-letter queue, say). */
  from: string;
  /** The failed attempts it had spent before. */
  attempts: number;
}

/**
 * Where a damaged entry was put out of its consumers' way (by repair's
 * `damagedTo`, or a reader's `poison: { queue }`), and why. While it stays
 * there, damaged, it is quarantined: the monitor counts it apart, not as a
 * problem, and repair leaves it alone.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EntryQuarantine } from "@multispool/multispool";
 *
 * const quarantine: EntryQuarantine = {
 *   at: new Date("2026-12-01T06:00:00Z"),
 *   queue: "dead",
 *   reason: "the entry's payload is missing",
 * };
 * assert.equal(quarantine.queue, "dead");
 * ```
 */
export interface EntryQuarantine {
  /** When it was moved (the moving process's clock). */
  at: Date;
  /** The queue it was moved to. */
  queue: string;
  /** What is wrong with it, for people. */
  reason: string;
}

/**
 * Where a held entry came from: releasing it sends it back there unless
 * told otherwise.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EntryHold } from "@multispool/multispool";
 *
 * const hold: EntryHold = { at: new Date(), from: "outbox" };
 * assert.equal(hold.from, "outbox");
 * ```
 */
export interface EntryHold {
  /** When it was held (the holding process's clock). */
  at: Date;
  /** The queue it was held from. */
  from: string;
}

/**
 * What is recorded about an entry's failed attempts: their number, and the
 * last few failures, oldest first.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { Spool } from "@multispool/multispool";
 *
 * const dir = await Deno.makeTempDir();
 * const spool = await Spool.create(dir, { queues: ["q"] });
 * const entry = await spool.enqueue("q", {}, new Uint8Array());
 * const history = await entry.direct.readHistory();
 * assert.deepEqual(history, { attempts: 0, failures: [] });
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export interface EntryHistory {
  /** Failed attempts so far (since the last retry with a fresh start). */
  attempts: number;
  /** The last failures (at most {@linkcode FAILURES_KEPT}), oldest first. */
  failures: EntryFailure[];
  /** The last retry with a fresh start, if the entry had one. */
  lastRetry?: EntryRetry;
  /** Where it was quarantined, if it was moved aside as damaged. */
  quarantine?: EntryQuarantine;
  /** Where it was held from, while it is held. */
  hold?: EntryHold;
}

/** How many failures a history keeps; older ones are dropped. */
export const FAILURES_KEPT = 10;
/** How long a recorded message may be, in characters. */
const MESSAGE_LIMIT = 1000;

/** The history of an entry that never failed. */
export function emptyHistory(): EntryHistory {
  return { attempts: 0, failures: [] };
}

/**
 * Reads a history from a registry file's text; an empty file is an empty
 * history.
 *
 * @throws {DecodeError} If the text is not a history.
 */
export function parseHistory(text: string, path: string): EntryHistory {
  if (text.trim() === "") return emptyHistory();
  const invalid = (why: string, cause?: unknown) =>
    new DecodeError(`the registry file holds no valid history (${why})`, {
      operation: "read history",
      path,
      cause,
    });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalid("not JSON", error);
  }
  const record = value as { attempts?: unknown; failures?: unknown } | null;
  if (
    typeof record !== "object" || record === null ||
    !Number.isSafeInteger(record.attempts) || (record.attempts as number) < 0 ||
    !Array.isArray(record.failures)
  ) {
    throw invalid("expected { attempts, failures }");
  }
  const failures: EntryFailure[] = [];
  for (const item of record.failures as unknown[]) {
    const f = item as Record<string, unknown> | null;
    const at = dateOf(f?.at);
    if (
      at === undefined || typeof f?.queue !== "string" ||
      !isKind(f.kind) || typeof f.message !== "string"
    ) {
      throw invalid("a failure lacks at, queue, kind or message");
    }
    const failure: EntryFailure = {
      at,
      queue: f.queue,
      kind: f.kind,
      message: f.message,
    };
    if (f.beforeRetry === true) failure.beforeRetry = true;
    failures.push(failure);
  }
  const history: EntryHistory = {
    attempts: record.attempts as number,
    failures,
  };
  const fields = value as Record<string, unknown>;
  const lastRetry = objectOf(fields.lastRetry, "lastRetry", invalid);
  if (lastRetry !== undefined) {
    const at = dateOf(lastRetry.at);
    if (
      at === undefined || typeof lastRetry.from !== "string" ||
      !Number.isSafeInteger(lastRetry.attempts)
    ) throw invalid("lastRetry lacks at, from or attempts");
    history.lastRetry = {
      at,
      from: lastRetry.from,
      attempts: lastRetry.attempts as number,
    };
  }
  const quarantine = objectOf(fields.quarantine, "quarantine", invalid);
  if (quarantine !== undefined) {
    const at = dateOf(quarantine.at);
    if (
      at === undefined || typeof quarantine.queue !== "string" ||
      typeof quarantine.reason !== "string"
    ) throw invalid("quarantine lacks at, queue or reason");
    history.quarantine = {
      at,
      queue: quarantine.queue,
      reason: quarantine.reason,
    };
  }
  const hold = objectOf(fields.hold, "hold", invalid);
  if (hold !== undefined) {
    const at = dateOf(hold.at);
    if (at === undefined || typeof hold.from !== "string") {
      throw invalid("hold lacks at or from");
    }
    history.hold = { at, from: hold.from };
  }
  return history;
}

/** A date from its ISO text, or undefined. */
function dateOf(value: unknown): Date | undefined {
  const at = new Date(typeof value === "string" ? value : NaN);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** An optional object field: undefined if absent, else an object. */
function objectOf(
  value: unknown,
  field: string,
  invalid: (why: string) => Error,
): Record<string, unknown> | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw invalid(`${field} is not an object`);
  }
  return value as Record<string, unknown>;
}

/** The text a registry file holds for `history`. */
export function encodeHistory(history: EntryHistory): string {
  const { lastRetry, quarantine, hold } = history;
  return JSON.stringify({
    attempts: history.attempts,
    failures: history.failures.map((f) => ({
      at: f.at.toISOString(),
      queue: f.queue,
      kind: f.kind,
      message: f.message,
      ...f.beforeRetry ? { beforeRetry: true } : {},
    })),
    ...lastRetry === undefined ? {} : {
      lastRetry: {
        at: lastRetry.at.toISOString(),
        from: lastRetry.from,
        attempts: lastRetry.attempts,
      },
    },
    ...quarantine === undefined ? {} : {
      quarantine: {
        at: quarantine.at.toISOString(),
        queue: quarantine.queue,
        reason: quarantine.reason,
      },
    },
    ...hold === undefined
      ? {}
      : { hold: { at: hold.at.toISOString(), from: hold.from } },
  }) + "\n";
}

/** `history` with one more failed attempt. */
export function withFailure(
  history: EntryHistory,
  failure: EntryFailure,
): EntryHistory {
  return {
    ...history,
    attempts: history.attempts + 1,
    failures: [...history.failures, failure].slice(-FAILURES_KEPT),
  };
}

/**
 * `history` after a retry with a fresh start from queue `from`: no
 * attempts, the past failures kept and marked as before the retry, no
 * quarantine and no hold any more.
 */
export function withFreshStart(
  history: EntryHistory,
  from: string,
  at: Date = new Date(),
): EntryHistory {
  return {
    attempts: 0,
    failures: history.failures.map((f) => ({ ...f, beforeRetry: true })),
    lastRetry: { at, from, attempts: history.attempts },
  };
}

/** The failure recorded last, if any (before a retry or not). */
export function lastFailure(history: EntryHistory): EntryFailure | undefined {
  return history.failures.at(-1);
}

/** An error as one line of bounded length, for a history. */
export function describeError(error: unknown): string {
  const text = error instanceof Error
    ? `${error.name}: ${error.message}`
    : String(error);
  const line = text.replace(/\s*\n\s*/g, " ").trim();
  return line.length <= MESSAGE_LIMIT
    ? line
    : `${line.slice(0, MESSAGE_LIMIT - 1)}…`;
}

function isKind(kind: unknown): kind is FailureKind {
  return kind === "error" || kind === "abandoned" || kind === "damaged";
}

/**
 * `history` with the entry marked quarantined in `queue`, where it is being
 * moved as damaged, for `reason`.
 */
export function withQuarantine(
  history: EntryHistory,
  queue: string,
  reason: string,
  at: Date = new Date(),
): EntryHistory {
  return { ...history, quarantine: { at, queue, reason } };
}

/**
 * The text of a registry file whose text was `text`, with its history
 * changed by `edit`. A history that cannot be read is started again.
 */
export function editHistoryText(
  text: string,
  edit: (history: EntryHistory) => EntryHistory,
): string {
  let history: EntryHistory;
  try {
    history = parseHistory(text, "");
  } catch {
    history = emptyHistory();
  }
  return encodeHistory(edit(history));
}
