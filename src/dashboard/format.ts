/**
 * What the dashboard shows beyond the operator layer's formats (which the
 * command line shares, and the page's script follows for live updates).
 * Internal.
 *
 * @module
 */

import { formatAge } from "../operator/format.ts";

/** An age, or `-` where there is none. */
export function formatAgeOrNone(ms: number | null): string {
  return ms === null ? "-" : formatAge(ms);
}
