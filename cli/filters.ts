/**
 * Choosing entries: the filters that `ls`, `tail` and the bulk actions
 * (`mv`, `rm`, `hold`, `release`) share. Every filter given must match.
 *
 * @module
 */

import {
  type FlagSpec,
  type Parsed,
  parseSpan,
  stringFlag,
  stringsFlag,
  UsageError,
} from "./args.ts";
import { fieldAt, fieldPath, fieldText, parseMetadata } from "./metadata.ts";

/** The filter flags, for `parse`. */
export const FILTER_FLAGS: FlagSpec = {
  "older-than": { type: "string" },
  "newer-than": { type: "string" },
  where: { type: "string", multiple: true },
  prefix: { type: "string" },
  due: { type: "boolean" },
  delayed: { type: "boolean" },
};

/** The filter flags, for `--help` (aligned with the other options). */
export const FILTER_HELP =
  `  --older-than SPAN           entries in their current phase (waiting in the
                              queue, or checked out) for SPAN or longer
  --newer-than SPAN           entries in their current phase for less than SPAN
  --where FIELD=VALUE         entries whose metadata (JSON) has VALUE at FIELD:
                              a dotted path (to.domain, rcpt.0); a string
                              compares as it is, anything else as compact JSON
                              (attempts=2, urgent=true); FIELD!=VALUE for the
                              others (a missing field differs); repeatable
  --prefix TEXT               entries whose name starts with TEXT
  --due                       entries a consumer may take now
  --delayed                   entries waiting for a due time still ahead`;

/** One `--where` test. */
interface FieldTest {
  path: string[];
  equal: boolean;
  value: string;
}

/** Filters from the command line; every one given must match. */
export interface EntryFilter {
  /** At least this long in the current phase. */
  olderThanMs?: number;
  /** Less than this long in the current phase. */
  newerThanMs?: number;
  /** Metadata field tests. */
  where: FieldTest[];
  /** A name prefix. */
  prefix?: string;
  /** Due now, or delayed. */
  schedule?: "due" | "delayed";
}

/** What a filter looks at in an entry. */
export interface Filterable {
  name: string;
  /** Time in the current phase; null if unknown (never matches an age). */
  ageMs: number | null;
  /** The due time while it is ahead; null when due now. */
  due: string | null;
  /** The metadata as stored. */
  metadata: string;
}

/**
 * The filter given on the command line, or `undefined` if no filter flag
 * was given.
 *
 * @throws {UsageError} If a flag's value is malformed, or `--due` and
 * `--delayed` are both given.
 */
export function filterFrom(parsed: Parsed): EntryFilter | undefined {
  const filter: EntryFilter = { where: [] };
  let any = false;
  const older = stringFlag(parsed, "older-than");
  if (older !== undefined) {
    filter.olderThanMs = parseSpan(older, "--older-than");
    any = true;
  }
  const newer = stringFlag(parsed, "newer-than");
  if (newer !== undefined) {
    filter.newerThanMs = parseSpan(newer, "--newer-than");
    any = true;
  }
  for (const test of stringsFlag(parsed, "where")) {
    const match = /^([^=!]+)(!?=)(.*)$/s.exec(test);
    const path = match === null ? [] : fieldPath(match[1]);
    if (match === null || path.some((step) => step === "")) {
      throw new UsageError(
        `--where: expected FIELD=VALUE or FIELD!=VALUE, got ${
          JSON.stringify(test)
        }`,
      );
    }
    filter.where.push({ path, equal: match[2] === "=", value: match[3] });
    any = true;
  }
  const prefix = stringFlag(parsed, "prefix");
  if (prefix !== undefined) {
    filter.prefix = prefix;
    any = true;
  }
  const due = parsed.values.due === true;
  const delayed = parsed.values.delayed === true;
  if (due && delayed) throw new UsageError("give --due or --delayed, not both");
  if (due || delayed) {
    filter.schedule = due ? "due" : "delayed";
    any = true;
  }
  return any ? filter : undefined;
}

/** Whether `entry` passes every test of `filter`. */
export function matches(filter: EntryFilter, entry: Filterable): boolean {
  if (filter.prefix !== undefined && !entry.name.startsWith(filter.prefix)) {
    return false;
  }
  if (filter.olderThanMs !== undefined) {
    if (entry.ageMs === null || entry.ageMs < filter.olderThanMs) return false;
  }
  if (filter.newerThanMs !== undefined) {
    if (entry.ageMs === null || entry.ageMs >= filter.newerThanMs) return false;
  }
  if (filter.schedule === "due" && entry.due !== null) return false;
  if (filter.schedule === "delayed" && entry.due === null) return false;
  if (filter.where.length > 0) {
    const parsed = parseMetadata(entry.metadata);
    for (const test of filter.where) {
      const found = parsed.json
        ? fieldText(fieldAt(parsed.value, test.path))
        : undefined;
      if ((found === test.value) !== test.equal) return false;
    }
  }
  return true;
}
