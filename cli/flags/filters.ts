/**
 * Choosing entries from the command line: the filter flags that `ls`,
 * `tail` and the bulk actions (`mv`, `rm`, `hold`, `release`, `retry`)
 * share, turned into the operator layer's filter. Every filter given must
 * match.
 *
 * @module
 */

import {
  type EntryFilter,
  type FieldTest,
  parseFieldTest,
} from "../../operator.ts";
import {
  type FlagSpec,
  type Parsed,
  spanFlag,
  stringFlag,
  stringsFlag,
  UsageError,
} from "../args.ts";

/** The filter flags, for `parse`. */
export const FILTER_FLAGS: FlagSpec = {
  "older-than": { type: "string" },
  "newer-than": { type: "string" },
  where: { type: "string", multiple: true },
  prefix: { type: "string" },
  due: { type: "boolean" },
  delayed: { type: "boolean" },
  error: { type: "string" },
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
  --delayed                   entries waiting for a due time still ahead
  --error TEXT                entries whose last error (its kind or message)
                              contains TEXT, whatever the case`;

/** The line about spans, for the end of a help text. */
export const SPANS_HELP = "Spans: 500ms, 90s, 10m, 1h, 2d, 1h30m.";

/**
 * The filter given on the command line, or `undefined` if no filter flag
 * was given.
 *
 * @throws {UsageError} If a flag's value is malformed, or `--due` and
 * `--delayed` are both given.
 */
export function filterFrom(parsed: Parsed): EntryFilter | undefined {
  const filter: EntryFilter = {};
  const olderThanMs = spanFlag(parsed, "older-than");
  if (olderThanMs !== undefined) filter.olderThanMs = olderThanMs;
  const newerThanMs = spanFlag(parsed, "newer-than");
  if (newerThanMs !== undefined) filter.newerThanMs = newerThanMs;
  const where: FieldTest[] = [];
  for (const test of stringsFlag(parsed, "where")) {
    try {
      where.push(parseFieldTest(test));
    } catch (error) {
      throw new UsageError(
        `--where: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  if (where.length > 0) filter.where = where;
  const prefix = stringFlag(parsed, "prefix");
  if (prefix !== undefined) filter.prefix = prefix;
  const error = stringFlag(parsed, "error");
  if (error !== undefined) {
    if (error === "") {
      throw new UsageError("--error: give some text to look for");
    }
    filter.error = error;
  }
  const due = parsed.values.due === true;
  const delayed = parsed.values.delayed === true;
  if (due && delayed) throw new UsageError("give --due or --delayed, not both");
  if (due || delayed) filter.schedule = due ? "due" : "delayed";
  return Object.keys(filter).length > 0 ? filter : undefined;
}
