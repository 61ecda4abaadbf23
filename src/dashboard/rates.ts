/**
 * Depth and flow over the last hour: the dashboard lists every queue's
 * waiting names at an interval and keeps, per queue, a bounded series of
 * samples (depth, entries in, entries out since the sample before).
 *
 * "In" and "out" compare two listings: a name waiting now and not at the
 * last look came in (enqueued, moved in, or put back after a failure); a
 * name waiting then and not now went out (taken by a consumer, moved, or
 * removed). An entry that comes and goes between two looks is not seen,
 * so the figures are a floor, which the page says.
 *
 * Memory: a listing is kept only as one 53-bit hash per name (8 bytes), in
 * a sorted `Float64Array`: 0.8 MB for a queue of 100,000 entries, 8 MB
 * for 1,000,000 (two names that share a hash are counted as one: at a
 * million names, about one pair in 10^4 runs). Samples are at most an
 * hour's worth per queue. Time: a look lists each queue (one directory
 * read), hashes the names and sorts the hashes; the pause after a look is
 * the interval, or ten times what the look took if that is longer, so
 * that sampling takes at most about a tenth of a core. Internal.
 *
 * @module
 */

import { runInBackground } from "../background.ts";
import { LoopBudget } from "../loop_budget.ts";
import type { SpoolView } from "./spool_view.ts";

/** One look at a queue. */
export interface RateSample {
  /** When (milliseconds since the epoch, this host's clock). */
  at: number;
  /** Entries waiting. */
  depth: number;
  /** Names waiting now that were not at the look before. */
  in: number;
  /** Names waiting at the look before that are not now. */
  out: number;
}

/** How far back the series go. */
export const WINDOW_MS = 3_600_000;

/** The most samples kept per queue (an hour at one look every 10 s). */
const MAX_SAMPLES = 360;

/**
 * A 53-bit hash of a name, exact in a double: FNV-1a (32 bits) and the
 * low 21 bits of a second multiplicative hash.
 */
export function nameHash(name: string): number {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 13;
  }
  return (a >>> 0) * 0x200000 + ((b >>> 0) & 0x1fffff);
}

/**
 * How many of sorted `now` are not in sorted `before` (in), and how many
 * of `before` are not in `now` (out), counting repeats.
 */
export function difference(
  before: Float64Array,
  now: Float64Array,
): { in: number; out: number } {
  let i = 0;
  let j = 0;
  let added = 0;
  let gone = 0;
  while (i < before.length && j < now.length) {
    if (before[i] === now[j]) {
      i++;
      j++;
    } else if (before[i] < now[j]) {
      gone++;
      i++;
    } else {
      added++;
      j++;
    }
  }
  return { in: added + now.length - j, out: gone + before.length - i };
}

/** A queue's last listing and its samples. */
interface Series {
  hashes: Float64Array;
  samples: RateSample[];
}

/** Samples every queue of a spool, from its start until closed. */
export class RateSampler {
  readonly #view: SpoolView;
  readonly #everyMs: number;
  readonly #series = new Map<string, Series>();
  readonly #stop = new AbortController();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #looking: Promise<void> | undefined;
  #lastLookMs = 0;
  #looks = 0;

  /**
   * @param view The spool.
   * @param everyMs The shortest pause between two looks.
   */
  constructor(view: SpoolView, everyMs: number) {
    this.#view = view;
    this.#everyMs = everyMs;
  }

  /** How many looks have been taken (each adds one sample per queue). */
  get looks(): number {
    return this.#looks;
  }

  /** How long the last look took, in milliseconds. */
  get lastLookMs(): number {
    return this.#lastLookMs;
  }

  /** Takes the first look now, then one after each pause. */
  start(): void {
    if (this.#timer !== undefined || this.#stop.signal.aborted) return;
    this.#timer = setTimeout(() => this.#round(), 0);
  }

  async #round(): Promise<void> {
    this.#timer = undefined;
    if (this.#stop.signal.aborted) return;
    this.#looking = runInBackground(() => this.look()).catch(() => {
      // Not a spool (yet), or gone: the next look tries again.
    });
    await this.#looking;
    this.#looking = undefined;
    if (this.#stop.signal.aborted) return;
    this.#timer = setTimeout(
      () => this.#round(),
      Math.max(this.#everyMs, 10 * this.#lastLookMs),
    );
  }

  /**
   * Looks at every queue once and adds a sample to each (the first look
   * at a queue gives its depth; in and out need a second).
   */
  async look(): Promise<void> {
    const started = performance.now();
    const budget = new LoopBudget({ signal: this.#stop.signal });
    const spool = await this.#view.open();
    const at = Date.now();
    for (const queue of spool.queues) {
      const names = await spool.names(queue);
      const hashes = new Float64Array(names.length);
      for (let i = 0; i < names.length; i++) {
        if ((i & 1023) === 0) await budget.spend();
        hashes[i] = nameHash(names[i]);
      }
      hashes.sort();
      const series = this.#series.get(queue);
      const flow = series === undefined
        ? { in: 0, out: 0 }
        : difference(series.hashes, hashes);
      const sample = { at, depth: names.length, ...flow };
      if (series === undefined) {
        this.#series.set(queue, { hashes, samples: [sample] });
      } else {
        series.hashes = hashes;
        series.samples.push(sample);
        const since = at - WINDOW_MS;
        const keep = series.samples.findIndex((s) => s.at >= since);
        series.samples.splice(
          0,
          Math.max(keep, series.samples.length - MAX_SAMPLES),
        );
      }
    }
    // A queue gone from the spool is forgotten.
    for (const queue of this.#series.keys()) {
      if (!spool.queues.includes(queue)) this.#series.delete(queue);
    }
    this.#looks++;
    this.#lastLookMs = performance.now() - started;
  }

  /** The samples of `queue` in the last hour, oldest first. */
  samples(queue: string): readonly RateSample[] {
    return this.#series.get(queue)?.samples ?? [];
  }

  /** Stops sampling, once the look under way (if any) has ended. */
  async close(): Promise<void> {
    this.#stop.abort();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#looking;
  }
}

/** In and out over the samples (the first sample of a queue has neither). */
export function totals(
  samples: readonly RateSample[],
): { in: number; out: number; spanMs: number } {
  let added = 0;
  let gone = 0;
  for (const sample of samples.slice(1)) {
    added += sample.in;
    gone += sample.out;
  }
  const spanMs = samples.length < 2 ? 0 : samples.at(-1)!.at - samples[0].at;
  return { in: added, out: gone, spanMs };
}
