/**
 * Entries as the command prints them (`ls`, `show`, `tail`, the bulk
 * actions): the operator layer's description of an entry, as JSON or as
 * table cells, with everything from the spool escaped.
 *
 * @module
 */

import {
  type EntryInfo,
  formatAge,
  formatDue,
  formatTime,
  type LastError,
  parseMetadata,
} from "../operator.ts";
import { clip, escapeText } from "./output.ts";

/**
 * How `--json` output carries metadata: `metadata` is the parsed value when
 * the text is JSON (`metadataJson: true`), else the text as a string
 * (`metadataJson: false`).
 */
export function metadataFields(
  text: string,
): { metadata: unknown; metadataJson: boolean } {
  const parsed = parseMetadata(text);
  return parsed.json
    ? { metadata: parsed.value, metadataJson: true }
    : { metadata: text, metadataJson: false };
}

/**
 * An entry as `--json` output has it: times in ISO 8601, metadata parsed
 * when it is JSON.
 */
export function entryJson(entry: EntryInfo): Record<string, unknown> {
  const { metadata, ...rest } = entry;
  return { ...rest, ...metadataFields(metadata) };
}

/** An arrival time in a table: `2026-12-01T05:08:52Z`, or `-`. */
export function arrivalCell(entry: EntryInfo): string {
  return entry.arrivedAt === null ? "-" : formatTime(entry.arrivedAt);
}

/** When an entry is due, in a table: `now`, `in 4m 10s`, `-` if held. */
export function dueCell(entry: EntryInfo, now?: number): string {
  return entry.state === "checked out" ? "-" : formatDue(entry.due, now);
}

/**
 * The last error, in `max` characters at most: `error 3m ago: Error: 451
 * greylisted`, marked when it was before the last retry; `-` for none.
 */
export function lastErrorCell(
  last: LastError | null,
  max: number,
  now: number = Date.now(),
): string {
  if (last === null) return "-";
  const before = last.beforeRetry ? " (before retry)" : "";
  const head = `${last.kind} ${
    formatAge(now - last.at.getTime())
  } ago${before}`;
  return clip(`${head}: ${last.message}`, max);
}

/** Says on stderr that NAME is not there; returns the exit code, 1. */
export function notThere(
  command: string,
  queue: string | undefined,
  name: string,
): number {
  console.error(
    `multispool ${command}: ${escapeText(name)} is not ${
      queue === undefined
        ? "in the spool (removed, or never there)"
        : `in ${
          escapeText(queue)
        } (moved, removed, or never there; without a queue, it is looked for everywhere)`
    }`,
  );
  return 1;
}
