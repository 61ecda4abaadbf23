/**
 * Numbers, sizes, ages and times as the dashboard shows them (the page's
 * script formats live updates the same way). Internal.
 *
 * @module
 */

import { formatAge } from "../format_age.ts";

/** A count with thousands separated: `100,000`. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

/** A byte count for people: 512 B, 1.5 KiB, 3.0 MiB. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

/** An age, or `-` where there is none. */
export function formatAgeOrNone(ms: number | null): string {
  return ms === null ? "-" : formatAge(ms);
}

/** A due time for people: `now`, or `in 4m 10s (2026-…Z)`. */
export function formatDue(due: string | null, now = Date.now()): string {
  if (due === null) return "now";
  return `in ${formatAge(Math.max(0, Date.parse(due) - now))}`;
}

export { formatAge };
