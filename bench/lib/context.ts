// What every section of a run shares: the options, a scratch directory for
// spools (removed at the end of the run), progress output, and the results.

import type { Results } from "./results.ts";

/** How big the run is. */
export interface Scale {
  /** Rounds of the enqueue comparisons. */
  enqueueRounds: number;
  /** How long each enqueue trial runs, in ms. */
  enqueueMs: number;
  /** Rounds of the latency comparison. */
  latencyRounds: number;
  /** Entries per latency trial. */
  latencyEntries: number;
  /** Messages in the cross-process Deno KV latency probe; 0 skips it. */
  kvCrossEntries: number;
  /** Rounds of the 1 MiB comparison. */
  largeRounds: number;
  /** How long each 1 MiB enqueue phase runs, in ms. */
  largeMs: number;
  /** Backlog sizes drained side by side, and rounds of them. */
  drainSizes: number[];
  drainRounds: number;
  /** Size of the case of 1 KiB entries drained after writeback. */
  drainWrittenBack: number;
  /** The single-round large backlog (reader memory); 0 skips it. */
  hugeBacklog: number;
  /** Rounds of the sync/async call comparison, and calls per batch. */
  opRounds: number;
  opCalls: number;
  /** Wait this long at most for the file system to settle before the first section. */
  settleMs: number;
}

/** The full run: figures for BENCHMARKS.md. */
export const FULL: Scale = {
  enqueueRounds: 5,
  enqueueMs: 1000,
  latencyRounds: 3,
  latencyEntries: 400,
  kvCrossEntries: 5,
  largeRounds: 3,
  largeMs: 1500,
  drainSizes: [1_000, 100_000],
  drainRounds: 3,
  drainWrittenBack: 2_000,
  hugeBacklog: 1_000_000,
  opRounds: 5,
  opCalls: 200,
  settleMs: 45_000,
};

/** The quick run: a smoke test for CI, small and judged on nothing. */
export const QUICK: Scale = {
  enqueueRounds: 2,
  enqueueMs: 200,
  latencyRounds: 2,
  latencyEntries: 60,
  kvCrossEntries: 0,
  largeRounds: 1,
  largeMs: 300,
  drainSizes: [1_000],
  drainRounds: 2,
  drainWrittenBack: 300,
  hugeBacklog: 0,
  opRounds: 2,
  opCalls: 20,
  settleMs: 0,
};

/** The state one run's sections share. */
export class Bench {
  readonly scale: Scale;
  readonly quick: boolean;
  readonly root: string;
  readonly results: Results;
  readonly #started = performance.now();
  #dirs = 0;

  constructor(scale: Scale, quick: boolean, root: string, results: Results) {
    this.scale = scale;
    this.quick = quick;
    this.root = root;
    this.results = results;
  }

  /** A new empty directory under the run's scratch directory. */
  dir(label: string): string {
    const path = `${this.root}/${
      String(++this.#dirs).padStart(4, "0")
    }-${label}`;
    Deno.mkdirSync(path);
    return path;
  }

  /** A path under the run's scratch directory that does not exist yet. */
  path(label: string): string {
    return `${this.root}/${String(++this.#dirs).padStart(4, "0")}-${label}`;
  }

  /** Progress on stderr, so that stdout carries only the report. */
  log(message: string): void {
    const seconds = ((performance.now() - this.#started) / 1000).toFixed(0);
    console.error(`[${seconds.padStart(4)} s] ${message}`);
  }
}
