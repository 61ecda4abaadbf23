// A very large backlog, one round: how fast one reader drains it, its peak
// memory, and the peak memory of the producers that built it.

import type { Bench } from "../lib/context.ts";
import { denoWorker, runGroup, type WorkerResult } from "../lib/proc.ts";
import { type Backlog, createSpool } from "./backlog.ts";

/** The goal for a reader's peak RSS over the huge backlog (MiB). */
const PEAK_RSS_GOAL_MIB = 128;
/** The goal for a reader's first entry from the huge backlog (seconds). */
const FIRST_ENTRY_GOAL_S = 2;

/** What building the huge backlog left for the drain. */
export interface HugeBacklog extends Backlog {
  producers: WorkerResult[];
}

/** Builds the backlog with two producer processes sharing the spool. */
export async function buildHuge(bench: Bench): Promise<HugeBacklog> {
  const size = bench.scale.hugeBacklog;
  const path = bench.dir("backlog-huge");
  await createSpool(path);
  bench.log(
    `drain: building ${
      size.toLocaleString("en-US")
    } empty entries (2 producers)`,
  );
  const producers = await runGroup(
    [0, 1].map(() => denoWorker("build_lib.ts", [path, size / 2, 0])),
    [],
    1_800_000,
  );
  return { path, size, producers };
}

/** Drains the huge backlog with one reader; records rates and peak memory. */
export async function drainHuge(
  bench: Bench,
  huge: HugeBacklog,
): Promise<void> {
  const { results } = bench;
  const { size, producers } = huge;
  const section = `Memory, and a ${
    size.toLocaleString("en-US")
  }-entry backlog (empty entries)`;
  const idle = bench.dir("idle");
  await createSpool(idle);
  const [baseline] = await runGroup([
    denoWorker("drain_lib.ts", [idle, "relaxed", 32, 0]),
  ]);
  bench.log("drain: 1 reader on the huge backlog");
  const [reader] = await runGroup(
    [
      denoWorker("drain_lib.ts", [huge.path, "relaxed", 32, 0]),
    ],
    [],
    1_800_000,
  );
  const mib = (kib: number) => kib / 1024;
  const built = producers.reduce((sum, r) => sum + r.ops, 0) /
    (Math.max(...producers.map((r) => r.end)) -
      Math.min(...producers.map((r) => r.start))) *
    1000;
  results.row(
    section,
    "build: 2 producer processes, relaxed",
    "multispool",
    "entries/s",
    [built],
  );
  results.row(
    section,
    "drain: 1 reader",
    "multispool",
    "entries/s",
    [reader.ops / (reader.end - reader.start) * 1000],
    reader.ops === size ? "" : `drained ${reader.ops} entries!`,
  );
  const firstMs = (reader.firstAt as number) - reader.start;
  results.row(
    section,
    "first entry of a reader starting on it",
    "multispool",
    "s",
    [
      firstMs / 1000,
    ],
  );
  results.row(section, "peak RSS: reader draining it", "multispool", "MiB", [
    mib(reader.hwmKiB),
  ]);
  results.row(
    section,
    "peak RSS: reader on an empty queue",
    "multispool",
    "MiB",
    [
      mib(baseline.hwmKiB),
    ],
  );
  results.row(
    section,
    `peak RSS: producer (${(size / 2).toLocaleString("en-US")} enqueues)`,
    "multispool",
    "MiB",
    [mib(Math.max(...producers.map((r) => r.hwmKiB)))],
  );
  results.raw.huge = { producers, reader, baseline };
  results.target(
    `reader peak RSS over a ${size.toLocaleString("en-US")} backlog`,
    mib(reader.hwmKiB),
    " MiB",
    "<",
    PEAK_RSS_GOAL_MIB,
    "VmHWM of the draining process",
  );
  results.target(
    `a reader's first entry from a ${size.toLocaleString("en-US")} backlog`,
    firstMs / 1000,
    " s",
    "<",
    FIRST_ENTRY_GOAL_S,
    "from its start to its first dequeueAvailable",
  );
}

/** Records the huge backlog's targets as not measured (quick runs). */
export function hugeTargetsNotMeasured(bench: Bench): void {
  const { results } = bench;
  results.target(
    "reader peak RSS over a 1,000,000 backlog",
    NaN,
    " MiB",
    "<",
    PEAK_RSS_GOAL_MIB,
    "full run only",
  );
  results.target(
    "a reader's first entry from a 1,000,000 backlog",
    NaN,
    " s",
    "<",
    FIRST_ENTRY_GOAL_S,
    "full run only",
  );
}
