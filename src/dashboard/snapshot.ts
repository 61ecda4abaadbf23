/**
 * Every queue's shape at one moment, as the overview and the live updates
 * show it: the operator layer's measurement, dated and timed. Internal.
 *
 * @module
 */

import type { QueueShape } from "../operator/shapes.ts";
import type { SpoolView } from "./spool_view.ts";

/** Every queue's shape at one moment. */
export interface Snapshot {
  /** When it was measured (ISO 8601, this host's clock). */
  at: string;
  /** How long measuring took, in milliseconds. */
  measureMs: number;
  /** The queues, in name order. */
  queues: QueueShape[];
}

/**
 * Measures every queue of the spool.
 *
 * @param view The spool.
 * @param signal Stops measuring (the promise rejects with its reason).
 */
export async function measure(
  view: SpoolView,
  signal?: AbortSignal,
): Promise<Snapshot> {
  const started = performance.now();
  const spool = await view.open();
  const queues = await spool.shapes({ signal });
  return {
    at: new Date().toISOString(),
    measureMs: Math.round(performance.now() - started),
    queues,
  };
}
