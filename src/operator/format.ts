/**
 * Numbers, sizes, ages and times as operators read them, in one style for
 * the command line and the dashboard: counts with thousands separated,
 * sizes in binary units, ages in words, times in ISO 8601 UTC.
 *
 * @module
 */

import { formatAge } from "../format_age.ts";

export { formatAge };

/**
 * A count with thousands separated.
 *
 * @param n The count.
 * @returns It for people.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatCount } from "@multispool/multispool/operator";
 *
 * assert.equal(formatCount(100000), "100,000");
 * ```
 */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/**
 * A byte count for people: `512 B`, `1.5 KiB`, `3.0 MiB`.
 *
 * @param n The number of bytes.
 * @returns It for people.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatBytes } from "@multispool/multispool/operator";
 *
 * assert.equal(formatBytes(1536), "1.5 KiB");
 * ```
 */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

/**
 * A time for people, to the second, in UTC: `2026-12-01T05:08:52Z`.
 *
 * @param at The time.
 * @returns It in ISO 8601, without its milliseconds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatTime } from "@multispool/multispool/operator";
 *
 * assert.equal(formatTime(new Date(Date.UTC(2026, 11, 1, 5, 8, 52, 431))), "2026-12-01T05:08:52Z");
 * ```
 */
export function formatTime(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`;
}

/**
 * When a waiting entry is due, for people: `now`, or `in 4m 10s`.
 *
 * @param due Its due time while that is ahead, else null.
 * @param now Now, in milliseconds on the same clock.
 * @returns The due time in words.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatDue } from "@multispool/multispool/operator";
 *
 * assert.equal(formatDue(null), "now");
 * assert.equal(formatDue(new Date(70_000), 10_000), "in 1m");
 * ```
 */
export function formatDue(due: Date | null, now: number = Date.now()): string {
  return due === null
    ? "now"
    : `in ${formatAge(Math.max(0, due.getTime() - now))}`;
}
