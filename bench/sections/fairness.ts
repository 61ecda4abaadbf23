// How fairly the library shares its process's event loop (a `Deno.serve`
// handler or a reader in the same process must keep running): on each
// path a 1 ms timer records how late its ticks are (the loop's lag: p50,
// p99 and the longest), and a reader in the producers' own process counts
// what it handles while they produce. One worker process, each path in
// turn: four producers enqueueing, the same with a reader beside them, a
// drain of a backlog, a listing, the operator layer's shapes and listing;
// relaxed and strict, then relaxed with the quick calls on the thread pool.

import type { Bench } from "../lib/context.ts";
import { denoWorker, runGroup } from "../lib/proc.ts";

const SECTION = "Fairness: the event loop's lag beside each path (one process)";

const PATHS = [
  ["enqueue", "4 producers, enqueue"],
  ["sharedReader", "4 producers and a reader in their process"],
  ["drain", "drain: dequeueAvailable + remove"],
  ["list", "spool.list"],
  ["shapes", "operator: shapes"],
  ["operatorList", "operator: entries, one at a time"],
] as const;

interface PathResult {
  p50: number;
  p99: number;
  max: number;
  entries: number;
  perSecond?: number;
  handledDuring?: number;
}

/** Measures each path's lag at both durabilities; records rows and targets. */
export async function fairnessSection(bench: Bench): Promise<void> {
  const { results } = bench;
  const runMs = bench.quick ? 300 : 2000;
  const backlog = bench.quick ? 2_000 : 50_000;
  // The last: the calls a local disk may hold on the thread pool, for a
  // process that puts its event loop before its throughput.
  for (
    const [durability, quickCalls] of [
      ["relaxed", "auto"],
      ["strict", "auto"],
      ["relaxed", "threadPool"],
    ] as const
  ) {
    const how = quickCalls === "auto"
      ? durability
      : `${durability}, quickCalls ${quickCalls}`;
    bench.log(`fairness: ${how}, backlog ${backlog}`);
    const [result] = await runGroup(
      [
        denoWorker("fairness.ts", [
          bench.dir(`fairness-${durability}-${quickCalls}`),
          durability,
          runMs,
          backlog,
          quickCalls,
        ]),
      ],
      [],
      1_800_000,
    );
    for (const [key, label] of PATHS) {
      const path = result[key] as PathResult;
      const what = `${label}, ${how}`;
      for (const q of ["p50", "p99", "max"] as const) {
        results.row(SECTION, what, `lag ${q}`, "ms", [path[q]]);
      }
      if (path.perSecond !== undefined) {
        results.row(SECTION, what, "throughput", "entries/s", [path.perSecond]);
      }
      if (path.handledDuring !== undefined) {
        results.row(SECTION, what, "handled while producing", "entries", [
          path.handledDuring,
        ], `of ${path.entries}`);
      }
      results.target(
        `longest lag, ${what}`,
        path.max,
        "ms",
        "<",
        20,
        "a 1 ms timer in the same process",
      );
      results.target(
        `p99 lag, ${what}`,
        path.p99,
        "ms",
        "<",
        5,
        "a 1 ms timer in the same process",
      );
    }
  }
}
