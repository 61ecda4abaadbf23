/**
 * The queue page's filter as a query: the operator layer's filter (name
 * prefix, metadata fields, last error, due or delayed, age) read from the
 * fields of a form or a link, and written back into links, forms and the
 * hidden fields of a confirmation, so that a bulk action runs on exactly
 * the filter the operator saw. Internal.
 *
 * @module
 */

import {
  type EntryFilter,
  type FieldTest,
  parseFieldTest,
} from "../operator/filter.ts";
import { HttpError } from "./http_error.ts";

/** The filter's fields as typed, to fill the form and the links again. */
export interface FilterFields {
  /** Names that start with this. */
  prefix: string;
  /** `FIELD=VALUE` or `FIELD!=VALUE` tests, each as typed. */
  where: string[];
  /** Text of the last error. */
  error: string;
  /** `due`, `delayed`, or `""` for both. */
  schedule: "" | "due" | "delayed";
  /** A span (`90s`, `1h30m`): in their current phase at least this long. */
  older: string;
  /** A span: in their current phase for less than this. */
  newer: string;
}

/** A filter read from a query: the fields as typed, and the filter. */
export interface FilterQuery {
  /** The fields, as typed (trimmed). */
  fields: FilterFields;
  /** The filter they make; undefined when no field is given. */
  filter: EntryFilter | undefined;
}

/** Milliseconds per unit of a span. */
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/**
 * A span of time as operators type it, in the command line's units:
 * `500ms`, `90s`, `10m`, `1h30m`, `2d`.
 *
 * @throws {HttpError} 400 naming the field, if it is not one.
 */
export function parseAge(text: string, field: string): number {
  const step = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    step.lastIndex = at;
    const found = step.exec(text);
    if (found === null) break;
    total += Number(found[1]) * UNIT_MS[found[2]];
    at = step.lastIndex;
  }
  if (text === "" || at !== text.length) {
    throw new HttpError(
      400,
      `${field}: ${
        JSON.stringify(text)
      } is not a span of time (write it like 500ms, 90s, 10m, 1h30m or 2d)`,
    );
  }
  return total;
}

/**
 * Reads the filter of a query or a posted form: `prefix`, `where`
 * (repeatable), `error`, `schedule` (`due` or `delayed`), `older` and
 * `newer` (spans). Empty fields are no test.
 *
 * @throws {HttpError} 400 for a malformed field, naming it.
 */
export function readFilter(params: URLSearchParams): FilterQuery {
  const text = (name: string) => (params.get(name) ?? "").trim();
  const schedule = text("schedule");
  if (schedule !== "" && schedule !== "due" && schedule !== "delayed") {
    throw new HttpError(
      400,
      `schedule: ${JSON.stringify(schedule)} is neither "due" nor "delayed"`,
    );
  }
  const fields: FilterFields = {
    prefix: params.get("prefix") ?? "",
    where: params.getAll("where").map((w) => w.trim()).filter((w) => w !== ""),
    error: text("error"),
    schedule,
    older: text("older"),
    newer: text("newer"),
  };
  const filter: EntryFilter = {};
  if (fields.prefix !== "") filter.prefix = fields.prefix;
  if (fields.where.length > 0) {
    filter.where = fields.where.map((w): FieldTest => {
      try {
        return parseFieldTest(w);
      } catch (error) {
        throw new HttpError(
          400,
          `metadata: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
    });
  }
  if (fields.error !== "") filter.error = fields.error;
  if (fields.schedule !== "") filter.schedule = fields.schedule;
  if (fields.older !== "") {
    filter.olderThanMs = parseAge(fields.older, "older than");
  }
  if (fields.newer !== "") {
    filter.newerThanMs = parseAge(fields.newer, "newer than");
  }
  return {
    fields,
    filter: Object.keys(filter).length === 0 ? undefined : filter,
  };
}

/** A query value: one text, or several for a repeated field. */
export type QueryValue = string | readonly string[] | undefined;

/** The filter's fields as a query (the empty ones left out). */
export function filterQuery(
  fields: FilterFields,
): Record<string, QueryValue> {
  const given = (value: string) => value === "" ? undefined : value;
  return {
    prefix: given(fields.prefix),
    where: fields.where.length === 0 ? undefined : fields.where,
    error: given(fields.error),
    schedule: given(fields.schedule),
    older: given(fields.older),
    newer: given(fields.newer),
  };
}

/** Whether any field of the filter is given. */
export function hasFilter(fields: FilterFields): boolean {
  return Object.values(filterQuery(fields)).some((v) => v !== undefined);
}

/** The filter in words, for a confirmation: `error contains "timeout"`. */
export function describeFilter(fields: FilterFields): string[] {
  const parts: string[] = [];
  if (fields.prefix !== "") {
    parts.push(`name starts with ${JSON.stringify(fields.prefix)}`);
  }
  for (const test of fields.where) parts.push(`metadata ${test}`);
  if (fields.error !== "") {
    parts.push(`last error contains ${JSON.stringify(fields.error)}`);
  }
  if (fields.schedule !== "") parts.push(fields.schedule);
  if (fields.older !== "") parts.push(`older than ${fields.older}`);
  if (fields.newer !== "") parts.push(`newer than ${fields.newer}`);
  return parts;
}
