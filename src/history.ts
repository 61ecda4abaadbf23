/**
 * An entry's history: how many attempts at handling it failed, and why.
 *
 * It lives in the entry's registry file, `.registry/NAME`, which is empty
 * until a first failure is recorded: one JSON object, replaced whole
 * (through `.tmp/` and a rename) by the process that holds the entry. Other
 * implementations of the format only ever test that file's existence, so
 * they keep working; removing the entry removes its history with it.
 *
 * @module
 */

import { DecodeError } from "./errors.ts";
import * as protocol from "./protocol/mod.ts";

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
  /** Failed attempts so far. */
  attempts: number;
  /** The last failures (at most {@linkcode FAILURES_KEPT}), oldest first. */
  failures: EntryFailure[];
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
    const at = new Date(typeof f?.at === "string" ? f.at : NaN);
    if (
      Number.isNaN(at.getTime()) || typeof f?.queue !== "string" ||
      !isKind(f.kind) || typeof f.message !== "string"
    ) {
      throw invalid("a failure lacks at, queue, kind or message");
    }
    failures.push({ at, queue: f.queue, kind: f.kind, message: f.message });
  }
  return { attempts: record.attempts as number, failures };
}

/** The text a registry file holds for `history`. */
export function encodeHistory(history: EntryHistory): string {
  return JSON.stringify({
    attempts: history.attempts,
    failures: history.failures.map((f) => ({
      at: f.at.toISOString(),
      queue: f.queue,
      kind: f.kind,
      message: f.message,
    })),
  }) + "\n";
}

/** `history` with one more failed attempt. */
export function withFailure(
  history: EntryHistory,
  failure: EntryFailure,
): EntryHistory {
  return {
    attempts: history.attempts + 1,
    failures: [...history.failures, failure].slice(-FAILURES_KEPT),
  };
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
 * The text of an entry's registry file with one more failure recorded, for
 * a process that has the entry in hand but no history read yet (a reader
 * moving a poison entry, repair). A history that cannot be read is started
 * again.
 */
export function historyWith(
  disk: protocol.Disk,
  name: string,
  failure: Omit<EntryFailure, "at">,
): string {
  let history: EntryHistory;
  try {
    history = parseHistory(
      protocol.readRegistry(disk, name),
      disk.layout.registry(name),
    );
  } catch {
    history = emptyHistory();
  }
  return encodeHistory(withFailure(history, { at: new Date(), ...failure }));
}
