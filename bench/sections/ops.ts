// Synchronous against asynchronous forms of the file-system calls an
// enqueue makes, one call at a time, on the benchmark's disk: the figures
// behind the library's choice of form per hot path, and behind the strict
// floor's edge with one producer (its flushes are synchronous).

import type { Bench } from "../lib/context.ts";
import { denoWorker, runGroup } from "../lib/proc.ts";

const SECTION = "File-system calls, sync vs async forms (one at a time)";

/** Measures each call pair and records rows and async/sync ratios. */
export async function opsSection(bench: Bench): Promise<void> {
  const { results } = bench;
  bench.log("file-system calls, sync vs async");
  const [result] = await runGroup([
    denoWorker("op_costs.ts", [
      bench.dir("ops"),
      bench.scale.opRounds,
      bench.scale.opCalls,
    ]),
  ]);
  const costs = result.costs as Record<
    string,
    { sync: number[]; async: number[] }
  >;
  results.raw.ops = costs;
  for (const [call, { sync, async }] of Object.entries(costs)) {
    results.row(SECTION, call, "sync", "µs/call", sync);
    results.row(SECTION, call, "async", "µs/call", async);
    results.ratio(SECTION, `${call}: async / sync`, async, sync);
  }
}
