/**
 * Choosing entries: the filters that listings, searches and bulk actions
 * share. Every test given must pass.
 *
 * @module
 */

import type { EntryInfo } from "./entry_info.ts";
import { metadataField } from "./metadata.ts";

/**
 * A test of one metadata field: `to.domain=example.com` (the value at that
 * dotted path is `value`), or with `equal: false` (`!=`) that it is not (a
 * missing field differs). A string compares as it is, anything else as
 * compact JSON (`attempts=2`, `urgent=true`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type FieldTest, parseFieldTest } from "@multispool/multispool/operator";
 *
 * const test: FieldTest = parseFieldTest("to.domain!=example.com");
 * assert.deepEqual(test, { path: ["to", "domain"], equal: false, value: "example.com" });
 * ```
 */
export interface FieldTest {
  /** The field's dotted path, as steps. */
  path: string[];
  /** True for `=`, false for `!=`. */
  equal: boolean;
  /** The value compared with. */
  value: string;
}

/**
 * Which entries to pick; every test given must pass, and an empty filter
 * picks every entry.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import type { EntryFilter } from "@multispool/multispool/operator";
 *
 * const stuck: EntryFilter = { olderThanMs: 3_600_000, error: "timeout" };
 * assert.equal(stuck.error, "timeout");
 * ```
 */
export interface EntryFilter {
  /** Names that start with this. */
  prefix?: string;
  /** In their current phase for at least this long. */
  olderThanMs?: number;
  /** In their current phase for less than this. */
  newerThanMs?: number;
  /** Due now (a consumer may take them), or delayed. */
  schedule?: "due" | "delayed";
  /** Metadata field tests. */
  where?: readonly FieldTest[];
  /**
   * Entries whose last error (its kind or message) contains this text,
   * whatever the case.
   */
  error?: string;
}

/**
 * A field test as written by people: `FIELD=VALUE` or `FIELD!=VALUE`.
 *
 * @param text The test.
 * @returns It, parsed.
 * @throws {SyntaxError} If it is neither form, or the field path has an
 * empty step.
 */
export function parseFieldTest(text: string): FieldTest {
  const match = /^([^=!]+)(!?=)(.*)$/s.exec(text);
  const path = match?.[1].split(".");
  if (match === null || path === undefined || path.includes("")) {
    throw new SyntaxError(
      `expected FIELD=VALUE or FIELD!=VALUE, FIELD a dotted path (like to.domain), got ${
        JSON.stringify(text)
      }`,
    );
  }
  return { path, equal: match[2] === "=", value: match[3] };
}

/** Whether `filter` has no test at all (it picks every entry). */
export function isEmptyFilter(filter: EntryFilter): boolean {
  return filter.prefix === undefined && filter.olderThanMs === undefined &&
    filter.newerThanMs === undefined && filter.schedule === undefined &&
    (filter.where ?? []).length === 0 && filter.error === undefined;
}

/**
 * Whether a filter tests nothing but the name, so that entries can be
 * picked from a listing without reading them.
 */
export function namesOnly(filter: EntryFilter): boolean {
  return isEmptyFilter({ ...filter, prefix: undefined });
}

/** Whether the name `name` passes the filter's name test. */
export function nameMatches(filter: EntryFilter, name: string): boolean {
  return filter.prefix === undefined || name.startsWith(filter.prefix);
}

/**
 * Whether `entry` passes every test of `filter`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { type EntryInfo, matches } from "@multispool/multispool/operator";
 *
 * const entry = {
 *   name: "01KB0000000000000000000000", ageMs: 90_000, due: null,
 *   metadata: '{"to":{"domain":"x.org"}}',
 *   lastError: { kind: "error", message: "Error: 421 timeout" },
 * } as EntryInfo;
 * assert.ok(matches({ olderThanMs: 60_000, error: "TIMEOUT" }, entry));
 * assert.ok(!matches({ where: [{ path: ["to", "domain"], equal: true, value: "y.org" }] }, entry));
 * ```
 */
export function matches(filter: EntryFilter, entry: EntryInfo): boolean {
  if (!nameMatches(filter, entry.name)) return false;
  if (filter.olderThanMs !== undefined) {
    if (entry.ageMs === null || entry.ageMs < filter.olderThanMs) return false;
  }
  if (filter.newerThanMs !== undefined) {
    if (entry.ageMs === null || entry.ageMs >= filter.newerThanMs) return false;
  }
  if (filter.schedule === "due" && entry.due !== null) return false;
  if (filter.schedule === "delayed" && entry.due === null) return false;
  for (const test of filter.where ?? []) {
    const found = metadataField(entry.metadata, test.path);
    if ((found === test.value) !== test.equal) return false;
  }
  if (filter.error !== undefined) {
    const last = entry.lastError;
    if (last === null) return false;
    const wanted = filter.error.toLowerCase();
    if (
      !last.message.toLowerCase().includes(wanted) &&
      !last.kind.includes(wanted)
    ) return false;
  }
  return true;
}
