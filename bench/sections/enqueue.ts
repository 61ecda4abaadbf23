// Enqueue throughput, 1 KiB payloads: the library in strict and relaxed
// durability against the syscall floor, Deno KV and (relaxed) python3-dirq,
// for one producer, 16 concurrent producers in one process, and 4 producer
// processes. Strict and relaxed run in the same alternation, so that their
// ratio is measured side by side too.

import { Spool } from "../../mod.ts";
import { alternate, type Contender } from "../lib/alternate.ts";
import type { Bench } from "../lib/context.ts";
import { CpuMeter, settle } from "../lib/machine.ts";
import {
  denoWorker,
  kvWorker,
  runGroup,
  type WorkerResult,
  type WorkerSpec,
} from "../lib/proc.ts";
import { type DirqPython, dirqWorker } from "../lib/python.ts";
import { median } from "../lib/stats.ts";

const SECTION = "Enqueue, 1 KiB payload";

/**
 * The library's strict system calls made by hand by concurrent producers
 * sharing directory flushes: what strict concurrent enqueue can reach here.
 */
const SHARED = "by hand strict, shared flushes";

interface Shape {
  label: string;
  processes: number;
  concurrency: number;
}

const SHAPES: Shape[] = [
  { label: "1 producer", processes: 1, concurrency: 1 },
  { label: "16 concurrent, 1 process", processes: 1, concurrency: 16 },
  { label: "4 processes x 1", processes: 4, concurrency: 1 },
];

interface Trial {
  rate: number;
  hwmKiB: number;
  /** Busy share of all CPUs during the timed part (0..1). */
  cpuBusy: number;
}

/** Runs one trial of identical workers, measuring the CPUs meanwhile. */
async function trial(
  spec: WorkerSpec,
  shape: Shape,
  ms: number,
): Promise<Trial> {
  const cpu = new CpuMeter();
  const results: WorkerResult[] = await runGroup(
    Array.from({ length: shape.processes }, () => spec),
    [ms],
    undefined,
    cpu,
  );
  const ops = results.reduce((sum, r) => sum + r.ops, 0);
  const start = Math.min(...results.map((r) => r.start));
  const end = Math.max(...results.map((r) => r.end));
  return {
    rate: ops / (end - start) * 1000,
    hwmKiB: Math.max(...results.map((r) => r.hwmKiB)),
    cpuBusy: cpu.busy,
  };
}

function contenders(
  bench: Bench,
  shape: Shape,
  dirq: DirqPython | undefined,
): Contender<Trial>[] {
  const ms = bench.scale.enqueueMs;
  const spoolTrial = (
    durability: "strict" | "relaxed",
    spec: (dir: string) => WorkerSpec,
  ) =>
  async () => {
    const dir = bench.dir(`enqueue-${durability}`);
    await Spool.create(dir, { queues: ["q"] }, { durability });
    return trial(spec(dir), shape, ms);
  };
  const list: Contender<Trial>[] = [];
  for (const durability of ["strict", "relaxed"] as const) {
    list.push({
      id: `multispool ${durability}`,
      run: spoolTrial(
        durability,
        (dir) =>
          denoWorker("enqueue_lib.ts", [dir, durability, shape.concurrency]),
      ),
    }, {
      id: `floor ${durability}`,
      run: spoolTrial(
        durability,
        (dir) => denoWorker("enqueue_floor.ts", [dir, durability]),
      ),
    });
  }
  if (shape.concurrency > 1) {
    list.push({
      id: SHARED,
      run: spoolTrial(
        "strict",
        (dir) => denoWorker("enqueue_shared.ts", [dir, shape.concurrency]),
      ),
    });
  }
  list.push({
    id: "deno kv",
    run: async () => {
      const path = `${bench.dir("enqueue-kv")}/kv.sqlite3`;
      (await Deno.openKv(path)).close();
      const spec = kvWorker("enqueue_kv.ts", [path, shape.concurrency]);
      return trial(spec, shape, ms);
    },
  });
  if (dirq !== undefined && shape.concurrency === 1) {
    list.push({
      id: "python3-dirq (relaxed)",
      run: () =>
        trial(
          dirqWorker(dirq.python, ["enqueue", bench.path("dirq")]),
          shape,
          ms,
        ),
    });
  }
  return list;
}

/** Runs the enqueue comparisons and judges the enqueue targets. */
export async function enqueueSection(
  bench: Bench,
  dirq: DirqPython | undefined,
): Promise<void> {
  const { results } = bench;
  await settle(bench, "enqueue", true);
  const raw: Record<string, unknown> = {};
  for (const shape of SHAPES) {
    bench.log(`enqueue: ${shape.label}`);
    const trials = await alternate(
      contenders(bench, shape, dirq),
      bench.scale.enqueueRounds,
      (id, round, trial) =>
        bench.log(`  ${id} round ${round + 1}: ${trial.rate.toFixed(0)}/s`),
    );
    raw[shape.label] = Object.fromEntries(trials);
    const rates = (id: string) => trials.get(id)?.map((t) => t.rate) ?? [];
    for (const [id, list] of trials) {
      const peak = Math.max(...list.map((t) => t.hwmKiB)) / 1024;
      const busy = median(list.map((t) => t.cpuBusy).filter(Number.isFinite));
      results.row(
        SECTION,
        shape.label,
        id,
        "entries/s",
        list.map((t) => t.rate),
        `peak RSS ${peak.toFixed(0)} MiB/process; CPUs ${
          Number.isFinite(busy) ? (busy * 100).toFixed(0) : "?"
        }% busy`,
      );
    }
    const ratio = (name: string, a: string, b: string) =>
      results.ratio(SECTION, `${shape.label}: ${name}`, rates(a), rates(b));
    ratio("strict / floor strict", "multispool strict", "floor strict");
    ratio("relaxed / floor relaxed", "multispool relaxed", "floor relaxed");
    ratio("strict / deno kv", "multispool strict", "deno kv");
    ratio("relaxed / deno kv", "multispool relaxed", "deno kv");
    ratio("strict / relaxed", "multispool strict", "multispool relaxed");
    if (trials.has(SHARED)) {
      ratio(`strict / ${SHARED}`, "multispool strict", SHARED);
    }
    if (trials.has("python3-dirq (relaxed)")) {
      ratio(
        "relaxed / python3-dirq",
        "multispool relaxed",
        "python3-dirq (relaxed)",
      );
    }
  }
  results.raw.enqueue = raw;
  const r = (name: string) => results.findRatio(SECTION, name)?.value ?? NaN;
  results.target(
    "strict enqueue, 16 concurrent vs one-at-a-time strict floor",
    r("16 concurrent, 1 process: strict / floor strict"),
    "x",
    ">=",
    4,
    "multispool strict (16) / floor strict",
  );
  results.target(
    "strict enqueue, 16 concurrent vs relaxed at 16",
    r("16 concurrent, 1 process: strict / relaxed"),
    "x",
    ">=",
    0.5,
    "multispool strict (16) / multispool relaxed (16)",
  );
  results.target(
    "strict enqueue, 1 producer vs strict floor",
    r("1 producer: strict / floor strict"),
    "x",
    ">=",
    0.9,
    "multispool strict (1) / floor strict",
  );
  results.target(
    "relaxed enqueue, 16 concurrent vs Deno KV",
    r("16 concurrent, 1 process: relaxed / deno kv"),
    "x",
    ">=",
    1.5,
    "multispool relaxed (16) / kv.enqueue (16)",
  );
}
