/**
 * A queue's age histogram as a small SVG of bars, drawn with attributes
 * only (no inline style, which the Content-Security-Policy forbids); the
 * page's script moves the same bars on live updates. Internal.
 *
 * @module
 */

import { type Html, markup } from "./html.ts";
import { AGE_BUCKETS as BUCKETS } from "../operator/shapes.ts";

/** The width of a bar (the geometry is shared with the script). */
export const BAR_WIDTH = 13;
/** The distance from one bar to the next. */
export const BAR_STEP = 16;
/** The height of the tallest bar. */
export const BAR_HEIGHT = 36;
/** The height of the drawing. */
export const CHART_HEIGHT = 40;

/** The label of bucket `i`: `under 5 min`, `5-10 min`, `over 1280 min`. */
export function bucketLabel(i: number): string {
  if (i === 0) return `under ${BUCKETS[0]} min`;
  if (i >= BUCKETS.length) return `over ${BUCKETS[BUCKETS.length - 1]} min`;
  return `${BUCKETS[i - 1]}-${BUCKETS[i]} min`;
}

/** The height of a bar for `count` when the tallest is `max`. */
export function barHeight(count: number, max: number): number {
  if (count === 0 || max === 0) return 0;
  return Math.max(2, Math.round((count / max) * BAR_HEIGHT));
}

/** The histogram of `buckets` for `queue`. */
export function histogram(queue: string, buckets: readonly number[]): Html {
  const max = Math.max(0, ...buckets);
  const width = BAR_STEP * buckets.length;
  const bars = buckets.map((count, i) => {
    const height = barHeight(count, max);
    const y = CHART_HEIGHT - height;
    return markup`<rect x="${
      i * BAR_STEP
    }" y="${y}" width="${BAR_WIDTH}" height="${height}" class="bar"><title>${
      bucketLabel(i)
    }: ${count}</title></rect>`;
  });
  const axis = CHART_HEIGHT - 0.5;
  return markup`<svg class="histogram" data-histogram="" data-queue="${queue}" width="${width}" height="${CHART_HEIGHT}" viewBox="0 0 ${width} ${CHART_HEIGHT}" role="img" aria-label="waiting entries by age"><line x1="0" y1="${axis}" x2="${width}" y2="${axis}" class="axis"></line>${bars}</svg>`;
}
