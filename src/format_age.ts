/**
 * Durations for people, as the monitor's descriptions and the CLI show them.
 * Internal: not part of the public API.
 *
 * @module
 */

/**
 * A duration for people: `2d 3h`, `1h 2m`, `2m 5s`, `5s` or `120ms`.
 *
 * @param ms The duration in milliseconds.
 * @returns The duration in words.
 */
export function formatAge(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  if (m > 0) return sec > 0 ? `${m}m ${sec}s` : `${m}m`;
  return `${sec}s`;
}
