// Small statistics for the bench: medians of rounds, latency percentiles,
// and how far a handling order strays from name order.

/** The median (mean of the two middle values for an even count); NaN if empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? sorted[mid]
    : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The q-quantile by nearest rank (q in [0, 1]); NaN if empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(
    sorted.length - 1,
    Math.max(0, Math.ceil(q * sorted.length) - 1),
  );
  return sorted[rank];
}

/** The arithmetic mean; NaN if empty. */
export function mean(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** How far the handling order strays from name order. */
export interface Displacement {
  /** Mean |rank by handling time - rank by name|, in entries. */
  mean: number;
  /** The largest such distance. */
  max: number;
  /** The 99th percentile of the distance. */
  p99: number;
}

/**
 * Compares the order in which entries were handled (by handler timestamp,
 * across all consumers) with their name order (the FIFO order of the
 * default names).
 */
export function displacement(
  handled: readonly [string, number][],
): Displacement {
  const byTime = [...handled].sort((a, b) => a[1] - b[1]);
  const byName = handled.map(([name]) => name).sort();
  const nameRank = new Map<string, number>();
  byName.forEach((name, rank) => nameRank.set(name, rank));
  const distances = byTime.map(([name], rank) =>
    Math.abs(rank - (nameRank.get(name) ?? rank))
  );
  return {
    mean: mean(distances),
    max: distances.reduce((a, b) => Math.max(a, b), 0),
    p99: quantile(distances, 0.99),
  };
}
