/**
 * The last hour of a queue as small line charts (SVG drawn with attributes
 * only, as the Content-Security-Policy wants): its depth, and entries in
 * and out per minute. The width spans the samples kept: the last hour, or
 * since the first sample when the dashboard started less than an hour
 * ago (the title says when). Internal.
 *
 * @module
 */

import { formatCount, formatTime } from "../operator/format.ts";
import { type Html, markup } from "./html.ts";
import { type RateSample, WINDOW_MS } from "./rates.ts";

/** What a chart shows of each sample. */
export type Measure = "depth" | "in" | "out";

/** A point of a chart: when, and the value. */
interface Point {
  at: number;
  value: number;
}

/**
 * The values of `measure`: the depth at each look, or entries in (or out)
 * per minute between a look and the one before.
 */
export function pointsOf(
  samples: readonly RateSample[],
  measure: Measure,
): Point[] {
  if (measure === "depth") {
    return samples.map((s) => ({ at: s.at, value: s.depth }));
  }
  const points: Point[] = [];
  for (let i = 1; i < samples.length; i++) {
    const minutes = Math.max(1, samples[i].at - samples[i - 1].at) / 60_000;
    points.push({ at: samples[i].at, value: samples[i][measure] / minutes });
  }
  return points;
}

/**
 * The last value of `measure` and the largest, rounded: what a caption
 * says beside the chart (`undefined` without a sample).
 */
export function lastAndMax(
  samples: readonly RateSample[],
  measure: Measure,
): { last: number; max: number } | undefined {
  const points = pointsOf(samples, measure);
  if (points.length === 0) return undefined;
  return {
    last: Math.round(points.at(-1)!.value),
    max: Math.round(Math.max(...points.map((p) => p.value))),
  };
}

/** The label of a measure. */
const LABELS: Record<Measure, string> = {
  depth: "entries waiting",
  in: "in per minute",
  out: "out per minute",
};

/**
 * A line chart of `measure` up to `now`, over the hour or since the first
 * sample, `width` by `height` pixels; its title says the range of values
 * and of times.
 */
export function lineChart(
  queue: string,
  samples: readonly RateSample[],
  measure: Measure,
  size: { width: number; height: number },
  now: number = Date.now(),
): Html {
  const { width, height } = size;
  const points = pointsOf(samples, measure);
  const max = Math.max(0, ...points.map((p) => p.value));
  const start = Math.max(now - WINDOW_MS, samples[0]?.at ?? now);
  const span = Math.max(1, now - start);
  const x = (at: number) =>
    Math.max(0, Math.min(width, ((at - start) / span) * width));
  // One pixel of margin top and bottom, so that a flat line shows.
  const y = (value: number) =>
    max === 0 ? height - 1 : height - 1 - (value / max) * (height - 2);
  const coordinates = points.map((p) =>
    `${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`
  ).join(" ");
  const rounded = (n: number) => formatCount(Math.round(n));
  const title = points.length === 0
    ? `${LABELS[measure]}: no sample yet`
    : `${LABELS[measure]}: ${
      rounded(Math.min(...points.map((p) => p.value)))
    } to ${rounded(max)}, ${formatTime(new Date(points[0].at))} to ${
      formatTime(new Date(points.at(-1)!.at))
    }; now ${rounded(points.at(-1)!.value)}`;
  const base = height - 0.5;
  return markup`<svg class="chart chart-${measure}" data-chart="${measure}" data-queue="${queue}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}"><title>${title}</title><line x1="0" y1="${base}" x2="${width}" y2="${base}" class="axis"></line>${
    points.length === 0
      ? ""
      : markup`<polyline points="${coordinates}" class="line"></polyline>`
  }</svg>`;
}
