/**
 * Numbers, sizes, ages and times as the dashboard shows them: the
 * operator layer's, in one style with the command line (the page's script
 * formats live updates the same way). Internal.
 *
 * @module
 */

import { formatAge } from "../operator/format.ts";

export {
  formatAge,
  formatBytes,
  formatCount,
  formatDue,
  formatTime,
} from "../operator/format.ts";

/** An age, or `-` where there is none. */
export function formatAgeOrNone(ms: number | null): string {
  return ms === null ? "-" : formatAge(ms);
}
